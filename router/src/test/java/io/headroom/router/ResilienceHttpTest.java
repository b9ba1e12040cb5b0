package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.config.ConfigException;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.control.MemberStatus;
import io.headroom.router.health.HealthChecker;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Retries, ejection, hash stickiness and health checks over real sockets on 127.0.0.1. */
@Timeout(60)
class ResilienceHttpTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Router router(String pools) {
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                %s
                  routes: [{name: api, path-prefix: /, pool: api}]
                """.formatted(pools.indent(4).stripTrailing());
        Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "t", TelemetrySink.DISCARD, Clock.systemUTC());
        r.start();
        return r;
    }

    @Test
    void killingOneOfTwoBackendsUnderLoadFailsNoRequestAndEjectsIt() throws Exception {
        try (TinyBackend b1 = new TinyBackend("b1"); TinyBackend b2 = new TinyBackend("b2");
             Router r = router("api: {backends: [%s, %s], balancer: {type: round-robin}}".formatted(b1.address(), b2.address()))) {
            URI uri = URI.create("http://127.0.0.1:" + r.port() + "/who");
            AtomicInteger sent = new AtomicInteger();
            ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
            int perWorker = 100;
            List<Thread> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                workers.add(Thread.ofVirtual().start(() -> {
                    for (int i = 0; i < perWorker; i++) {
                        sent.incrementAndGet();
                        try {
                            HttpResponse<String> res = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (res.statusCode() != 200) {
                                failures.add(res.statusCode() + " " + res.body());
                            }
                        } catch (Exception e) {
                            failures.add(e.toString());
                        }
                    }
                }));
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> sent.get() >= 100);
            b2.close();
            for (Thread t : workers) {
                t.join(Duration.ofSeconds(40));
            }
            assertThat(sent.get()).isEqualTo(400);
            assertThat(failures).isEmpty();
            MemberStatus dead = r.memberStates("api").stream().filter(m -> m.address().equals(b2.address())).findFirst().orElseThrow();
            assertThat(dead.ejected()).isTrue();
            assertThat(dead.available()).isFalse();
            assertThat(dead.lastError()).contains("connect failed");
            assertThat(r.pools().get("api").balancer().members()).extracting(Object::toString).containsExactly(b1.address());
        }
    }

    @Test
    void maglevOnAHeaderKeepsAUserOnOneBackend() throws Exception {
        try (TinyBackend b1 = new TinyBackend("b1"); TinyBackend b2 = new TinyBackend("b2"); TinyBackend b3 = new TinyBackend("b3");
             Router r = router("api: {backends: [%s, %s, %s], balancer: {type: maglev, hash-on: header:X-User}}"
                     .formatted(b1.address(), b2.address(), b3.address()))) {
            URI uri = URI.create("http://127.0.0.1:" + r.port() + "/who");
            List<String> seen = new ArrayList<>();
            for (int u = 0; u < 12; u++) {
                String first = null;
                for (int i = 0; i < 3; i++) {
                    String who = http.send(HttpRequest.newBuilder(uri).header("X-User", "user-" + u).build(),
                            HttpResponse.BodyHandlers.ofString()).body();
                    if (first == null) {
                        first = who;
                        seen.add(who);
                    }
                    assertThat(who).isEqualTo(first);
                }
            }
            assertThat(seen).hasSizeGreaterThan(1).containsAnyOf("b1", "b2", "b3");
            assertThat(seen.stream().distinct().count()).isGreaterThan(1);
        }
    }

    @Test
    void activeHealthChecksFollowTheThresholds() throws Exception {
        try (TinyBackend b1 = new TinyBackend("b1"); TinyBackend b2 = new TinyBackend("b2");
             Router r = router("api: {backends: [%s, %s], health: {path: /missing, interval: 1h, healthy-threshold: 2, unhealthy-threshold: 2, timeout: 1s}}"
                     .formatted(b1.address(), b2.address()))) {
            var pool = r.controlPlans().pool("api");
            // /missing answers 404: two failed rounds take both out (and then panic mode keeps serving both)
            HealthChecker failing = new HealthChecker("api", pool, pool.config().health(), r.controlPlans(), 1);
            assertThat(failing.checkOnce()).isZero();
            assertThat(r.memberStates("api")).allMatch(MemberStatus::healthy);
            assertThat(failing.checkOnce()).isEqualTo(2);
            assertThat(r.memberStates("api")).noneMatch(MemberStatus::healthy);
            assertThat(r.memberStates("api").get(0).lastError()).contains("404");
            // a passing path: back after two passes
            var passing = new io.headroom.router.config.HealthConfig("/who", Duration.ofHours(1), 10, 2, 2, Duration.ofSeconds(1));
            HealthChecker ok = new HealthChecker("api", pool, passing, r.controlPlans(), 1);
            b2.close();
            assertThat(ok.checkOnce()).isZero();
            assertThat(ok.checkOnce()).isEqualTo(1);
            assertThat(r.memberStates("api").get(0).healthy()).isTrue();
            assertThat(r.memberStates("api").get(1).healthy()).isFalse();
            assertThat(r.pools().get("api").balancer().members()).extracting(Object::toString).containsExactly(b1.address());
        }
    }

    @Test
    void theDocumentedExampleParses() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/router.md"));
        int from = doc.indexOf("```yaml\n") + 8;
        String yaml = doc.substring(from, doc.indexOf("```", from));
        RouterConfig cfg = RouterConfig.from(ConfigNode.parse("router.md", yaml));
        var api = cfg.pools().get("api");
        assertThat(api.balancer().type().yamlName()).isEqualTo("peak-ewma");
        assertThat(api.slowStart()).isEqualTo(Duration.ofSeconds(30));
        assertThat(api.health().jitterPercent()).isEqualTo(10);
        assertThat(api.health().unhealthyThreshold()).isEqualTo(3);
        assertThat(api.outlier().maxEjectionPercent()).isEqualTo(50);
        assertThat(api.resilience().budgetPercent()).isEqualTo(20);
        assertThat(api.resilience().openFor()).isEqualTo(Duration.ofSeconds(10));
        assertThat(cfg.pools().get("sticky").balancer().hashOn().toString()).isEqualTo("cookie:sid");
        assertThat(api.firstByteTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(api.concurrencyLimit().enabled()).isTrue();
        assertThat(api.concurrencyLimit().minLimit()).isEqualTo(4);
        assertThat(cfg.pools().get("sticky").affinityCookie().attributes()).isEqualTo("; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
    }

    @Test
    void configErrorsNameTheLine() {
        String base = """
                router:
                  pools:
                    api:
                      backends: [127.0.0.1:9001]
                      balancer: %s
                  routes: [{name: api, path-prefix: /, pool: api}]
                """;
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted("{type: fastest}"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:5").hasMessageContaining("peak-ewma");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted("{type: maglev}"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:5").hasMessageContaining("hash-on");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted("{type: ring-hash, hash-on: body}"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:5").hasMessageContaining("client-ip");
        String slow = base.replace("      balancer: %s", "      balancer: {type: maglev, hash-on: client-ip}\n      slow-start: 10s");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", slow)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:6").hasMessageContaining("slow-start");
        String jitter = base.replace("      balancer: %s", "      health: {jitter: lots}");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", jitter)))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:5").hasMessageContaining("10%");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted("{type: random, hash-on: client-ip}"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ring-hash");
        var ok = RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted("{type: ring-hash, hash-on: cookie:sid}")));
        assertThat(ok.pools().get("api").balancer().hashOn().toString()).isEqualTo("cookie:sid");
        assertThat(RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted("{type: round-robin}"))).pools().get("api")
                .balancer().type().yamlName()).isEqualTo("round-robin");
    }
}
