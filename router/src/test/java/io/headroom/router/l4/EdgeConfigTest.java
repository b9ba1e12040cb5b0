package io.headroom.router.l4;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.config.HostPort;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EdgeConfigTest {

    private static EdgeConfig parse(String yaml) {
        return EdgeConfig.from(ConfigNode.parse("edge.yaml", yaml));
    }

    private static ConfigException error(String yaml) {
        try {
            parse(yaml);
        } catch (ConfigException e) {
            return e;
        }
        throw new AssertionError("no error for:\n" + yaml);
    }

    @Test
    void everyKey() {
        EdgeConfig c = parse("""
                edge:
                  listen: 0.0.0.0:7000
                  pool: web-gateways
                  members: [127.0.0.1:8080, "[::1]:8081"]
                  balancer: hash
                  max-connections: 500
                  idle-timeout: 90s
                  connect-timeout: 250ms
                  connect-attempts: 2
                  down-time: 10s
                """);
        assertThat(c.listen()).isEqualTo(new HostPort("0.0.0.0", 7000));
        assertThat(c.pool()).isEqualTo("web-gateways");
        assertThat(c.members()).containsExactly(HostPort.parse("127.0.0.1:8080"), HostPort.parse("[::1]:8081"));
        assertThat(c.balancer()).isEqualTo(EdgeConfig.BalancerType.HASH);
        assertThat(c.maxConnections()).isEqualTo(500);
        assertThat(c.idleTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(c.connectTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.connectAttempts()).isEqualTo(2);
        assertThat(c.downTime()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void defaults() {
        EdgeConfig c = parse("edge: {members: [127.0.0.1:8080]}");
        assertThat(c.listen().toString()).isEqualTo(EdgeConfig.DEFAULT_LISTEN);
        assertThat(c.pool()).isEqualTo("gateways");
        assertThat(c.balancer()).isEqualTo(EdgeConfig.BalancerType.LEAST_CONNECTIONS);
        assertThat(c.maxConnections()).isEqualTo(EdgeConfig.DEFAULT_MAX_CONNECTIONS);
        assertThat(c.idleTimeout()).isEqualTo(EdgeConfig.DEFAULT_IDLE_TIMEOUT);
        assertThat(c.connectTimeout()).isEqualTo(EdgeConfig.DEFAULT_CONNECT_TIMEOUT);
        assertThat(c.connectAttempts()).isEqualTo(3);
        assertThat(c.downTime()).isEqualTo(Duration.ofSeconds(5));
        assertThat(parse("edge: {members: [127.0.0.1:8080], balancer: least-connections}").balancer())
                .isEqualTo(EdgeConfig.BalancerType.LEAST_CONNECTIONS);
    }

    @Test
    void misspeltKeyIsReportedAtItsLineWithTheFix() {
        ConfigException e = error("""
                edge:
                  members: [127.0.0.1:8080]
                  max-conections: 10
                """);
        assertThat(e.getMessage()).startsWith("edge.yaml:3:3 (edge.max-conections): unknown key 'max-conections'");
        assertThat(e.fix()).contains("did you mean 'max-connections'?");
    }

    @Test
    void badValuesAreReportedAtTheirLine() {
        assertThat(error("edge:\n  members: [127.0.0.1:8080]\n  balancer: round-robin\n").getMessage())
                .startsWith("edge.yaml:3:13 (edge.balancer): unknown balancer 'round-robin'")
                .contains("fix: use least-connections or hash");
        assertThat(error("edge:\n  members: [127.0.0.1:8080, nonsense]\n").getMessage())
                .startsWith("edge.yaml:2:29 (edge.members[1]): 'nonsense' is not host:port");
        assertThat(error("edge:\n  members: [127.0.0.1:8080, 127.0.0.1:8080]\n").getMessage())
                .contains("(edge.members[1]): member 127.0.0.1:8080 is listed twice");
        assertThat(error("edge:\n  members: [127.0.0.1:0]\n").getMessage()).contains("port 0 is not connectable");
        assertThat(error("edge:\n  listen: 7000\n  members: [127.0.0.1:8080]\n").getMessage())
                .startsWith("edge.yaml:2:11 (edge.listen): '7000' is not host:port");
        assertThat(error("edge:\n  members: [127.0.0.1:8080]\n  idle-timeout: 0s\n").getMessage())
                .startsWith("edge.yaml:3:17 (edge.idle-timeout): idle-timeout must be positive");
        assertThat(error("edge:\n  members: [127.0.0.1:8080]\n  max-connections: 0\n").getMessage())
                .startsWith("edge.yaml:3:20 (edge.max-connections): 0 is out of range");
        assertThat(error("edge:\n  members: [127.0.0.1:8080]\n  pool: 'a b'\n").getMessage())
                .contains("(edge.pool): pool name 'a b' is not a plain name");
        assertThat(error("edge:\n  members: [{address: 127.0.0.1:8080}]\n").getMessage())
                .contains("(edge.members[0]): a member is a plain host:port");
    }

    @Test
    void membersAndTheSectionAreRequired() {
        ConfigException none = error("edge:\n  listen: 127.0.0.1:7000\n");
        assertThat(none.problem()).isEqualTo("no static members");
        assertThat(none.fix()).contains("fail-static");
        assertThat(error("router: {}\n").problem()).isEqualTo("no 'edge:' section");
    }

    @Test
    void theExampleInTheDocsParses() throws Exception {
        String doc = Files.readString(Path.of("../docs/edge.md"));
        int start = doc.indexOf("```yaml\nedge:") + "```yaml\n".length();
        String yaml = doc.substring(start, doc.indexOf("```", start));
        EdgeConfig c = EdgeConfig.from(ConfigNode.parse("edge.md", yaml));
        assertThat(c.members()).hasSize(2);
        assertThat(c.pool()).isEqualTo("gateways");
        for (String key : EdgeConfig.KEYS) {
            assertThat(yaml).as("docs example shows every key").contains("  " + key + ":");
        }
    }
}
