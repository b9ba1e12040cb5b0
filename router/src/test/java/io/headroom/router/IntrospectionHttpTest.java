package io.headroom.router;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.auth.IntrospectionServer;
import io.headroom.router.config.RejectedConfig;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Opaque bearer tokens checked by RFC 7662 introspection, through the router over real HTTP on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class IntrospectionHttpTest {
    @TempDir
    static Path dir;
    private TinyBackend backend;
    private IntrospectionServer idp;
    private Router router;
    private Router deadRouter;
    private Router dead401Router;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private String yaml(String url, String onFailure) {
        return """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                  auth:
                    introspection:
                      url: %s
                      client-id: gateway
                      client-secret-file: %s
                      consumer-claim: client_id
                      timeout: 5s
                      on-failure: %s
                  routes:
                    - {name: orders, path-prefix: /orders, rewrite: {strip-prefix: true}, pool: api, auth: {methods: [introspection], scopes: [orders:read]}}
                    - {name: both, path-prefix: /both, rewrite: {strip-prefix: true}, pool: api, auth: {methods: [jwt, introspection]}}
                """.formatted(backend.address(), url, dir.resolve("secret"), onFailure);
    }

    /** With a JWT issuer too, so that the 'both' route is valid (its JWKS is never reachable: JWS-shaped tokens fail). */
    private Router router(String yaml) {
        String withJwt = yaml.replace("  routes:\n", "    jwt: [{issuer: \"https://id.test\", jwks-url: \"http://127.0.0.1:1/jwks\", algorithms: [RS256],"
                + " min-refresh-interval: 1h}]\n  routes:\n");
        Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", withJwt)), "i-1", TelemetrySink.DISCARD, Clock.systemUTC());
        r.start();
        return r;
    }

    @BeforeAll
    void start() throws Exception {
        backend = new TinyBackend("b");
        idp = new IntrospectionServer("gateway", "the-secret");
        Files.writeString(dir.resolve("secret"), "the-secret\n");
        long exp = System.currentTimeMillis() / 1000 + 3600;
        idp.answers.put("opaque-reader", "{\"active\":true,\"client_id\":\"mobile\",\"scope\":\"orders:read\",\"exp\":" + exp + "}");
        idp.answers.put("opaque-nobody", "{\"active\":true,\"client_id\":\"web\",\"scope\":\"profile\",\"exp\":" + exp + "}");
        router = router(yaml(idp.url().toString(), "503"));
        int closed = io.headroom.router.RefusedPort.next(); // nothing listens there: connections are refused
        deadRouter = router(yaml("http://127.0.0.1:" + closed + "/introspect", "503"));
        dead401Router = router(yaml("http://127.0.0.1:" + closed + "/introspect", "401"));
    }

    @AfterAll
    void stop() throws Exception {
        router.stop();
        deadRouter.stop();
        dead401Router.stop();
        idp.close();
        backend.close();
    }

    private HttpResponse<String> get(Router r, String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + path)).timeout(Duration.ofSeconds(20));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void anActiveTokenPassesAndIsStripped() throws Exception {
        HttpResponse<String> r = get(router, "/orders/headers", "Authorization", "Bearer opaque-reader");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /headers HTTP/1.1").doesNotContainIgnoringCase("authorization").doesNotContain("opaque-reader");
        int calls = idp.calls("opaque-reader");
        assertThat(get(router, "/orders/x", "Authorization", "Bearer opaque-reader").statusCode()).isEqualTo(200);
        assertThat(idp.calls("opaque-reader")).isEqualTo(calls); // from the cache
    }

    @Test
    void aMissingScopeIs403AndAnInactiveToken401() throws Exception {
        HttpResponse<String> scope = get(router, "/orders/x", "Authorization", "Bearer opaque-nobody");
        assertThat(scope.statusCode()).isEqualTo(403);
        assertThat(scope.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer realm=\"headroom\"").contains("error=\"insufficient_scope\"").contains("scope=\"orders:read\""));
        HttpResponse<String> inactive = get(router, "/orders/x", "Authorization", "Bearer revoked-token");
        assertThat(inactive.statusCode()).isEqualTo(401);
        assertThat(inactive.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v)
                .contains("error=\"invalid_token\"").contains("error_description=\"the token is not active\""));
        assertThat(inactive.body()).contains("invalid_token").doesNotContain("revoked-token");
        HttpResponse<String> none = get(router, "/orders/x");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(none.headers().allValues("www-authenticate")).containsExactly("Bearer realm=\"headroom\", scope=\"orders:read\"");
    }

    @Test
    void jwsShapedTokensGoToTheJwtChecksNotToTheEndpoint() throws Exception {
        int before = idp.calls.get();
        HttpResponse<String> r = get(router, "/both/x", "Authorization", "Bearer eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkLnRlc3QifQ.c2ln");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(idp.calls.get()).isEqualTo(before);
        assertThat(get(router, "/both/x", "Authorization", "Bearer opaque-reader").statusCode()).isEqualTo(200);
    }

    @Test
    void aDeadEndpointFailsClosed() throws Exception {
        HttpResponse<String> r = get(deadRouter, "/orders/x", "Authorization", "Bearer opaque-reader");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        assertThat(r.body()).contains("introspection_unavailable");
        HttpResponse<String> r401 = get(dead401Router, "/orders/x", "Authorization", "Bearer opaque-reader");
        assertThat(r401.statusCode()).isEqualTo(401);
        assertThat(r401.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v)
                .contains("error=\"invalid_token\"").contains("could not be checked"));
    }

    private static void fails(String introspection, String... fragments) {
        RejectedConfig.assertRejected(RejectedConfig.POOL_A + """
                  routes:
                    - {name: a, path-prefix: /, pool: a}
                  auth:
                    introspection:
                """ + introspection.indent(6), fragments);
    }

    @Test
    void badIntrospectionConfigIsRejectedAtItsLine() {
        fails("url: https://id/x\nclient-id: g\nclient-secret: hunter2\n", "bad.yaml:10:", "a client secret written in the config file is refused",
                "client-secret-env");
        fails("url: https://id/x\nclient-id: g\nclient-secret-env: A\nclient-secret-file: /x\n", "bad.yaml:8:", "exactly one of");
        fails("url: ftp://id/x\nclient-id: g\nclient-secret-env: A\n", "bad.yaml:8:", "http or https");
        fails("url: https://id/x\nclient-id: g\nclient-secret-env: 1A\n", "bad.yaml:10:", "not an environment variable name");
        fails("url: https://id/x\nclient-id: g\nclient-secret-env: A\non-failure: 500\n", "bad.yaml:11:", "on-failure must be 503 or 401");
        fails("url: https://id/x\nclient-secret-env: A\n", "client-id");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", """
                router:
                  pools:
                    a: {backends: [127.0.0.1:9001]}
                  routes:
                    - {name: a, path-prefix: /, pool: a, auth: {methods: [introspection]}}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("bad.yaml:5:")
                .hasMessageContaining("router.auth.introspection is not configured");
    }
}
