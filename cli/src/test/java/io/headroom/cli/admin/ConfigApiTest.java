package io.headroom.cli.admin;

import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.reliability.ReloadHarness;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Issue 4, item 10: routes, pools, keys and quotas changed at run time through the admin API, behind the token, each
 * change validated as a whole and applied atomically through the hot-reload path, under steady load on a real router
 * on loopback.
 */
@Timeout(240)
class ConfigApiTest {
    @TempDir
    Path tmp;

    private String token;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private Path config(String changes, int... ports) throws Exception {
        token = "config-api-token-" + Long.toHexString(System.nanoTime());
        Path tokenFile = tmp.resolve("token");
        Files.writeString(tokenFile, token);
        StringBuilder backends = new StringBuilder();
        for (int p : ports) {
            backends.append(backends.isEmpty() ? "" : ", ").append("127.0.0.1:").append(p);
        }
        Path file = tmp.resolve("headroom.yaml");
        Files.writeString(file, """
                # the operator's notes: kept across API changes
                instance-id: config-api-test
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s], request-timeout: 10s}   # the main pool
                  auth:
                    api-keys:
                      keys:
                        - {consumer: seed, sha256: %s}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                    - {name: secure, path-prefix: /secure, pool: api, auth: {methods: [api-key]}}
                admin: {listen: 127.0.0.1:0, token-file: %s, config-changes: %s}
                """.formatted(tmp.resolve("kafka"), backends, ConfigApi.sha256("seed-key"), tokenFile, changes));
        return file;
    }

