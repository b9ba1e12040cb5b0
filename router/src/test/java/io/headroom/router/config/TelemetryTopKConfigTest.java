package io.headroom.router.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code rate-limits.telemetry-top-k}: how many consumers each telemetry window names. */
class TelemetryTopKConfigTest {
    private static RouterConfig parse(String rateLimits) {
        return RouterConfig.from(ConfigNode.parse("r.yaml", """
                router:
                  pools: {api: {backends: [127.0.0.1:9001]}}
                  routes: [{name: api, path-prefix: /, pool: api}]
                %s
                """.formatted(rateLimits)));
    }

    @Test
    void defaultsTo64AndParsesWithinItsRange() {
        assertThat(parse("").rateLimits().telemetryTopK()).isEqualTo(RateLimitConfig.DEFAULT_TELEMETRY_TOP_K).isEqualTo(64);
        assertThat(parse("  rate-limits: {consumer: 10/s}").rateLimits().telemetryTopK()).isEqualTo(64);
        assertThat(parse("  rate-limits: {consumer: 10/s, telemetry-top-k: 8}").rateLimits().telemetryTopK()).isEqualTo(8);
    }

    @Test
    void outOfRangeIsRejectedAtItsLine() {
        assertThatThrownBy(() -> parse("  rate-limits: {telemetry-top-k: 0}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("r.yaml:4").hasMessageContaining("telemetry-top-k");
        assertThatThrownBy(() -> parse("  rate-limits: {telemetry-top-k: 5000}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("telemetry-top-k");
    }
}
