package io.headroom.router;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.auth.ApiKeyStore;
import io.headroom.router.cache.ResponseCache;
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
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The response cache over real HTTP on 127.0.0.1. The backend's answers are chosen per path; ages come from the
 * backend's {@code Age} header, so no test waits for time to pass.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class CacheHttpTest {
    private HttpServer backend;
    private Router router;
    private int port;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> conditionals = new ConcurrentLinkedQueue<>();
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    /** Answers by path: Cache-Control, ETag and body; If-None-Match matching "v1" gets 304. */
    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String q = ex.getRequestURI().getRawQuery();
            hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            var in = ex.getRequestHeaders();
            var out = ex.getResponseHeaders();
            String inm = in.getFirst("If-None-Match");
            if (inm != null) {
                conditionals.add(path + " " + inm);
            }
            String body = "body of " + path + (q == null ? "" : "?" + q);
            switch (path) {
                case "/api/fresh", "/api/bounded" -> out.add("Cache-Control", "max-age=60");
                case "/api/etag" -> {
                    out.add("Cache-Control", "max-age=60");
                    out.add("ETag", "\"v1\"");
                }
                case "/api/old" -> {
                    out.add("Cache-Control", "max-age=50");
                    out.add("ETag", "\"v1\"");
                    out.add("Age", "100"); // stale on arrival, no stale-while-revalidate: revalidate every time
                }
                case "/api/swr" -> {
                    out.add("Cache-Control", "max-age=50, stale-while-revalidate=1000");
                    out.add("ETag", "\"v1\"");
                    if (inm == null) {
                        out.add("Age", "100"); // the first answer is stale already; the 304 makes it fresh
                    }
                }
                case "/api/nostore" -> out.add("Cache-Control", "no-store");
                case "/api/cookie" -> {
                    out.add("Cache-Control", "max-age=60");
                    out.add("Set-Cookie", "session=abc");
                }
                case "/api/vary" -> {
                    out.add("Cache-Control", "max-age=60");
                    out.add("Vary", "Accept-Language");
                    body = "lang " + in.getFirst("Accept-Language");
                }
                case "/api/big" -> {
                    out.add("Cache-Control", "max-age=60");
                    body = "x".repeat(20_000);
                }
                case "/me/private" -> {
                    out.add("Cache-Control", "private, max-age=60");
                    body = "profile of " + in.getFirst("X-Consumer-Id");
                }
                case "/me/implicit" -> {
                    out.add("Cache-Control", "max-age=60");
                    body = "data of " + in.getFirst("X-Consumer-Id");
                }
                case "/me/public" -> {
                    out.add("Cache-Control", "public, max-age=60");
                    body = "catalogue";
                }
                default -> {
                    // no caching headers
                }
            }
            if (inm != null && inm.contains("\"v1\"") && out.containsKey("ETag")) {
                out.remove("Age");
                ex.sendResponseHeaders(304, -1);
                return;
            }
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            try (OutputStream o = ex.getResponseBody()) {
                o.write(b);
            }
        }
    }

    @BeforeAll
    void start() throws Exception {
        backend = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        backend.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        backend.createContext("/", this::handle);
        backend.start();
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [127.0.0.1:%d]}
                  auth:
                    api-keys: {keys: [{consumer: alice, sha256: %s}, {consumer: bob, sha256: %s}]}
                    identity-headers: {consumer: X-Consumer-Id}
                  routes:
                    - name: api
                      path-prefix: /api
                      pool: api
                      cache: {max-bytes: 64KB, max-entry-bytes: 16KB}
                    - name: me
                      path-prefix: /me
                      pool: api
                      auth: {methods: [api-key]}
                      cache: {max-bytes: 1MB}
                """.formatted(backend.getAddress().getPort(), ApiKeyStore.hashHex("alice-key"), ApiKeyStore.hashHex("bob-key"));
        router = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "c-1", TelemetrySink.DISCARD, Clock.systemUTC());
        port = router.start();
    }

    @AfterAll
    void stop() {
        router.stop();
        backend.stop(0);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, headers);
    }

    private HttpResponse<String> send(String method, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(20))
                .method(method, HttpRequest.BodyPublishers.noBody());
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private ResponseCache cache(String route) {
        return router.routes().stream().filter(r -> r.name().equals(route)).map(Route::policy).findFirst().orElseThrow().cache();
    }

    @Test
    void aCachedAnswerCarriesItsOwnRequestsTraceIdAndNoStoredOne() throws Exception {
        HttpResponse<String> first = get("/api/fresh?trace=1");
        HttpResponse<String> second = get("/api/fresh?trace=1");
        assertThat(second.headers().firstValue("age")).isPresent(); // from the cache
        assertThat(first.headers().allValues("x-trace-id")).hasSize(1);
        assertThat(second.headers().allValues("x-trace-id")).hasSize(1);
        assertThat(second.headers().firstValue("x-trace-id")).isNotEqualTo(first.headers().firstValue("x-trace-id"));
    }

    @Test
    void aFreshResponseIsServedFromTheCacheForGetAndHead() throws Exception {
        int freshBefore = hits("/api/fresh");
        HttpResponse<String> first = get("/api/fresh?x=1");
        assertThat(first.body()).isEqualTo("body of /api/fresh?x=1");
        assertThat(first.headers().firstValue("age")).isEmpty();
        long hitsBefore = cache("api").stats().hits();
        HttpResponse<String> second = get("/api/fresh?x=1");
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo("body of /api/fresh?x=1");
        assertThat(second.headers().firstValue("age")).isPresent();
        assertThat(second.headers().firstValue("cache-control")).hasValue("max-age=60");
        HttpResponse<String> head = send("HEAD", "/api/fresh?x=1");
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(hits("/api/fresh") - freshBefore).isEqualTo(1);
        assertThat(cache("api").stats().hits() - hitsBefore).isEqualTo(2);
        get("/api/fresh?x=2"); // another query is another entry
        assertThat(hits("/api/fresh") - freshBefore).isEqualTo(2);
    }

    @Test
    void noStoreAndSetCookieAreNotStoredAndRequestsCanBypass() throws Exception {
        get("/api/nostore");
        get("/api/nostore");
        assertThat(hits("/api/nostore")).isEqualTo(2);
        get("/api/cookie");
        get("/api/cookie");
        assertThat(hits("/api/cookie")).isEqualTo(2);
        int before = hits("/api/bounded");
        get("/api/bounded?bypass");
        get("/api/bounded?bypass", "Cache-Control", "no-store");
        get("/api/bounded?bypass", "Cookie", "a=1");              // personal on an open route
        get("/api/bounded?bypass", "Authorization", "Bearer x");  // likewise
        assertThat(hits("/api/bounded") - before).isEqualTo(4);
        assertThat(get("/api/bounded?bypass").statusCode()).isEqualTo(200);
        assertThat(hits("/api/bounded") - before).isEqualTo(4);   // the first one was stored
    }

    @Test
    void revalidationByEtagRefreshesTheEntry() throws Exception {
        assertThat(get("/api/old").body()).isEqualTo("body of /api/old");
        long revalidated = cache("api").stats().revalidated();
        conditionals.clear();
        HttpResponse<String> again = get("/api/old");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).isEqualTo("body of /api/old"); // the stored body, confirmed by the backend's 304
        assertThat(conditionals).containsExactly("/api/old \"v1\"");
        assertThat(hits("/api/old")).isEqualTo(2);
        assertThat(cache("api").stats().revalidated() - revalidated).isEqualTo(1);
        // a request's no-cache revalidates a fresh entry too; the client's own validator is not what is forwarded
        get("/api/etag");
        conditionals.clear();
        HttpResponse<String> forced = get("/api/etag", "Cache-Control", "no-cache", "If-None-Match", "\"other\"");
        assertThat(forced.statusCode()).isEqualTo(200);
        assertThat(forced.body()).isEqualTo("body of /api/etag");
        assertThat(conditionals).containsExactly("/api/etag \"v1\"");
        // the client's own If-None-Match matching a fresh entry: 304 from the cache
        int before = hits("/api/etag");
        HttpResponse<String> notModified = get("/api/etag", "If-None-Match", "W/\"v1\"");
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(notModified.headers().firstValue("etag")).hasValue("\"v1\"");
        assertThat(hits("/api/etag")).isEqualTo(before);
    }

    @Test
    void staleWhileRevalidateAnswersAtOnceAndRefreshesInTheBackground() throws Exception {
        get("/api/swr");
        long stale = cache("api").stats().staleHits();
        HttpResponse<String> r = get("/api/swr");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("body of /api/swr");
        assertThat(Long.parseLong(r.headers().firstValue("age").orElseThrow())).isGreaterThanOrEqualTo(100);
        assertThat(cache("api").stats().staleHits() - stale).isEqualTo(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> hits("/api/swr") == 2);
        assertThat(conditionals).contains("/api/swr \"v1\"");
        // the 304 made it fresh: answered from the cache without asking
        await().atMost(Duration.ofSeconds(20)).until(() -> cache("api").stats().revalidated() > 0);
        HttpResponse<String> fresh = get("/api/swr");
        assertThat(Long.parseLong(fresh.headers().firstValue("age").orElseThrow())).isLessThan(50);
        assertThat(hits("/api/swr")).isEqualTo(2);
    }

    @Test
    void varyKeepsOneVariantPerHeaderValue() throws Exception {
        assertThat(get("/api/vary", "Accept-Language", "en").body()).isEqualTo("lang en");
        assertThat(get("/api/vary", "Accept-Language", "de").body()).isEqualTo("lang de");
        assertThat(get("/api/vary", "Accept-Language", "en").body()).isEqualTo("lang en");
        assertThat(get("/api/vary", "Accept-Language", "de").body()).isEqualTo("lang de");
        assertThat(get("/api/vary").body()).isEqualTo("lang null");
        assertThat(hits("/api/vary")).isEqualTo(3);
    }

    @Test
    void privateAndAuthenticatedResponsesStayWithTheirConsumer() throws Exception {
        assertThat(get("/me/private", "X-Api-Key", "alice-key").body()).isEqualTo("profile of alice");
        assertThat(get("/me/private", "X-Api-Key", "alice-key").body()).isEqualTo("profile of alice");
        assertThat(hits("/me/private")).isEqualTo(1);
        assertThat(get("/me/private", "X-Api-Key", "bob-key").body()).isEqualTo("profile of bob");
        assertThat(get("/me/private", "X-Api-Key", "bob-key").body()).isEqualTo("profile of bob");
        assertThat(get("/me/private", "X-Api-Key", "alice-key").body()).isEqualTo("profile of alice");
        assertThat(hits("/me/private")).isEqualTo(2);
        // neither public nor s-maxage on an authenticated route: per consumer as well
        assertThat(get("/me/implicit", "X-Api-Key", "alice-key").body()).isEqualTo("data of alice");
        assertThat(get("/me/implicit", "X-Api-Key", "bob-key").body()).isEqualTo("data of bob");
        // public: shared
        get("/me/public", "X-Api-Key", "alice-key");
        assertThat(get("/me/public", "X-Api-Key", "bob-key").body()).isEqualTo("catalogue");
        assertThat(hits("/me/public")).isEqualTo(1);
        // auth still comes first
        assertThat(get("/me/public").statusCode()).isEqualTo(401);
    }

    @Test
    void theCacheIsBoundedInBytes() throws Exception {
        for (int i = 0; i < 3; i++) {
            get("/api/big");
        }
        assertThat(hits("/api/big")).isEqualTo(3); // 20 KB is over max-entry-bytes
        for (int i = 0; i < 40; i++) {
            get("/api/bounded?i=" + i + "&pad=" + "p".repeat(2000));
        }
        assertThat(cache("api").stats().weightedBytes()).isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void onlyIfCachedGets504WhenNothingIsStored() throws Exception {
        int before = hits("/api/fresh");
        HttpResponse<String> r = get("/api/fresh?never", "Cache-Control", "only-if-cached");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).contains("not_cached");
        assertThat(hits("/api/fresh")).isEqualTo(before);
    }

    @Test
    void badCacheConfigIsRejectedAtItsLine() {
        String yaml = """
                router:
                  pools:
                    a: {backends: [127.0.0.1:9001]}
                  routes:
                    - {name: a, pool: a, methods: [POST], cache: {}}
                """;
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", yaml))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad.yaml:5:").hasMessageContaining("only GET and HEAD");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", yaml.replace("methods: [POST], cache: {}",
                "cache: {max-bytes: 1MB, max-entry-bytes: 2MB}")))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("bad.yaml:5:").hasMessageContaining("max-entry-bytes");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", yaml.replace("methods: [POST], cache: {}",
                "cache: {ttl: 5s}")))).isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'ttl'");
    }
}
