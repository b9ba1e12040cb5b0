package io.headroom.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConfigNodeTest {

    private static final String YAML = """
            router:
              listen: 127.0.0.1:8080
              pools:
                api:
                  backends: [127.0.0.1:9001, 127.0.0.1:9002]
                  connect-timeout: 250ms
                  retries: 2
            predictor:
              lead-time: 2m
              ratio: 0.8
            """;

    @Test
    void typedAccessWithDefaults() {
        ConfigNode root = ConfigNode.parse("h.yaml", YAML);
        ConfigNode api = root.child("router").child("pools").child("api");
        assertThat(api.stringList("backends")).containsExactly("127.0.0.1:9001", "127.0.0.1:9002");
        assertThat(api.duration("connect-timeout", Duration.ZERO)).isEqualTo(Duration.ofMillis(250));
        assertThat(api.integer("retries", 0, 0, 10)).isEqualTo(2);
        assertThat(api.integer("absent", 7, 0, 10)).isEqualTo(7);
        assertThat(root.child("predictor").duration("lead-time", Duration.ZERO)).isEqualTo(Duration.ofMinutes(2));
        assertThat(root.child("predictor").decimal("ratio", 1, 0, 1)).isEqualTo(0.8);
        assertThat(root.child("missing").keys()).isEmpty();
        assertThat(root.child("router").child("pools").keys()).containsExactly("api");
    }

    @Test
    void errorsPointAtTheLineAndSayTheFix() {
        ConfigNode api = ConfigNode.parse("h.yaml", YAML).child("router").child("pools").child("api");
        assertThatThrownBy(() -> api.integer("retries", 0, 0, 1))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:7:")
                .hasMessageContaining("router.pools.api.retries")
                .hasMessageContaining("between 0 and 1");
        assertThatThrownBy(() -> api.duration("backends", Duration.ZERO))
                .hasMessageContaining("h.yaml:5:").hasMessageContaining("expected a plain value");
        assertThatThrownBy(() -> api.requireOnly("backends", "connect-timeout", "retry"))
                .hasMessageContaining("unknown key 'retries'").hasMessageContaining("did you mean 'retry'");
    }

    @Test
    void badYamlAndDurationsAreReportedWithPosition() {
        assertThatThrownBy(() -> ConfigNode.parse("bad.yaml", "a: 1\n b: [\n"))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("bad.yaml:");
        assertThatThrownBy(() -> ConfigNode.parse("dup.yaml", "a: 1\na: 2\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("dup.yaml:2");
        ConfigNode n = ConfigNode.parse("d.yaml", "t: 5 parsecs\n");
        assertThatThrownBy(() -> n.duration("t", Duration.ZERO)).hasMessageContaining("d.yaml:1:4").hasMessageContaining("250ms");
        assertThat(ConfigNode.parse("e.yaml", "").keys()).isEmpty();
        assertThat(ConfigNode.parse("n.yaml", "t: 3\n").duration("t", Duration.ZERO)).isEqualTo(Duration.ofSeconds(3));
    }
}