    @Test
    void backendsKeysRoutesAndQuotasChangeUnderLoadWithoutAFailedRequest() throws Exception {
        HttpServer a = ReloadHarness.backend("A");
        HttpServer b = ReloadHarness.backend("B");
        HttpServer c = ReloadHarness.backend("C");
        Path file = config("file", a.getAddress().getPort(), b.getAddress().getPort());
        LogCapture logs = LogCapture.start();
        HeadroomConfig cfg = HeadroomConfig.load(file);
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow)) {
            stack.reloadFrom(file, true, Clock.systemUTC());
            try (AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
                String proxy = "http://127.0.0.1:" + stack.router().port();
                String base = "http://127.0.0.1:" + admin.port();

                // steady load: 6 clients in a loop; every answer must be a 200 from a backend
                AtomicBoolean running = new AtomicBoolean(true);
                Map<String, LongAdder> by = new ConcurrentHashMap<>();
                LongAdder failed = new LongAdder();
                AtomicLong lastA = new AtomicLong();
                List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
                List<Thread> load = new ArrayList<>();
                for (int i = 0; i < 6; i++) {
                    load.add(Thread.ofVirtual().start(() -> {
                        while (running.get()) {
                            long started = System.nanoTime();
                            try {
                                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(proxy + "/load"))
                                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                                if (r.statusCode() != 200) {
                                    failed.increment();
                                    failures.add(r.statusCode() + " " + r.body());
                                } else {
                                    by.computeIfAbsent(r.body(), k -> new LongAdder()).increment();
                                    if (r.body().equals("A")) {
                                        lastA.accumulateAndGet(started, Math::max); // the latest start of a request A answered
                                    }
                                }
                            } catch (Exception e) {
                                failed.increment();
                                failures.add(e.toString());
                            }
                        }
                    }));
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> count(by, "A") > 20 && count(by, "B") > 20);

                // no token, a wrong token: 401, for reading and for changing
                assertThat(send("GET", base + "/api/config", null, null).statusCode()).isEqualTo(401);
                assertThat(send("POST", base + "/api/pools/api/backends", "\"127.0.0.1:1\"", null).statusCode()).isEqualTo(401);
                assertThat(send("DELETE", base + "/api/routes/api", null, "not-the-token-at-all").statusCode()).isEqualTo(401);

                // read the effective config: secrets redacted, the version as ETag
                HttpResponse<String> cfgJson = send("GET", base + "/api/config", null, token);
                assertThat(cfgJson.statusCode()).isEqualTo(200);
                String etag = cfgJson.headers().firstValue("ETag").orElseThrow().replace("\"", "");
                assertThat(cfgJson.body()).contains("\"changes\":\"file\"").contains("\"etag\":\"" + etag + "\"")
                        .contains("(redacted; id " + ConfigApi.sha256("seed-key").substring(0, 16) + ")")
                        .doesNotContain(ConfigApi.sha256("seed-key")).doesNotContain(token);

                // add backend C: it gets traffic; then remove A: it gets no more, and nothing failed
                long addStart = System.nanoTime();
                HttpResponse<String> add = send("POST", base + "/api/pools/api/backends",
                        "\"127.0.0.1:" + c.getAddress().getPort() + "\"", token, "X-Headroom-Actor", "ci-deploy");
                long addMicros = (System.nanoTime() - addStart) / 1000;
                assertThat(add.statusCode()).as(add.body()).isEqualTo(200);
                assertThat(add.body()).contains("\"written_to_file\":true").contains("added to pool api");
                await().atMost(Duration.ofSeconds(30)).until(() -> count(by, "C") > 20);
                assertThat(send("POST", base + "/api/pools/api/backends", "\"127.0.0.1:" + c.getAddress().getPort() + "\"", token)
                        .statusCode()).as("a backend already there").isEqualTo(409);

                HttpResponse<String> del = send("DELETE", base + "/api/pools/api/backends/127.0.0.1:" + a.getAddress().getPort(), null, token);
                assertThat(del.statusCode()).as(del.body()).isEqualTo(200);
                long removedAt = System.nanoTime();
                long bAtRemoval = count(by, "B");
                await().atMost(Duration.ofSeconds(30)).until(() -> count(by, "B") > bAtRemoval + 50);
                assertThat(lastA.get()).as("A got no request that started after its removal was answered").isLessThan(removedAt);

                // an invalid change: 422 with what was wrong; traffic goes on, nothing of it is in service
                HttpResponse<String> bad = send("PUT", base + "/api/routes/v2", "{\"path-prefix\": \"/v2\", \"pool\": \"nowhere\"}", token);
                assertThat(bad.statusCode()).as(bad.body()).isEqualTo(422);
                assertThat(bad.body()).contains("nowhere").contains("previous configuration keeps serving");
                HttpResponse<String> typo = send("PUT", base + "/api/pools/web", "{\"backends\": [\"127.0.0.1:1\"], \"balancr\": {}}", token);
                assertThat(typo.statusCode()).as(typo.body()).isEqualTo(422);
                assertThat(typo.body()).contains("balancr").contains("router.pools.web");
                assertThat(stack.router().pools()).doesNotContainKey("web");
                long cBefore = count(by, "C");
                await().atMost(Duration.ofSeconds(30)).until(() -> count(by, "C") > cBefore + 20);

                // a stale If-Match: 412, nothing changed
                HttpResponse<String> stale = send("PUT", base + "/api/pools/web", "{\"backends\": [\"127.0.0.1:1\"]}", token, "If-Match", "\"" + etag + "\"");
                assertThat(stale.statusCode()).as(stale.body()).isEqualTo(412);

                running.set(false);
                for (Thread t : load) {
                    t.join(30_000);
                }
                assertThat(failed.sum()).as("failed requests under load: " + failures).isZero();
                System.out.printf("config API under load: %d requests (A %d, B %d, C %d), %d failed; adding a backend answered in %d us%n",
                        count(by, "A") + count(by, "B") + count(by, "C"), count(by, "A"), count(by, "B"), count(by, "C"), failed.sum(), addMicros);
                assertThat(count(by, "A") + count(by, "B") + count(by, "C")).isGreaterThan(200);

                // the file holds the change (comments kept), the previous version is the .bak
                String written = Files.readString(file);
                assertThat(written).contains("# the operator's notes").contains("# the main pool")
                        .contains("127.0.0.1:" + c.getAddress().getPort()).doesNotContain("127.0.0.1:" + a.getAddress().getPort() + ",");
                assertThat(HeadroomConfig.load(file).router().pools().get("api").backends()).hasSize(2);
                assertThat(Files.readString(file.resolveSibling("headroom.yaml.bak")))
                        .contains("127.0.0.1:" + c.getAddress().getPort()).contains("127.0.0.1:" + a.getAddress().getPort());

                // CSRF: the dashboard's cookie does not change things; another origin is refused; a form body is refused
                HttpResponse<String> session = send("GET", base + "/api/session", null, token);
                String cookie = session.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
                assertThat(send("GET", base + "/api/config", null, null, "Cookie", cookie).statusCode()).as("the cookie reads").isEqualTo(200);
                assertThat(send("DELETE", base + "/api/routes/secure", null, null, "Cookie", cookie).statusCode()).isEqualTo(401);
                assertThat(send("DELETE", base + "/api/routes/secure", null, token, "Origin", "http://evil.example").statusCode()).isEqualTo(403);
                HttpResponse<String> form = http.send(HttpRequest.newBuilder(URI.create(base + "/api/keys"))
                        .header("Authorization", "Bearer " + token).header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString("consumer=x")).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(form.statusCode()).isEqualTo(415);

                // keys: a plain key is refused; a generated one is shown once and authenticates; deleted, it stops at once
                assertThat(send("POST", base + "/api/keys", "{\"consumer\": \"newco\", \"key\": \"plain\"}", token).statusCode()).isEqualTo(422);
                HttpResponse<String> made = send("POST", base + "/api/keys", "{\"consumer\": \"newco\", \"scopes\": [\"orders:read\"]}", token);
                assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
                assertThat(made.headers().firstValue("Cache-Control")).hasValue("no-store");
                String key = field(made.body(), "key");
                String id = field(made.body(), "id");
                assertThat(id).isEqualTo(ConfigApi.sha256(key).substring(0, 16));
                assertThat(Files.readString(file)).contains(ConfigApi.sha256(key)).doesNotContain(key);
                assertThat(keyed(proxy + "/secure/x", key).statusCode()).isEqualTo(200);
                assertThat(keyed(proxy + "/secure/x", "seed-key").statusCode()).isEqualTo(200);
                HttpResponse<String> list = send("GET", base + "/api/keys", null, token);
                assertThat(list.body()).contains("\"id\":\"" + id + "\",\"consumer\":\"newco\",\"scopes\":[\"orders:read\"]")
                        .doesNotContain(ConfigApi.sha256(key));
                // by hash: the caller keeps the key
                HttpResponse<String> hashed = send("POST", base + "/api/keys", "{\"consumer\": \"other\", \"sha256\": \""
                        + ConfigApi.sha256("other-key") + "\"}", token);
                assertThat(hashed.statusCode()).as(hashed.body()).isEqualTo(201);
                assertThat(hashed.body()).doesNotContain("\"key\":");
                assertThat(keyed(proxy + "/secure/x", "other-key").statusCode()).isEqualTo(200);

                // a quota for newco: the third request of the day is refused
                HttpResponse<String> quota = send("PUT", base + "/api/quotas/consumers/newco", "{\"day\": 2}", token);
                assertThat(quota.statusCode()).as(quota.body()).isEqualTo(200);
                assertThat(keyed(proxy + "/secure/q", key).statusCode()).isEqualTo(200);
                assertThat(keyed(proxy + "/secure/q", key).statusCode()).isEqualTo(200);
                assertThat(keyed(proxy + "/secure/q", key).statusCode()).isEqualTo(429);
                // another consumer's quota changes: newco's count of the day carries over the reload
                assertThat(send("PUT", base + "/api/quotas/consumers/zzz", "{\"day\": 5}", token).statusCode()).isEqualTo(200);
                assertThat(keyed(proxy + "/secure/q", key).statusCode()).as("still 2 of 2 today").isEqualTo(429);
                assertThat(send("DELETE", base + "/api/quotas/consumers/newco", null, token).statusCode()).isEqualTo(200);
                assertThat(send("DELETE", base + "/api/quotas/consumers/newco", null, token).statusCode()).isEqualTo(404);
                assertThat(keyed(proxy + "/secure/q", key).statusCode()).isEqualTo(200);

                // a per-consumer rate limit: one a day for "other" (burst 1), then gone again
                HttpResponse<String> rate = send("PUT", base + "/api/rate-limits/consumers/other", "\"1/d\"", token);
                assertThat(rate.statusCode()).as(rate.body()).isEqualTo(200);
                assertThat(keyed(proxy + "/secure/r", "other-key").statusCode()).isEqualTo(200);
                assertThat(keyed(proxy + "/secure/r", "other-key").statusCode()).isEqualTo(429);
                assertThat(send("GET", base + "/api/quotas", null, token).body()).isEqualTo("{\"quotas\":{\"consumers\":{\"zzz\":{\"day\":5}}},\"consumers\":{\"other\":\"1/d\"}}");
                assertThat(send("DELETE", base + "/api/rate-limits/consumers/other", null, token).statusCode()).isEqualTo(200);
                assertThat(keyed(proxy + "/secure/r", "other-key").statusCode()).isEqualTo(200);
                assertThat(send("PUT", base + "/api/rate-limits/consumers/other", "\"lots\"", token).statusCode()).isEqualTo(422);

                // how long a change takes once warm: 20 quota changes, each validated, applied and written to the file
                long[] micros = new long[20];
                for (int i = 0; i < micros.length; i++) {
                    long t0 = System.nanoTime();
                    HttpResponse<String> q = send("PUT", base + "/api/quotas/default", "{\"month\": " + (1_000_000 + i) + "}", token);
                    micros[i] = (System.nanoTime() - t0) / 1000;
                    assertThat(q.statusCode()).isEqualTo(200);
                }
                assertThat(send("DELETE", base + "/api/quotas/default", null, token).statusCode()).isEqualTo(200);
                java.util.Arrays.sort(micros);
                System.out.printf("config API: a change (validate, apply, write the file) answered in %d us median, %d us max of %d%n",
                        micros[micros.length / 2], micros[micros.length - 1], micros.length);

                HttpResponse<String> gone = send("DELETE", base + "/api/keys/" + id, null, token);
                assertThat(gone.statusCode()).as(gone.body()).isEqualTo(200);
                assertThat(keyed(proxy + "/secure/x", key).statusCode()).as("a deleted key stops at once").isEqualTo(401);
                assertThat(keyed(proxy + "/secure/x", "seed-key").statusCode()).isEqualTo(200);

                // routes: add one, then remove it
                HttpServer v2 = ReloadHarness.backend("V2");
                try {
                    assertThat(send("PUT", base + "/api/pools/v2", "{\"backends\": [\"127.0.0.1:" + v2.getAddress().getPort() + "\"]}", token)
                            .statusCode()).isEqualTo(200);
                    HttpResponse<String> route = send("PUT", base + "/api/routes/v2", "{\"path-prefix\": \"/v2\", \"pool\": \"v2\"}", token);
                    assertThat(route.statusCode()).as(route.body()).isEqualTo(200);
                    assertThat(ReloadHarness.get(http, proxy + "/v2/x").body()).isEqualTo("V2");
                    assertThat(send("GET", base + "/api/routes/v2", null, token).body()).isEqualTo("{\"name\":\"v2\",\"path-prefix\":\"/v2\",\"pool\":\"v2\"}");
                    HttpResponse<String> inUse = send("DELETE", base + "/api/pools/v2", null, token);
                    assertThat(inUse.statusCode()).as("a pool a route uses cannot go").isEqualTo(422);
                    assertThat(send("DELETE", base + "/api/routes/v2", null, token).statusCode()).isEqualTo(200);
                    assertThat(send("DELETE", base + "/api/pools/v2", null, token).statusCode()).isEqualTo(200);
                    assertThat(ReloadHarness.get(http, proxy + "/v2/x").body()).isNotEqualTo("V2");
                } finally {
                    v2.stop(0);
                }

                // the change log: who, what, when, result; the state shows the counts; the log never holds a secret
                String changes = send("GET", base + "/api/changes", null, token).body();
                assertThat(changes).contains("\"who\":\"ci-deploy@127.0.0.1 via bearer\"").contains("\"what\":\"POST /api/pools/api/backends\"")
                        .contains("\"status\":422").contains("\"status\":401").doesNotContain(key).doesNotContain(token);
                String state = send("GET", base + "/api/state", null, token).body();
                assertThat(state).contains("\"api_changes\":\"file\"").contains("\"diverged\":false");
                assertThat(send("GET", base + "/metrics", null, null).body())
                        .containsPattern("headroom_config_api_changes_total\\{result=\"applied\"[^}]*} 35\\.0")
                        .containsPattern("headroom_config_api_changes_total\\{result=\"rejected\"[^}]*} [1-9]");
                assertThat(logs.text()).contains("admin config change applied: who=ci-deploy@127.0.0.1 via bearer what=POST /api/pools/api/backends")
                        .doesNotContain(key).doesNotContain(token);
                // the file watcher saw our own writes as no change
                assertThat(stack.reloader().applied()).isZero();
            }
        } finally {
            logs.close();
            a.stop(0);
            b.stop(0);
            c.stop(0);
        }
    }

    @Test
    void memoryModeKeepsTheFileAndAReloadOfTheFileDropsTheChanges() throws Exception {
        HttpServer a = ReloadHarness.backend("A");
        HttpServer b = ReloadHarness.backend("B");
        Path file = config("memory", a.getAddress().getPort());
        String before = Files.readString(file);
        HeadroomConfig cfg = HeadroomConfig.load(file);
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow)) {
            stack.reloadFrom(file, false, Clock.systemUTC());
            try (AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
                String proxy = "http://127.0.0.1:" + stack.router().port();
                String base = "http://127.0.0.1:" + admin.port();
                assertThat(send("PUT", base + "/api/pools/api", "{\"backends\": [\"127.0.0.1:" + b.getAddress().getPort() + "\"]}", token)
                        .statusCode()).isEqualTo(200);
                assertThat(ReloadHarness.get(http, proxy + "/x").body()).isEqualTo("B");
                assertThat(Files.readString(file)).isEqualTo(before);
                assertThat(Files.exists(file.resolveSibling("headroom.yaml.bak"))).isFalse();
                String state = send("GET", base + "/api/state", null, token).body();
                assertThat(state).contains("\"api_changes\":\"memory\"").contains("\"diverged\":true").contains("pool api replaced");
                assertThat(send("GET", base + "/api/config", null, token).body()).contains("\"diverged_from_file\":[\"pool api replaced\"]");

                assertThat(send("POST", base + "/api/reload", null, token).statusCode()).isEqualTo(200);
                assertThat(ReloadHarness.get(http, proxy + "/x").body()).as("the file's configuration is back").isEqualTo("A");
                assertThat(send("GET", base + "/api/state", null, token).body()).contains("\"diverged\":false");
            }
        } finally {
            a.stop(0);
            b.stop(0);
        }
    }

    @Test
    void aFileEditedOnDiskButNotReloadedIsNotOverwritten() throws Exception {
        HttpServer a = ReloadHarness.backend("A");
        Path file = config("file", a.getAddress().getPort());
        HeadroomConfig cfg = HeadroomConfig.load(file);
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow)) {
            stack.reloadFrom(file, false, Clock.systemUTC());
            try (AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
                String base = "http://127.0.0.1:" + admin.port();
                String edited = Files.readString(file).replace("request-timeout: 10s", "request-timeout: 20s");
                Files.writeString(file, edited);
                HttpResponse<String> r = send("PUT", base + "/api/quotas/default", "{\"day\": 100}", token);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(409);
                assertThat(r.body()).contains("file_changed").contains("POST /api/reload");
                assertThat(Files.readString(file)).isEqualTo(edited);
                assertThat(send("POST", base + "/api/reload", null, token).statusCode()).isEqualTo(200);
                HttpResponse<String> again = send("PUT", base + "/api/quotas/default", "{\"day\": 100}", token);
                assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
                assertThat(Files.readString(file)).contains("request-timeout: 20s").contains("day: 100");
                assertThat(stack.router().config().rateLimits().quotas().consumer()).hasSize(1);
            }
        } finally {
            a.stop(0);
        }
    }

    private static long count(Map<String, LongAdder> by, String k) {
        LongAdder a = by.get(k);
        return a == null ? 0 : a.sum();
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\":\"([^\"]*)\"").matcher(json);
        assertThat(m.find()).as(name + " in " + json).isTrue();
        return m.group(1);
    }

    private HttpResponse<String> keyed(String url, String key) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).header("X-Api-Key", key).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> send(String method, String url, String body, String bearer, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            r.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            r.header("Authorization", "Bearer " + bearer);
        }
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }
}
