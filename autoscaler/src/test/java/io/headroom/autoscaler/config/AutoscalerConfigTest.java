package io.headroom.autoscaler.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AutoscalerConfigTest {

    @Test
    void parsesPools() {
        AutoscalerConfig c = AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  kill-switch: true
                  pools:
                    api: {min: 2, max: 6, cooldown: 10s, scale-down-window: 30s, max-step-up: 3, max-step-down: 2, dry-run: true,
                          provider: local, local: {base-port: 9200, capacity: 50, latency: 7ms, drain: 500ms}}
                """));
        assertThat(c.killSwitch()).isTrue();
        assertThat(c.tick()).isEqualTo(Duration.ofSeconds(1));
        AutoscalerConfig.PoolConfig p = c.pools().get("api");
        assertThat(p.policy().min()).isEqualTo(2);
        assertThat(p.policy().max()).isEqualTo(6);
        assertThat(p.policy().cooldown()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.policy().scaleDownWindow()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.policy().maxStepUp()).isEqualTo(3);
        assertThat(p.policy().maxStepDown()).isEqualTo(2);
        assertThat(p.policy().dryRun()).isTrue();
        assertThat(p.local().basePort()).isEqualTo(9200);
        assertThat(p.local().capacity()).isEqualTo(50);
        assertThat(p.local().latency()).isEqualTo(Duration.ofMillis(7));
        assertThat(p.local().drain()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void contractExampleParses() {
        AutoscalerConfig c = AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    api: {min: 1, max: 8, cooldown: 20s, provider: local, local: {base-port: 9100, capacity: 100, latency: 5ms}}
                """));
        assertThat(c.pools().get("api").policy().maxStepUp()).isEqualTo(4);
        assertThat(AutoscalerConfig.from(ConfigNode.empty()).pools()).isEmpty();
    }

    @Test
    void misspeltKeyFailsAtFileAndLine() {
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    api:
                      min: 1
                      cooldwn: 5s
                """))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:5:")
                .hasMessageContaining("did you mean 'cooldown'");
    }

    @Test
    void maxBelowMinIsAnError() {
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    api: {min: 4, max: 2}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("h.yaml:3:").hasMessageContaining("below min");
    }
}
