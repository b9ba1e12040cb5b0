package io.headroom.cli.admin;

import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import io.headroom.router.auth.ApiKeyStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The router's balancer, limiter, cache and consumer meters on {@code /metrics}, and the {@code "traffic"} section of
 * {@code /api/state}, read back from a real router on loopback after traffic that gets cached, limited (429), shed
 * (503) and a member ejected.
 */
@Timeout(120)
class RouterMetricsTest {

    @TempDir
    Path tmp;

    @Test
    void ejectionsLimitsSheddingCacheAndConsumersAreExposed() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch slowArrived = new CountDownLatch(1);
        HttpServer good = server(ex -> {
            ex.getResponseHeaders().set("Cache-Control", "max-age=300");
            reply(ex, 200, "hi");
        });
        HttpServer bad = server(ex -> reply(ex, 500, "broken"));
        HttpServer slow = server(ex -> {
            slowArrived.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reply(ex, 200, "slow");
        });
        // an RFC 7662 introspection endpoint that finds every token active (client "mobile")
        long exp = System.currentTimeMillis() / 1000 + 3600;
        HttpServer idp = server(ex -> {
            ex.getRequestBody().readAllBytes();
            ex.getResponseHeaders().set("Content-Type", "application/json");
            reply(ex, 200, "{\"active\":true,\"client_id\":\"mobile\",\"scope\":\"orders:read\",\"exp\":" + exp + "}");
        });
        java.nio.file.Files.writeString(tmp.resolve("secret"), "the-secret\n");
        String goodAddr = "127.0.0.1:" + good.getAddress().getPort();
        String badAddr = "127.0.0.1:" + bad.getAddress().getPort();
        String yaml = """
                instance-id: metrics-test
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                    flaky:
                      backends: [%s, %s]
                      outlier: {consecutive-failures: 2, base-ejection-time: 600s, max-ejection-time: 600s}
                      retry: {attempts: 0}
                      breaker: {enabled: false}
                    shed:
                      backends: [127.0.0.1:%d]
                      concurrency-limit: {initial-limit: 1, min-limit: 1, max-limit: 1}
                  auth:
                    api-keys: {keys: [{consumer: alice, sha256: %s}]}
                    introspection: {url: "http://127.0.0.1:%d/introspect", client-id: gateway, client-secret-file: %s, consumer-claim: client_id}
                  routes:
                    - {name: cached, path-prefix: /cached, pool: api, cache: {}}
                    - {name: limited, path-prefix: /limited, pool: api, auth: {methods: [api-key]}, rate-limits: {route: {rate: 2/h, burst: 2}}}
                    - {name: flaky, path-prefix: /flaky, pool: flaky}
                    - {name: slow, path-prefix: /slow, pool: shed}
                    - {name: intro, path-prefix: /intro, pool: api, auth: {methods: [introspection]}}
                admin: {listen: 127.0.0.1:0}
                """.formatted(tmp.resolve("kafka"), goodAddr, goodAddr, badAddr, slow.getAddress().getPort(),
                ApiKeyStore.hashHex("alice-key"), idp.getAddress().getPort(), tmp.resolve("secret"));
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("metrics-test.yaml", yaml));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
            String base = "http://127.0.0.1:" + admin.port();
            String proxy = "http://127.0.0.1:" + stack.router().port();

            // cache: one miss that is stored, then two fresh hits
            for (int i = 0; i < 3; i++) {
                assertThat(get(http, proxy + "/cached/a", null).statusCode()).isEqualTo(200);
            }
            // limits: two admitted, the third refused with 429; a wrong key refused with 401
            assertThat(get(http, proxy + "/limited/x", "alice-key").statusCode()).isEqualTo(200);
            assertThat(get(http, proxy + "/limited/x", "alice-key").statusCode()).isEqualTo(200);
            assertThat(get(http, proxy + "/limited/x", "alice-key").statusCode()).isEqualTo(429);
            assertThat(get(http, proxy + "/limited/x", "wrong-key").statusCode()).isEqualTo(401);
            // introspection: the first use of a token asks the endpoint, the second is answered from its cache
            HttpRequest intro = HttpRequest.newBuilder(URI.create(proxy + "/intro/x")).header("Authorization", "Bearer opaque-token")
                    .timeout(Duration.ofSeconds(30)).build();
            for (int i = 0; i < 2; i++) {
                assertThat(http.send(intro, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }
            // ejection: the member answering 500 is ejected after two failures in a row (for 600 s: exactly once)
            int flaky = 0;
            while (flaky < 40 && stack.router().memberStates("flaky").stream().noneMatch(m -> m.ejected())) {
                get(http, proxy + "/flaky/" + flaky++, null);
            }
            assertThat(stack.router().memberStates("flaky")).anyMatch(m -> m.address().equals(badAddr) && m.ejected());
            // shedding: a pool with a limit of 1 answers 503 while its one request is in flight
            CompletableFuture<HttpResponse<String>> first = http.sendAsync(request(proxy + "/slow/1", null), HttpResponse.BodyHandlers.ofString());
            assertThat(slowArrived.await(30, TimeUnit.SECONDS)).isTrue();
            HttpResponse<String> shed = get(http, proxy + "/slow/2", null);
            assertThat(shed.statusCode()).isEqualTo(503);
            assertThat(shed.body()).contains("concurrency_limit");
            release.countDown();
            assertThat(first.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String m = get(http, base + "/metrics", null).body();
                assertThat(value(m, "headroom_requests_refused_total", "pool=\"api\",reason=\"rate_limited\",route=\"limited\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_requests_refused_total", "pool=\"api\",reason=\"auth\",route=\"limited\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_requests_refused_total", "pool=\"shed\",reason=\"concurrency_limit\",route=\"slow\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_requests_refused_total", "pool=\"shed\",reason=\"no_backend\",route=\"slow\"")).isEqualTo(0.0);
                assertThat(value(m, "headroom_cache_misses_total", "route=\"cached\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_cache_hits_total", "route=\"cached\"")).isEqualTo(2.0);
                assertThat(value(m, "headroom_cache_stores_total", "route=\"cached\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_cache_entries", "route=\"cached\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_backend_ejected", "backend=\"" + badAddr + "\",pool=\"flaky\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_backend_available", "backend=\"" + badAddr + "\",pool=\"flaky\"")).isEqualTo(0.0);
                assertThat(value(m, "headroom_backend_available", "backend=\"" + goodAddr + "\",pool=\"flaky\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_backend_ejections", "backend=\"" + badAddr + "\",pool=\"flaky\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_pool_ejections_total", "pool=\"flaky\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_pool_ejections_total", "pool=\"api\"")).isEqualTo(0.0);
                assertThat(value(m, "headroom_backend_breaker_state", "backend=\"" + goodAddr + "\",pool=\"api\",state=\"closed\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_backend_breaker_state", "backend=\"" + goodAddr + "\",pool=\"api\",state=\"open\"")).isEqualTo(0.0);
                assertThat(value(m, "headroom_pool_concurrency_limit", "pool=\"shed\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_pool_concurrency_in_flight", "pool=\"shed\"")).isEqualTo(0.0);
                assertThat(value(m, "headroom_consumer_requests_total", "consumer=\"alice\"")).isEqualTo(3.0);
                assertThat(value(m, "headroom_consumer_client_errors_total", "consumer=\"alice\"")).isEqualTo(1.0);
                assertThat(value(m, "headroom_consumer_requests_total", "consumer=\"(other)\"")).isEqualTo(0.0);
                assertThat(value(m, "headroom_consumer_requests_total", "consumer=\"mobile\"")).isEqualTo(2.0);
                // latency histograms per consumer: every request of alice (an API key consumer) and of mobile counted
                assertThat(value(m, "headroom_consumer_request_duration_seconds_count", "consumer=\"alice\"")).isEqualTo(3.0);
                assertThat(value(m, "headroom_consumer_request_duration_seconds_count", "consumer=\"mobile\"")).isEqualTo(2.0);
                assertThat(value(m, "headroom_consumer_request_duration_seconds_bucket", "consumer=\"alice\",le=\"+Inf\"")).isEqualTo(3.0);
                assertThat(value(m, "headroom_consumer_request_duration_seconds_sum", "consumer=\"alice\"")).isPositive();
                assertThat(m).containsPattern("(?m)^headroom_introspection_calls_total 1\\.0$")
                        .containsPattern("(?m)^headroom_introspection_cache_hits_total 1\\.0$")
                        .containsPattern("(?m)^headroom_introspection_failures_total 0\\.0$");
            });
            String m = get(http, base + "/metrics", null).body();
            // a pool without a breaker has no breaker series
            assertThat(m).doesNotContain("headroom_backend_breaker_state{backend=\"" + badAddr + "\"");
            assertThat(value(m, "headroom_cache_size_bytes", "route=\"cached\"")).isPositive();
            assertThat(m).contains("# TYPE headroom_requests_refused_total counter", "# TYPE headroom_pool_ejections_total counter",
                    "# TYPE headroom_consumer_requests_total counter", "# TYPE headroom_backend_ejected gauge",
                    "# TYPE headroom_pool_concurrency_limit gauge");
            // everyone else (the cache, the flaky and the slow requests, and the 401) is the anonymous consumer
            assertThat(value(m, "headroom_consumer_requests_total", "consumer=\"anonymous\"")).isEqualTo(3 + 1 + flaky + 2);
            // latency quantiles of a named consumer's day; none for (other), whose quantiles could not be added up
            double aliceP50 = value(m, "headroom_consumer_latency_seconds", "consumer=\"alice\",quantile=\"0.5\"");
            double aliceP99 = value(m, "headroom_consumer_latency_seconds", "consumer=\"alice\",quantile=\"0.99\"");
            assertThat(aliceP50).isPositive().isLessThanOrEqualTo(aliceP99);
            assertThat(m).doesNotContain("headroom_consumer_latency_seconds{consumer=\"(other)\"");
            // no cluster quota allowances here: nothing has failed static
            assertThat(m).containsPattern("(?m)^headroom_quota_allowances_fail_static 0\\.0$")
                    .containsPattern("(?m)^headroom_quota_allowances_fail_static_decisions_total 0\\.0$")
                    .containsPattern("(?m)^headroom_quota_allowances_consumers 0\\.0$");
            // the process's pauses are counted (how many depends on the machine: only that the series exist)
            assertThat(m).contains("# TYPE headroom_process_pauses_total counter", "# TYPE headroom_process_pause_seconds_total counter");
            assertThat(m).containsPattern("(?m)^headroom_process_pauses_total(\\{[^}]*\\})? [0-9.eE+-]+$")
                    .containsPattern("(?m)^headroom_process_pause_seconds_total(\\{[^}]*\\})? [0-9.eE+-]+$");
            // the starvation gate's stops and the probe's longest wait: the series exist (their values depend on the load)
            assertThat(m).contains("# TYPE headroom_scheduler_yield_stops_total counter", "# TYPE headroom_scheduler_probe_wait_max_seconds gauge")
                    .containsPattern("(?m)^headroom_scheduler_yield_stops_total [0-9.eE+-]+$")
                    .containsPattern("(?m)^headroom_scheduler_probe_wait_max_seconds [0-9.eE+-]+$");
            // the HTTP/1.1 lane's counters (plain GETs above went through it)
            assertThat(m).contains("# TYPE headroom_lane_requests_total counter", "# TYPE headroom_lane_handovers_total counter")
                    .containsPattern("(?m)^headroom_lane_requests_total [1-9][0-9.eE+]*$")
                    .containsPattern("(?m)^headroom_lane_handovers_total [0-9.eE+-]+$");
            // recv/send on the lane's client sockets: on in the build's test JVM on Linux with JDK 22+, as with the launcher
            boolean nativeExpected = System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")
                    && Runtime.version().feature() >= 22;
            assertThat(m).containsPattern("(?m)^headroom_lane_native_sockets " + (nativeExpected ? "1" : "0") + "\\.0$");
            // the edge poller: the pooled upstream connections of the requests above wait on it (they stay open, idle)
            assertThat(m).containsPattern("(?m)^headroom_edge_poller_sockets " + (nativeExpected ? "[1-9][0-9]*" : "0") + "\\.0$");
            // the lane's carriers: one per CPU on JDK 24+ (the build's test JVM opens java.base/java.lang as the launcher does)
            boolean carriersExpected = nativeExpected && Runtime.version().feature() >= 24;
            assertThat(m).containsPattern("(?m)^headroom_lane_carriers "
                    + (carriersExpected ? Runtime.getRuntime().availableProcessors() : 0) + "\\.0$");
            assertThat(m).containsPattern("(?m)^headroom_lane_carrier_wakeups_total [0-9.eE+-]+$");
            assertThat(m).contains("# TYPE headroom_consumer_request_duration_seconds histogram")
                    .contains("headroom_consumer_request_duration_seconds_bucket{consumer=\"alice\",le=\"0.1\"}");
            // the buckets are cumulative: alice's requests within 30 s are all within the +Inf bucket's 3
            assertThat(value(m, "headroom_consumer_request_duration_seconds_bucket", "consumer=\"alice\",le=\"30.0\""))
                    .isEqualTo(3.0);

            String state = get(http, base + "/api/state", null).body();
            assertThat(state).contains("\"traffic\":{\"routes\":[")
                    .contains("{\"route\":\"limited\",\"pools\":\"api\",\"forwarded\":2,\"auth\":1,\"rate_limited\":1,\"concurrency_limit\":0,"
                            + "\"no_backend\":0,\"other\":0}")
                    .contains("{\"route\":\"slow\",\"pools\":\"shed\",\"forwarded\":1,\"auth\":0,\"rate_limited\":0,\"concurrency_limit\":1,")
                    .contains("\"cache_hits\":2,\"cache_misses\":1,\"cache_revalidations\":0,\"cache_hit_ratio\":0.6667}")
                    .contains("{\"consumer\":\"alice\",\"requests_today\":3,\"client_errors_today\":1,\"server_errors_today\":0}");

            // A reload that changes the cached route gives it a new, empty cache: its counters carry on from where they were.
            Object before = stack.router().routes().stream().filter(r -> r.name().equals("cached")).findFirst().orElseThrow().policy().cache();
            stack.router().reload(HeadroomConfig.from(ConfigNode.parse("metrics-test.yaml", yaml.replace("cache: {}", "cache: {max-bytes: 2MB}"))).router());
            Object after = stack.router().routes().stream().filter(r -> r.name().equals("cached")).findFirst().orElseThrow().policy().cache();
            assertThat(after).isNotNull().isNotSameAs(before);
            assertThat(get(http, proxy + "/cached/a", null).statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                String r = get(http, base + "/metrics", null).body();
                assertThat(value(r, "headroom_cache_misses_total", "route=\"cached\"")).isEqualTo(2.0);
                assertThat(value(r, "headroom_cache_hits_total", "route=\"cached\"")).isEqualTo(2.0);
                assertThat(value(r, "headroom_cache_stores_total", "route=\"cached\"")).isEqualTo(2.0);
                assertThat(value(r, "headroom_pool_ejections_total", "pool=\"flaky\"")).isEqualTo(1.0);
            });
        } finally {
            release.countDown();
            good.stop(0);
            bad.stop(0);
            slow.stop(0);
            idp.stop(0);
        }
    }

    @Test
    void failedProviderActionsAreCountedPerPool() throws Exception {
        String yaml = """
                instance-id: provider-errors-test
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [127.0.0.1:9]}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                autoscaler:
                  tick: 1s
                  pools:
                    api:
                      min: 1
                      max: 2
                      cooldown: 1s
                      provider: command
                      command: {run: [/bin/false], timeout: 10s}
                admin: {listen: 127.0.0.1:0}
                """.formatted(tmp.resolve("kafka"));
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("provider-errors.yaml", yaml));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
            String base = "http://127.0.0.1:" + admin.port();
            // the pool starts below its minimum: the controller asks the provider for 1, and /bin/false refuses each time
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                String m = get(http, base + "/metrics", null).body();
                assertThat(value(m, "headroom_autoscaler_provider_errors_total", "kind=\"action\",pool=\"api\"")).isGreaterThanOrEqualTo(1.0);
                assertThat(value(m, "headroom_autoscaler_provider_errors_total", "kind=\"instance\",pool=\"api\"")).isEqualTo(0.0);
            });
            long failedEvents = stack.autoscaler().status().getFirst().recentEvents().stream()
                    .filter(e -> e.action() == io.headroom.ingest.model.ScalingEvent.Action.FAILED).count();
            assertThat(failedEvents).isPositive();
        }
    }

    private static HttpServer server(com.sun.net.httpserver.HttpHandler h) throws java.io.IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        s.createContext("/", h);
        s.start();
        return s;
    }

    private static void reply(com.sun.net.httpserver.HttpExchange ex, int status, String body) throws java.io.IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
        ex.close();
    }

    private static HttpRequest request(String url, String apiKey) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30));
        if (apiKey != null) {
            b.header("X-Api-Key", apiKey);
        }
        return b.build();
    }

    private static HttpResponse<String> get(HttpClient http, String url, String apiKey) throws Exception {
        return http.send(request(url, apiKey), HttpResponse.BodyHandlers.ofString());
    }

    /** The sum of a metric's samples whose labels contain {@code labels}; fails when there is none. */
    static double value(String exposition, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "\\{([^}]*)\\} ([0-9.eE+-]+)$").matcher(exposition);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            if (m.group(1).contains(labels)) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        assertThat(found).as(name + "{" + labels + "} in /metrics").isTrue();
        return sum;
    }
}
