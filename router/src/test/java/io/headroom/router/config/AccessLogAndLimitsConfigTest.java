package io.headroom.router.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.log.AccessLogConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AccessLogAndLimitsConfigTest {
    private static RouterConfig parse(String extra) {
        return RouterConfig.from(ConfigNode.parse("headroom.yaml", """
                router:
                  pools:
                    api: {backends: [127.0.0.1:9001]}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """ + extra));
    }

    @Test
    void defaultsAreOffAndSafe() {
        RouterConfig c = parse("");
        assertThat(c.accessLog().enabled()).isFalse();
        assertThat(c.limits()).isEqualTo(HttpLimits.DEFAULT);
    }

    @Test
    void readsAccessLogAndLimits() {
        RouterConfig c = parse("""
                  access-log: {enabled: true, fields: [trace_id, status], file: /tmp/a.log, queue: 16}
                  max-request-body: 2MB
                  max-header-size: 8KB
                  max-request-line: 1024
                  client-idle-timeout: 5s
                  header-read-timeout: 2s
                """);
        assertThat(c.accessLog()).isEqualTo(new AccessLogConfig(true, List.of(AccessLogConfig.Field.TRACE_ID,
                AccessLogConfig.Field.STATUS), Path.of("/tmp/a.log"), 16));
        assertThat(c.limits()).isEqualTo(new HttpLimits(2 << 20, 8192, 1024, Duration.ofSeconds(5), Duration.ofSeconds(2)));
        assertThat(parse("  access-log: {enabled: true}\n").accessLog().file()).isNull(); // stdout
        assertThat(parse("  max-request-body: unlimited\n").limits().maxRequestBody()).isEqualTo(-1);
    }

    @Test
    void theLaneIsOnUnlessTurnedOff() {
        assertThat(parse("").limits().lane()).isTrue();
        assertThat(parse("").limits().laneOn()).isTrue();
        HttpLimits off = parse("  lane: false\n").limits();
        assertThat(off.lane()).isFalse();
        assertThat(off.laneOn()).isFalse();
        assertThatThrownBy(() -> parse("  lane: sometimes\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:6:");
    }

    @Test
    void errorsSayWhereAndWhatToDo() {
        assertThatThrownBy(() -> parse("  access-log: {enabled: true, fields: [status, colour]}\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:6:")
                .hasMessageContaining("colour").hasMessageContaining("trace_id");
        // A block list: the error names the line of the unknown item itself.
        assertThatThrownBy(() -> parse("  access-log:\n    enabled: true\n    fields:\n      - time\n      - status\n      - user_agnet\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:11:")
                .hasMessageContaining("router.access-log.fields[2]").hasMessageContaining("unknown access-log field 'user_agnet'");
        assertThatThrownBy(() -> parse("  access-log:\n    fields:\n      - status\n      - status\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:9:").hasMessageContaining("listed twice");
        assertThatThrownBy(() -> parse("  max-request-body: lots\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:6:").hasMessageContaining("10MB");
        assertThatThrownBy(() -> parse("  max-header-size: 10\n"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("out of range");
    }
}
