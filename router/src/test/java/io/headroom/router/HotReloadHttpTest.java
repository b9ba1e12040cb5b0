package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.control.PoolState;
import io.headroom.router.upstream.Backend;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * {@link Router#reload} over real loopback HTTP (issue 9, item 7): a reload under steady load that adds one backend
 * and removes another loses no request, the new backend takes traffic and the removed one drains; an unchanged pool
 * keeps its state object and its backends; a route added by a reload answers; a reload that cannot be put in service
 * changes nothing.
 */
@Timeout(120)
class HotReloadHttpTest {
    private static final int CLIENTS = 4;

    private static RouterConfig config(String yaml) {
        return RouterConfig.from(ConfigNode.parse("reload.yaml", yaml));
    }

    private static String yaml(String apiBackends, String extraPools, String extraRoutes, int stablePort) {
        return """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api:
                      backends: [%s]
                      balancer: {type: round-robin}
                      retry: {attempts: 2, budget-percent: 50, budget-min-per-second: 50}
                    stable:
                      backends: [127.0.0.1:%d]
                %s
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                    - {name: stable, path-prefix: /stable, pool: stable}
                %s
                """.formatted(apiBackends, stablePort, extraPools, extraRoutes);
    }

    @Test
    void reloadUnderLoadAddsAndRemovesBackendsWithoutAFailedRequest() throws Exception {
        try (TinyBackend a = new TinyBackend("A"); TinyBackend b = new TinyBackend("B"); TinyBackend c = new TinyBackend("C");
             TinyBackend s = new TinyBackend("S");
             Router router = Router.create(config(yaml(a.address() + ", " + b.address(), "", "", s.port())), "reload-test",
                     w -> { }, Clock.systemUTC())) {
            int port = router.start();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong ok = new AtomicLong();
            AtomicLong failed = new AtomicLong();
            ConcurrentLinkedQueue<String> samples = new ConcurrentLinkedQueue<>();
            List<Thread> clients = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                String path = i == 0 ? "/stable/x" : "/item";
                URI uri = URI.create("http://127.0.0.1:" + port + path);
                clients.add(Thread.ofVirtual().start(() -> {
                    while (running.get()) {
                        try {
                            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                                    HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() == 200) {
                                ok.incrementAndGet();
                            } else {
                                failed.incrementAndGet();
                                if (samples.size() < 10) {
                                    samples.add(r.statusCode() + " " + r.body());
                                }
                            }
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            return;
                        } catch (Exception e) {
                            failed.incrementAndGet();
                            if (samples.size() < 10) {
                                samples.add(e.toString());
                            }
                        }
                    }
                }));
            }
            try {
                await("traffic on A, B and S").atMost(Duration.ofSeconds(20))
                        .until(() -> a.requests.get() > 20 && b.requests.get() > 20 && s.requests.get() > 20);
                PoolState stableBefore = router.controlPlans().pool("stable");
                PoolState apiBefore = router.controlPlans().pool("api");
                Backend bBefore = apiBefore.backends().get(io.headroom.router.config.HostPort.parse(b.address()));
                int sConnectionsBefore = s.connections.get();

                Router.Reload r = router.reload(config(yaml(b.address() + ", " + c.address(), "", "", s.port())));
                int aAtReload = a.requests.get();

                assertThat(r.poolsChanged()).containsExactly("api");
                assertThat(r.poolsAdded()).isEmpty();
                assertThat(r.poolsRemoved()).isEmpty();
                assertThat(r.drained()).containsExactly(a.address());
                assertThat(r.needsRestart()).isEmpty();
                assertThat(router.controlPlans().pool("stable")).as("an unchanged pool keeps its state object").isSameAs(stableBefore);
                PoolState apiAfter = router.controlPlans().pool("api");
                assertThat(apiAfter).isNotSameAs(apiBefore);
                assertThat(apiAfter.backends().get(io.headroom.router.config.HostPort.parse(b.address())))
                        .as("B keeps its backend object: health, latency and keep-alive connections").isSameAs(bBefore);
                assertThat(router.pools().get("api").members()).extracting(m -> m.address())
                        .containsExactly(b.address(), c.address());

                int cBefore = c.requests.get();
                await("C takes traffic").atMost(Duration.ofSeconds(20)).until(() -> c.requests.get() > cBefore + 50);
                // A drains: requests that were in flight at the swap end; nothing new goes there
                int aDrained = a.requests.get();
                assertThat(aDrained - aAtReload).as("requests A got after the reload (in flight at the swap)").isLessThanOrEqualTo(CLIENTS);
                long okAfter = ok.get();
                await("more traffic after the reload").atMost(Duration.ofSeconds(20)).until(() -> ok.get() > okAfter + 200);
                assertThat(a.requests.get()).as("A gets nothing once drained").isEqualTo(aDrained);
                assertThat(s.connections.get()).as("the unchanged pool's keep-alive connections survive the reload")
                        .isEqualTo(sConnectionsBefore);

                // many swaps in a row, each replacing the api pool's state (its balancer changes), under the same load
                for (int i = 0; i < 20; i++) {
                    String balancer = i % 2 == 0 ? "least-request" : "round-robin";
                    router.reload(config(yaml(b.address() + ", " + c.address(), "", "", s.port())
                            .replace("balancer: {type: round-robin}", "balancer: {type: " + balancer + "}")));
                    Thread.sleep(50);
                }
                long okAfterSwaps = ok.get();
                await("traffic after 20 more reloads").atMost(Duration.ofSeconds(20)).until(() -> ok.get() > okAfterSwaps + 100);
            } finally {
                running.set(false);
                for (Thread t : clients) {
                    t.join(10_000);
                }
            }
            System.out.printf("reload under load: ok %d, failed %d; A %d, B %d, C %d, S %d%n", ok.get(), failed.get(),
                    a.requests.get(), b.requests.get(), c.requests.get(), s.requests.get());
            assertThat(failed.get()).as("failed requests across the reload (of %d); samples %s", ok.get() + failed.get(), samples).isZero();
            assertThat(router.reloads()).isEqualTo(21);
        }
    }

    @Test
    void routeAndPoolAddedByAReloadAnswerAndRemovedOnesStop() throws Exception {
        try (TinyBackend a = new TinyBackend("A"); TinyBackend d = new TinyBackend("D"); TinyBackend s = new TinyBackend("S");
             Router router = Router.create(config(yaml(a.address(), "", "", s.port())), "reload-test", w -> { }, Clock.systemUTC())) {
            int port = router.start();
            HttpClient http = HttpClient.newHttpClient();
            // before: /v2 falls to the catch-all api route
            assertThat(get(http, port, "/v2/x").body()).isEqualTo("A");

            Router.Reload r = router.reload(config(yaml(a.address(),
                    "    v2: {backends: [" + d.address() + "]}",
                    "    - {name: v2, path-prefix: /v2, pool: v2}", s.port())));
            assertThat(r.poolsAdded()).containsExactly("v2");
            assertThat(r.routesAdded()).containsExactly("v2");
            HttpResponse<String> v2 = get(http, port, "/v2/x");
            assertThat(v2.statusCode()).isEqualTo(200);
            assertThat(v2.body()).isEqualTo("D");
            assertThat(get(http, port, "/other").body()).isEqualTo("A");
            assertThat(router.routes()).extracting(io.headroom.router.proxy.Route::name).contains("v2");

            // and back: the pool and route go away, /v2 falls to the catch-all again, D drains
            Router.Reload back = router.reload(config(yaml(a.address(), "", "", s.port())));
            assertThat(back.poolsRemoved()).containsExactly("v2");
            assertThat(back.routesRemoved()).containsExactly("v2");
            assertThat(back.drained()).containsExactly(d.address());
            assertThat(get(http, port, "/v2/x").body()).isEqualTo("A");
            assertThat(router.pools()).doesNotContainKey("v2");
            assertThat(router.reloads()).isEqualTo(2);
        }
    }

    @Test
    void startOnlySettingsAreReportedAndKept() throws Exception {
        try (TinyBackend a = new TinyBackend("A"); TinyBackend s = new TinyBackend("S");
             Router router = Router.create(config(yaml(a.address(), "", "", s.port())), "reload-test", w -> { }, Clock.systemUTC())) {
            int port = router.start();
            String changed = yaml(a.address(), "", "", s.port()).replace("listen: 127.0.0.1:0", "listen: 127.0.0.1:1")
                    .replace("router:\n", "router:\n  max-request-body: 1KB\n");
            Router.Reload r = router.reload(config(changed));
            assertThat(r.needsRestart()).hasSize(2).contains("listen");
            assertThat(router.config().listen().port()).as("listen as at start").isZero();
            assertThat(router.port()).isEqualTo(port);
            assertThat(get(HttpClient.newHttpClient(), port, "/x").statusCode()).isEqualTo(200);
        }
    }

    @Test
    void turningTheLaneOffIsReportedAsNeedingARestartAndTheLaneKeepsServing() throws Exception {
        try (TinyBackend a = new TinyBackend("A"); TinyBackend s = new TinyBackend("S");
             Router router = Router.create(config(yaml(a.address(), "", "", s.port())), "reload-test", w -> { }, Clock.systemUTC())) {
            int port = router.start();
            Router.Reload r = router.reload(config(yaml(a.address(), "", "", s.port()).replace("router:\n", "router:\n  lane: false\n")));
            assertThat(r.needsRestart()).hasSize(1).first().asString().endsWith("/lane");
            assertThat(router.lane()).as("the lane as at start").isNotNull();
            long before = router.lane().served();
            assertThat(get(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build(), port, "/x").statusCode()).isEqualTo(200);
            assertThat(router.lane().served()).isEqualTo(before + 1);
        }
    }

    private static HttpResponse<String> get(HttpClient http, int port, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
