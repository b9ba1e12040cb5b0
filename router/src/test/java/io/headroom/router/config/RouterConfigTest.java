package io.headroom.router.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RouterConfigTest {

    private static RouterConfig parse(String yaml) {
        return RouterConfig.from(ConfigNode.parse("headroom.yaml", yaml));
    }

    @Test
    void parsesTheDocumentedExample() {
        RouterConfig c = parse("""
                instance-id: node-1
                router:
                  listen: 127.0.0.1:8080
                  pools:
                    api:
                      backends: [127.0.0.1:9001, {address: 127.0.0.1:9002, weight: 2}]
                      connect-timeout: 1s
                      request-timeout: 10s
                      health-path: /health
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """);
        assertThat(c.listen()).isEqualTo(new HostPort("127.0.0.1", 8080));
        PoolConfig api = c.pools().get("api");
        assertThat(api.backends()).containsExactly(new BackendConfig(new HostPort("127.0.0.1", 9001), 1.0),
                new BackendConfig(new HostPort("127.0.0.1", 9002), 2.0));
        assertThat(api.connectTimeout()).isEqualTo(Duration.ofSeconds(1));
        assertThat(api.requestTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(api.healthPath()).isEqualTo("/health");
        assertThat(c.routes()).containsExactly(new RouteConfig("api", "/", "api"));
    }

    @Test
    void unknownKeyNamesLineAndSuggestion() {
        assertThatThrownBy(() -> parse("""
                router:
                  pools:
                    api:
                      backends: [127.0.0.1:9001]
                      conect-timeout: 1s
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:5:")
                .hasMessageContaining("unknown key 'conect-timeout'")
                .hasMessageContaining("did you mean 'connect-timeout'");
    }

    @Test
    void badBackendAddressNamesLine() {
        assertThatThrownBy(() -> parse("""
                router:
                  pools:
                    api:
                      backends:
                        - 127.0.0.1:9001
                        - localhost-9002
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:6:")
                .hasMessageContaining("bad backend address")
                .hasMessageContaining("fix: write host:port");
        assertThatThrownBy(() -> parse("""
                router:
                  listen: 127.0.0.1:99999
                  pools: {api: {backends: [127.0.0.1:9001]}}
                  routes: [{name: api, pool: api}]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:2:").hasMessageContaining("outside 0..65535");
    }

    @Test
    void routeNamingUnknownPool() {
        assertThatThrownBy(() -> parse("""
                router:
                  pools: {api: {backends: [127.0.0.1:9001]}}
                  routes:
                    - {name: api, path-prefix: /, pool: apii}
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:4:")
                .hasMessageContaining("unknown pool 'apii'")
                .hasMessageContaining("use one of [api]");
    }

    @Test
    void duplicates() {
        assertThatThrownBy(() -> parse("""
                router:
                  pools: {api: {backends: [127.0.0.1:9001]}}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                    - {name: api, path-prefix: /v2, pool: api}
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:5:").hasMessageContaining("duplicate route name 'api'");
        assertThatThrownBy(() -> parse("""
                router:
                  pools: {api: {backends: [127.0.0.1:9001, {address: 127.0.0.1:9001, weight: 3}]}}
                  routes: [{name: api, pool: api}]
                """)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:2:").hasMessageContaining("listed twice");
        // Duplicate pool names are duplicate YAML keys: ConfigNode (ingest) should reject them; see the report.
    }

    @Test
    void badWeightAndMissingRoutes() {
        assertThatThrownBy(() -> parse("""
                router:
                  pools: {api: {backends: [{address: 127.0.0.1:9001, weight: -1}]}}
                  routes: [{name: api, pool: api}]
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:2:").hasMessageContaining("out of range");
        assertThatThrownBy(() -> parse("""
                router:
                  pools: {api: {backends: [127.0.0.1:9001]}}
                """)).isInstanceOf(ConfigException.class).hasMessageContaining("no routes configured");
    }

    @Test
    void quickMode() {
        RouterConfig c = RouterConfig.quick("127.0.0.1:0", List.of("127.0.0.1:9001", "[::1]:9002"));
        assertThat(c.listen().port()).isZero();
        assertThat(c.pools().get("default").backends()).extracting(b -> b.address().toString())
                .containsExactly("127.0.0.1:9001", "[::1]:9002");
        assertThat(c.routes()).containsExactly(new RouteConfig("default", "/", "default"));
        assertThatThrownBy(() -> RouterConfig.quick("127.0.0.1:0", List.of("nope"))).isInstanceOf(IllegalArgumentException.class);
    }
}
