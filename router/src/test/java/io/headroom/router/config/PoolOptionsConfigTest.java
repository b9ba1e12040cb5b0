package io.headroom.router.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pool options read by {@link PoolOptionsParser}: defaults, values and errors at file:line. */
class PoolOptionsConfigTest {
    private static final String BASE = """
            router:
              pools:
                api:
                  backends: [127.0.0.1:9001]
                  %s
              routes: [{name: api, path-prefix: /, pool: api}]
            """;

    private static PoolConfig pool(String option) {
        return RouterConfig.from(ConfigNode.parse("t.yaml", BASE.formatted(option))).pools().get("api");
    }

    private static void fails(String option, int line, String... fragments) {
        var t = assertThatThrownBy(() -> pool(option)).isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:" + line);
        for (String f : fragments) {
            t.hasMessageContaining(f);
        }
    }

    @Test
    void concurrencyLimitIsOffByDefaultAndReadWithItsDefaults() {
        assertThat(pool("slow-start: 0s").concurrencyLimit()).isEqualTo(ConcurrencyLimitConfig.OFF);
        assertThat(ConcurrencyLimitConfig.OFF.enabled()).isFalse();
        ConcurrencyLimitConfig c = pool("concurrency-limit: {}").concurrencyLimit();
        assertThat(c.enabled()).isTrue();
        assertThat(c).isEqualTo(new ConcurrencyLimitConfig(true, 20, 4, 200, 0.2, 1.5, 4, 600, Duration.ofMillis(100), 10));
        ConcurrencyLimitConfig d = pool("concurrency-limit: {initial-limit: 8, min-limit: 2, max-limit: 64, smoothing: 0.5, "
                + "tolerance: 2, queue-size: 1, long-window: 100, update-interval: 1s, min-samples: 5}").concurrencyLimit();
        assertThat(d).isEqualTo(new ConcurrencyLimitConfig(true, 8, 2, 64, 0.5, 2.0, 1, 100, Duration.ofSeconds(1), 5));
        assertThat(pool("concurrency-limit: {enabled: false}").concurrencyLimit().enabled()).isFalse();
        // a small max pulls the default initial limit down with it
        assertThat(pool("concurrency-limit: {max-limit: 10}").concurrencyLimit().initialLimit()).isEqualTo(10);
    }

    @Test
    void concurrencyLimitErrorsNameTheLineAndTheFix() {
        fails("concurrency-limit: {min-limit: 10, max-limit: 5}", 5, "max-limit 5 is below min-limit 10");
        fails("concurrency-limit: {initial-limit: 500}", 5, "initial-limit 500 is outside");
        fails("concurrency-limit: {smoothing: 0}", 5, "smoothing");
        fails("concurrency-limit: {tolerance: 0.5}", 5, "tolerance");
        fails("concurrency-limit: {limit: 5}", 5, "limit");
        fails("concurrency-limit: {update-interval: soon}", 5, "update-interval");
    }

    @Test
    void firstByteTimeoutIsOffByDefault() {
        assertThat(pool("slow-start: 0s").firstByteTimeout()).isZero();
        assertThat(pool("first-byte-timeout: 2s").firstByteTimeout()).isEqualTo(Duration.ofSeconds(2));
        fails("first-byte-timeout: later", 5, "first-byte-timeout");
    }

    @Test
    void hotColdTakesChoicesAndAQuantileAndOnlyItDoes() {
        BalancerConfig d = pool("balancer: {type: hot-cold}").balancer();
        assertThat(d.type()).isEqualTo(BalancerConfig.Type.HOT_COLD);
        assertThat(d.choices()).isEqualTo(3);
        assertThat(d.hotQuantile()).isEqualTo(0.75);
        assertThat(d.tracksLatency()).isTrue();
        BalancerConfig c = pool("balancer: {type: hot-cold, choices: 4, hot-quantile: 0.9, decay: 2s}").balancer();
        assertThat(c).isEqualTo(new BalancerConfig(BalancerConfig.Type.HOT_COLD, null, Duration.ofSeconds(2), 4, 0.9));
        fails("balancer: {type: least-request, choices: 3}", 5, "choices applies only to hot-cold");
        fails("balancer: {type: hot-cold, hot-quantile: 2}", 5, "hot-quantile");
        fails("balancer: {type: hot-cold, choices: 0}", 5, "choices");
    }

    @Test
    void affinityCookieNeedsACookieHashAndWritesItsAttributesOnce() {
        String hashing = "balancer: {type: maglev, hash-on: cookie:sid}\n      ";
        assertThat(pool(hashing + "slow-start: 0s").affinityCookie()).isNull();
        AffinityCookieConfig a = pool(hashing + "affinity-cookie: {}").affinityCookie();
        assertThat(a).isEqualTo(new AffinityCookieConfig("sid", Duration.ofHours(1), "/", true, "Lax", false));
        assertThat(a.attributes()).isEqualTo("; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
        AffinityCookieConfig b = pool(hashing + "affinity-cookie: {name: sid, ttl: 0s, path: /app, http-only: false, same-site: none, "
                + "secure: true}").affinityCookie();
        assertThat(b.attributes()).isEqualTo("; Path=/app; SameSite=None; Secure");
        fails("affinity-cookie: {name: sid}", 5, "needs a balancer that hashes on the cookie", "hash-on: cookie:sid");
        fails(hashing + "affinity-cookie: {name: other}", 6, "is not the cookie the balancer hashes on");
        fails(hashing + "affinity-cookie: {same-site: none}", 6, "needs secure");
        fails(hashing + "affinity-cookie: {same-site: loose}", 6, "strict, lax or none");
        fails(hashing + "affinity-cookie: {path: app}", 6, "starting with /");
        fails(hashing + "affinity-cookie: {domain: x}", 6, "domain");
    }
}
