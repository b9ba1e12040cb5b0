package io.headroom.router;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.auth.MutableClock;
import io.headroom.router.config.QuotaPeriod;
import io.headroom.router.config.RouterConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Long-period quotas over real HTTP, on a router whose wall clock the test sets (Berlin's 23-hour day). */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class QuotaHttpTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-28T23:30:00Z").toEpochMilli());
    private KeyedRouter gateway;

    @BeforeAll
    void start() throws Exception {
        gateway = KeyedRouter.start("q-1", """
                  rate-limits:
                    quotas:
                      time-zone: Europe/Berlin
                      consumer: {day: 2}
                      consumers:
                        bob: {month: 100}
                  routes:
                    - name: orders
                      path-prefix: /orders
                      pool: api
                      auth: {methods: [api-key]}
                      rate-limits:
                        quotas: {route: {hour: 1000}}
                """, clock);
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    private HttpResponse<String> get(String path, String key) throws Exception {
        return gateway.get(path, "X-Api-Key", key);
    }

    @Test
    void aConsumerOverItsDailyQuotaGets429UntilLocalMidnight() throws Exception {
        HttpResponse<String> first = get("/orders/who", "alice-key");
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("ratelimit")).hasValue("\"consumer-day\";r=1;t=81000");
        assertThat(first.headers().firstValue("ratelimit-policy")).hasValue("\"consumer-day\";q=2;w=82800, \"route-hour\";q=1000;w=3600");
        assertThat(get("/orders/who", "alice-key").statusCode()).isEqualTo(200);
        HttpResponse<String> no = get("/orders/who", "alice-key");
        assertThat(no.statusCode()).isEqualTo(429);
        assertThat(no.headers().firstValue("retry-after")).hasValue("81000");
        assertThat(no.headers().firstValue("ratelimit")).hasValue("\"consumer-day\";r=0;t=81000");
        assertThat(no.body()).contains("rate_limited").contains("consumer-day");
        // bob's own quota replaces the default
        HttpResponse<String> bob = get("/orders/who", "bob-key");
        assertThat(bob.statusCode()).isEqualTo(200);
        assertThat(bob.headers().firstValue("ratelimit-policy")).hasValue("\"consumer-month\";q=100;w=2674800, \"route-hour\";q=1000;w=3600");
        clock.set(Instant.parse("2026-03-29T22:00:00Z").toEpochMilli()); // midnight in Berlin
        assertThat(get("/orders/who", "alice-key").statusCode()).isEqualTo(200);
    }

    @Test
    void badQuotaConfigIsRejectedAtItsLine() {
        String head = """
                router:
                  pools:
                    a: {backends: [127.0.0.1:9001]}
                  routes:
                    - {name: a, path-prefix: /, pool: a, rate-limits: {quotas: %s}}
                  rate-limits:
                    quotas:
                """;
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", head.formatted("{route: {day: 5}}") + "      time-zone: Mars/Olympus\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bad.yaml:8:").hasMessageContaining("not a time zone");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", head.formatted("{route: {week: 5}}") + "      consumer: {day: 1}\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bad.yaml:5:").hasMessageContaining("unknown key 'week'");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", head.formatted("{route: {day: 5}}") + "      consumer: {day: 0}\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bad.yaml:8:").hasMessageContaining("out of range");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", head.formatted("{}") + "      consumer: {day: 1}\n")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("bad.yaml:5:").hasMessageContaining("names no quota");
        RouterConfig ok = RouterConfig.from(ConfigNode.parse("ok.yaml", head.formatted("{consumer: {minute: 60, month: 10000}}")
                + "      time-zone: America/New_York\n      consumer: {hour: 5}\n"));
        assertThat(ok.rateLimits().quotas().zone()).isEqualTo(ZoneId.of("America/New_York"));
        assertThat(ok.routes().get(0).limits().consumerQuotas()).isEqualTo(Map.of(QuotaPeriod.MINUTE, 60L, QuotaPeriod.MONTH, 10000L));
    }
}
