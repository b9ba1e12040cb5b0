package io.headroom.router;

import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.proxy.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Rewrite, versioning, split and mirroring over real HTTP on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RoutingHttpTest {
    private TinyBackend stable;
    private TinyBackend canary;
    private TinyBackend shadow;
    private LoopbackRouter running;

    @BeforeAll
    void start() throws Exception {
        stable = new TinyBackend("stable");
        canary = new TinyBackend("canary");
        shadow = new TinyBackend("shadow");
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    stable: {backends: [%s]}
                    canary: {backends: [%s]}
                    shadow: {backends: [%s]}
                  routes:
                    - {name: split, path-prefix: /split, split: [{pool: stable, weight: 3}, {pool: canary, weight: 1}]}
                    - {name: users, path: "/api/users/{id}", rewrite: {path: "/headers/{id}"}, pool: stable}
                    - {name: v2, path-prefix: /headers, version: {path: /v2}, pool: canary}
                    - {name: mirrored, path-prefix: /m, rewrite: {strip-prefix: true}, pool: stable,
                       mirror: {pool: shadow, percent: 100, max-in-flight: 4}}
                """.formatted(stable.address(), canary.address(), shadow.address());
        running = LoopbackRouter.start("rt-1", yaml);
    }

    @AfterAll
    void stop() throws Exception {
        running.close();
        stable.close();
        canary.close();
        shadow.close();
    }

    @Test
    void templateRewriteAndVersionPrefixReachTheBackend() throws Exception {
        HttpResponse<String> r = running.get("/api/users/42?x=1");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /headers/42?x=1 HTTP/1.1");
        HttpResponse<String> v2 = running.get("/v2/headers/a");
        assertThat(v2.body()).startsWith("GET /headers/a HTTP/1.1");
        assertThat(canary.requests.get()).isPositive();
        assertThat(running.get("/nothing/here").statusCode()).isEqualTo(404);
    }

    @Test
    void splitSendsTrafficToBothPoolsWithTelemetryPerPool() throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            counts.merge(running.get("/split/who").body(), 1, Integer::sum);
        }
        assertThat(counts.keySet()).containsExactlyInAnyOrder("stable", "canary");
        assertThat(counts.get("canary")).isBetween(25, 80); // 1 in 4 of 200 = 50, with a seeded but unknown draw
        // A request is counted just after its response went out, so close windows until the last ones are in.
        long base = System.currentTimeMillis() + 2000;
        java.util.concurrent.atomic.AtomicInteger k = new java.util.concurrent.atomic.AtomicInteger();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            running.router().telemetry().closeWindow(base + 1000L * k.incrementAndGet()); // windows also go to the sink
            long stableReq = 0;
            long canaryReq = 0;
            for (TelemetryWindow w : List.copyOf(running.windows())) {
                if (w.route().equals("split")) {
                    long n = w.backends().stream().mapToLong(b -> b.requests()).sum();
                    if (w.pool().equals("stable")) {
                        stableReq += n;
                    } else if (w.pool().equals("canary")) {
                        canaryReq += n;
                    }
                }
            }
            assertThat(stableReq).isEqualTo((long) counts.get("stable"));
            assertThat(canaryReq).isEqualTo((long) counts.get("canary"));
        });
    }

    @Test
    void mirrorCopiesWithoutAffectingThePrimary() throws Exception {
        int before = shadow.requests.get();
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = running.get("/m/headers", "X-Trace", "t" + i);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).startsWith("GET /headers HTTP/1.1").contains("X-Trace: t" + i);
        }
        Route m = running.router().routes().stream().filter(r -> r.name().equals("mirrored")).findFirst().orElseThrow();
        await().atMost(Duration.ofSeconds(10)).until(() -> m.mirror().sent() + m.mirror().dropped() + m.mirror().failed() == 5);
        assertThat(m.mirror().failed()).isZero();
        assertThat(shadow.requests.get() - before).isEqualTo((int) m.mirror().sent());
        // /slow holds each copy for 3 s: with max-in-flight 4, the fifth and later copies are dropped and the
        // primary answers at once anyway.
        HttpResponse<String> fast = null;
        for (int i = 0; i < 6; i++) {
            fast = running.get("/m/who");
            assertThat(fast.statusCode()).isEqualTo(200);
        }
        assertThat(fast.body()).isEqualTo("stable");
    }
}
