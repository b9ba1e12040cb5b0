package io.headroom.router;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.QuotaLease;
import io.headroom.router.control.ControlPlanStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** 429s and limit headers over real HTTP, and quota leases arriving through a control plan. Rates are per hour, so no
 * admission can come back during the test. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RateLimitHttpTest {
    private KeyedRouter gateway;

    @BeforeAll
    void start() throws Exception {
        gateway = KeyedRouter.start("rl-1", """
                  rate-limits:
                    consumer: {rate: 1/h, burst: 1}
                  routes:
                    - {name: limited, path-prefix: /limited, pool: api, rate-limits: {route: {rate: 2/h, burst: 2}}}
                    - {name: keyed, path-prefix: /keyed, pool: api, auth: {methods: [api-key]}}
                """, Clock.systemUTC());
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return gateway.get(path, headers);
    }

    @Test
    void routeLimitAnswers429WithHeaders() throws Exception {
        // anonymous requests share the consumer "anonymous": its 1/h burst 1 is the tightest limit
        HttpResponse<String> ok = get("/limited/who");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.headers().firstValue("ratelimit")).hasValue("\"consumer\";r=0;t=3600");
        assertThat(ok.headers().firstValue("ratelimit-policy")).hasValue("\"consumer\";q=1;w=3600, \"route\";q=2;w=3600");
        HttpResponse<String> no = get("/limited/who");
        assertThat(no.statusCode()).isEqualTo(429);
        assertThat(no.headers().firstValue("retry-after")).hasValue("3600");
        assertThat(no.headers().firstValue("ratelimit")).hasValue("\"consumer\";r=0;t=3600");
        assertThat(no.body()).contains("rate_limited");
    }

    @Test
    void leaseFromTheControlPlanReplacesTheStaticRate() throws Exception {
        assertThat(get("/keyed/who", "X-Api-Key", "bob-key").statusCode()).isEqualTo(200);
        assertThat(get("/keyed/who", "X-Api-Key", "bob-key").statusCode()).isEqualTo(429);
        long now = System.currentTimeMillis();
        ControlPlanStore store = gateway.router().controlPlans();
        assertThat(store.apply(new ControlPlan("route:keyed", ControlPlan.SOURCE_PREDICTOR, 1, now, now + 60_000, Map.of(),
                List.of(new QuotaLease("alice", "rl-1", 1 / 3600.0, 3), new QuotaLease("bob", "other-instance", 100, 100)),
                List.of(), "test"))).isEqualTo(ControlPlanStore.Outcome.UNKNOWN_SCOPE); // kept, though not a pool
        for (int i = 0; i < 3; i++) {
            assertThat(get("/keyed/who", "X-Api-Key", "alice-key").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> no = get("/keyed/who", "X-Api-Key", "alice-key");
        assertThat(no.statusCode()).isEqualTo(429);
        assertThat(no.headers().firstValue("ratelimit-policy")).hasValue("\"consumer\";q=3;w=10800");
        assertThat(get("/keyed/who", "X-Api-Key", "bob-key").statusCode()).isEqualTo(429); // another instance's lease
    }
}
