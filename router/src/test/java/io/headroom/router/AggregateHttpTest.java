package io.headroom.router;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.headroom.config.ConfigNode;
import io.headroom.router.aggregate.Aggregator;
import io.headroom.router.config.RejectedConfig;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.proxy.Route;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** An aggregating route over real HTTP on 127.0.0.1: three pools, parallel calls, and each partial-failure policy. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class AggregateHttpTest {
    private HttpServer backend;
    private Router router;
    private int port;
    private final CountDownLatch never = new CountDownLatch(1);
    /** Per user id: the three calls each wait here until all three have arrived, which only parallel calls achieve. */
    private final Map<String, CountDownLatch> together = new ConcurrentHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String query = ex.getRequestURI().getQuery();
            String user = path.startsWith("/orders") ? query.substring("user=".length()) : path.substring(path.lastIndexOf('/') + 1);
            String body;
            int status = 200;
            boolean sequential = false;
            if (ex.getRequestHeaders().containsKey("Accept-Encoding") || ex.getRequestHeaders().containsKey("If-None-Match")
                    || !"application/json".equals(ex.getRequestHeaders().getFirst("Accept"))) {
                ex.sendResponseHeaders(400, -1); // the calls must ask for plain, whole JSON
                return;
            }
            if (user.equals("42")) {
                CountDownLatch l = together.computeIfAbsent(user, k -> new CountDownLatch(3));
                l.countDown();
                try {
                    sequential = !l.await(20, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    return;
                }
            }
            if (path.startsWith("/users/")) {
                body = "{\"id\":\"" + user + "\",\"name\":\"Ada\",\"tier\":3}";
                if (user.equals("missing")) {
                    status = 404;
                    body = "{\"error\":\"no such user\"}";
                } else if (user.equals("slow")) {
                    await();
                }
            } else if (path.startsWith("/orders")) {
                body = "{\"items\":[{\"id\":1,\"total\":12.50},{\"id\":2,\"total\":7}],\"count\":2}";
                if (user.equals("7")) {
                    status = 500;
                    body = "{\"error\":\"db down\"}";
                } else if (user.equals("8")) {
                    body = "<html>not json</html>";
                }
            } else {
                body = "{\"items\":[\"book\",\"lamp\"]}";
                if (user.equals("9")) {
                    await();
                }
            }
            if (sequential) {
                status = 500; // the three calls did not all arrive together
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(status, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        }
    }

    private void await() {
        try {
            never.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @BeforeAll
    void start() throws Exception {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        backend.createContext("/", this::handle);
        backend.start();
        String b = "127.0.0.1:" + backend.getAddress().getPort();
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    users: {backends: [%s]}
                    orders: {backends: [%s]}
                    recs: {backends: [%s]}
                  routes:
                    - name: home
                      path: /mobile/home/{user}
                      aggregate:
                        calls:
                          - {name: profile, pool: users, path: "/users/{user}", timeout: 2s, on-failure: fail}
                          - {name: orders, pool: orders, path: "/orders?user={user}", timeout: 2s, on-failure: omit}
                          - {name: recs, pool: recs, path: "/recs/{user}", timeout: 3s, on-failure: default, default: '{"items": []}'}
                        template:
                          user: $profile
                          name: $profile.name
                          orders: $orders.items
                          firstOrder: $orders.items.0.id
                          recommendations: $recs.items
                          source: mobile-bff
                          price: $$5
                          parts: [$profile.id, $orders.count]
                """.formatted(b, b, b);
        router = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)),
                "agg-1", TelemetrySink.DISCARD, Clock.systemUTC());
        port = router.start();
    }

    @AfterAll
    void stop() {
        never.countDown();
        router.stop();
        backend.stop(0);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30))
                .header("Accept-Encoding", "gzip").header("If-None-Match", "\"x\"").GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    private Aggregator aggregator() {
        return router.routes().stream().map(Route::policy).filter(p -> p.aggregator() != null).findFirst().orElseThrow().aggregator();
    }

    @Test
    void threeCallsInParallelMergedByTheTemplate() throws Exception {
        HttpResponse<String> r = get("/mobile/home/42");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.headers().firstValue("x-headroom-partial")).isEmpty();
        assertThat(r.body()).isEqualTo("{\"user\":{\"id\":\"42\",\"name\":\"Ada\",\"tier\":3},\"name\":\"Ada\","
                + "\"orders\":[{\"id\":1,\"total\":12.50},{\"id\":2,\"total\":7}],\"firstOrder\":1,"
                + "\"recommendations\":[\"book\",\"lamp\"],\"source\":\"mobile-bff\",\"price\":\"$5\",\"parts\":[\"42\",2]}");
    }

    @Test
    void omitLeavesOutAFailedCallsValues() throws Exception {
        HttpResponse<String> r = get("/mobile/home/7");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-headroom-partial")).hasValue("orders");
        assertThat(r.body()).doesNotContain("orders").doesNotContain("firstOrder").contains("\"parts\":[\"7\"]")
                .contains("\"recommendations\":[\"book\",\"lamp\"]");
        assertThat(get("/mobile/home/8").headers().firstValue("x-headroom-partial")).hasValue("orders"); // not JSON
    }

    @Test
    void defaultReplacesACallThatTimedOut() throws Exception {
        HttpResponse<String> r = get("/mobile/home/9");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-headroom-partial")).hasValue("recs");
        assertThat(r.body()).contains("\"recommendations\":[]").contains("\"name\":\"Ada\"");
    }

    @Test
    void failAnswers502Or504NamingTheCall() throws Exception {
        long failed = aggregator().stats().failed();
        HttpResponse<String> missing = get("/mobile/home/missing");
        assertThat(missing.statusCode()).isEqualTo(502);
        assertThat(missing.body()).contains("aggregate_failed").contains("call profile (pool users): answered 404");
        HttpResponse<String> slow = get("/mobile/home/slow");
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(slow.body()).contains("call profile (pool users): timed out after 2000 ms");
        assertThat(aggregator().stats().failed() - failed).isEqualTo(2);
    }

    @Test
    void onlyGetAndHead() throws Exception {
        HttpResponse<String> post = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mobile/home/1"))
                .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(post.statusCode()).isEqualTo(404);
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/mobile/home/1"))
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
    }

    private static void fails(String route, String... fragments) {
        RejectedConfig.assertRejected(RejectedConfig.POOL_A + "  routes:\n" + route.indent(4), fragments);
    }

    @Test
    void badAggregationsAreRejectedAtTheirLine() {
        fails("- {name: r, path: \"/x/{id}\", aggregate: {calls: [{name: c, pool: a, path: \"/y/{id}\"}], template: {v: $d}}}",
                "bad.yaml:5:", "'$d' names no call");
        fails("- {name: r, path: \"/x/{id}\", aggregate: {calls: [{name: c, pool: a, path: \"/y/{other}\"}], template: {v: $c}}}",
                "bad.yaml:5:", "{other} is not a variable");
        fails("- {name: r, path: /x, aggregate: {calls: [{name: c, pool: a, path: /y, default: '[]'}], template: {v: $c}}}",
                "bad.yaml:5:", "default applies only with on-failure: default");
        fails("- {name: r, path: /x, aggregate: {calls: [{name: c, pool: a, path: /y, on-failure: default, default: '{x'}], template: {v: $c}}}",
                "bad.yaml:5:", "default is not JSON");
        fails("- {name: r, path: /x, pool: a, aggregate: {calls: [{name: c, pool: a, path: /y}], template: {v: $c}}}",
                "bad.yaml:5:", "an aggregating route has no pool");
        fails("- {name: r, path: /x, methods: [POST], aggregate: {calls: [{name: c, pool: a, path: /y}], template: {v: $c}}}",
                "bad.yaml:5:", "GET and HEAD only");
        fails("- {name: r, path: /x, aggregate: {calls: [{name: c, pool: nope, path: /y}], template: {v: $c}}}",
                "bad.yaml:5:", "unknown pool 'nope'");
        fails("- {name: r, path: /x, aggregate: {calls: [{name: c, pool: a, path: /y, on-failure: retry}], template: {v: $c}}}",
                "bad.yaml:5:", "unknown value 'retry'");
        fails("- {name: r, path: /x, aggregate: {calls: [{name: c, pool: a, path: /y}]}}", "bad.yaml:5:", "needs a template");
    }
}
