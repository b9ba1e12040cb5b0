package io.headroom.router.log;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class AccessLogTest {
    @Test
    void escapesJsonStrings() {
        StringBuilder sb = new StringBuilder();
        AccessLog.string(sb, "a\"b\\c\nd\re\tf\u0001g\u2028h\uD800i\uD83D\uDE00é");
        assertThat(sb).hasToString("\"a\\\"b\\\\c\\nd\\re\\tf\\u0001g\\u2028h\\ud800i\uD83D\uDE00é\"");
    }

    @Test
    void formatsTheConfiguredFieldsInOrder() {
        AccessLog.Entry e = new AccessLog.Entry();
        e.timeMillis = 0;
        e.status = 204;
        e.durationNanos = 1_234_567;
        e.consumer = "alice";
        StringBuilder sb = new StringBuilder();
        AccessLog.format(e, new AccessLogConfig.Field[]{AccessLogConfig.Field.TIME, AccessLogConfig.Field.STATUS,
                AccessLogConfig.Field.DURATION_MS, AccessLogConfig.Field.CONSUMER, AccessLogConfig.Field.ROUTE}, sb);
        assertThat(sb).hasToString("{\"time\":\"1970-01-01T00:00:00Z\",\"status\":204,\"duration_ms\":1.235,"
                + "\"consumer\":\"alice\",\"route\":null}");
    }

    @Test
    void aFullQueueDropsAndCountsInsteadOfBlocking() throws Exception {
        Path file = Files.createTempDirectory("headroom-log").resolve("a.log");
        AccessLog log = AccessLog.open(new AccessLogConfig(true, List.of(AccessLogConfig.Field.STATUS), file, 4));
        // offer far more than the queue holds in a tight loop: some are dropped, none blocks, and every entry is
        // either written or counted as dropped
        int n = 20_000;
        for (int i = 0; i < n; i++) {
            AccessLog.Entry e = new AccessLog.Entry();
            e.status = 200;
            log.log(e);
        }
        log.close();
        assertThat(log.dropped()).isPositive();
        assertThat(log.written() + log.dropped()).isEqualTo(n);
        assertThat(Files.readAllLines(file)).hasSize((int) log.written()).allMatch("{\"status\":200}"::equals);
    }
}
