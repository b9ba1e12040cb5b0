package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.analytics.UsageAnalytics;
import io.headroom.router.auth.ApiKeyStore;
import io.headroom.router.auth.MutableClock;
import io.headroom.router.config.RouterConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Usage analytics fed by real requests through the router, read back as the admin API would. */
@Timeout(60)
class UsageHttpTest {
    @Test
    void requestsAreCountedPerConsumerAndRouteInTheQuotaTimeZone() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-03-31T22:30:00Z").toEpochMilli()); // April 1st, 00:30 in Berlin
        try (TinyBackend backend = new TinyBackend("backend-1")) {
            String yaml = """
                    router:
                      listen: 127.0.0.1:0
                      pools:
                        api: {backends: [%s]}
                      auth:
                        api-keys: {keys: [{consumer: alice, sha256: %s}]}
                      rate-limits:
                        quotas: {time-zone: Europe/Berlin}
                      routes:
                        - {name: orders, path-prefix: /orders, pool: api, auth: {methods: [api-key]}}
                        - {name: open, path-prefix: /open, pool: api}
                    """.formatted(backend.address(), ApiKeyStore.hashHex("alice-key"));
            Router router = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "u-1", w -> { }, clock);
            int port = router.start();
            try {
                HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
                for (String[] r : new String[][]{{"/orders/who", "alice-key"}, {"/orders/who", "alice-key"}, {"/orders/who", "wrong"},
                        {"/open/who", null}, {"/open/missing", null}, {"/nowhere", null}}) {
                    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + r[0])).timeout(Duration.ofSeconds(10));
                    if (r[1] != null) {
                        b.header("X-Api-Key", r[1]);
                    }
                    http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
                }
                UsageAnalytics u = router.usage();
                await().atMost(Duration.ofSeconds(20)).until(() -> u.today().total().requests() == 5); // the 404 has no route
                UsageAnalytics.Report day = u.day(LocalDate.parse("2026-04-01"));
                UsageAnalytics.Usage alice = day.byConsumer().get("alice");
                assertThat(alice.requests()).isEqualTo(2);
                assertThat(alice.bytesOut()).isEqualTo(2L * "backend-1".length());
                assertThat(alice.clientErrors()).isZero();
                UsageAnalytics.Usage anonymous = day.byConsumer().get("anonymous");
                assertThat(anonymous.requests()).isEqualTo(3);
                assertThat(anonymous.clientErrors()).isEqualTo(2); // the refused key and the backend's 404
                assertThat(day.byRoute().get("orders").requests()).isEqualTo(3);
                assertThat(day.byRoute().get("open").requests()).isEqualTo(2);
                assertThat(day.total().maxMillis()).isGreaterThan(0);
                assertThat(u.month(YearMonth.parse("2026-04")).total().requests()).isEqualTo(5);
                assertThat(u.month(YearMonth.parse("2026-03")).total().requests()).isZero(); // March still, in UTC
            } finally {
                router.stop();
            }
        }
    }
}
