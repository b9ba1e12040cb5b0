package io.headroom.router;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.auth.ApiKeyStore;
import io.headroom.router.auth.JwksServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** API keys and JWTs through the router over real HTTP on 127.0.0.1. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class GatewayAuthHttpTest {
    @TempDir
    static Path dir;
    private TinyBackend backend;
    private JwksServer jwks;
    private RSAKey rsa;
    private LoopbackRouter running;
    private Path keyFile;

    @BeforeAll
    void start() throws Exception {
        backend = new TinyBackend("b");
        jwks = new JwksServer();
        rsa = new RSAKeyGenerator(2048).keyID("k1").generate();
        jwks.publish(List.of(rsa));
        keyFile = dir.resolve("keys.txt");
        Files.writeString(keyFile, "# consumer sha256 scopes\npartner " + ApiKeyStore.hashHex("file-key-1") + " orders:read\n");
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                  auth:
                    api-keys:
                      header: X-Api-Key
                      keys: [{consumer: mobile, sha256: %s, scopes: [orders:read]}]
                      file: %s
                    jwt:
                      - {issuer: "https://id.test", jwks-url: "%s", algorithms: [RS256], audiences: [headroom]}
                  routes:
                    - {name: open, path-prefix: /open, pool: api}
                    - {name: orders, path-prefix: /orders, rewrite: {strip-prefix: true}, pool: api, auth: {methods: [api-key, jwt], scopes: [orders:read]}}
                    - {name: admin, path-prefix: /admin, rewrite: {strip-prefix: true}, pool: api, auth: {methods: [jwt], scopes: [admin]}}
                """.formatted(backend.address(), ApiKeyStore.hashHex("secret-mobile-key"), keyFile, jwks.url());
        running = LoopbackRouter.start("auth-1", yaml);
    }

    @AfterAll
    void stop() throws Exception {
        running.close();
        backend.close();
        jwks.close();
    }

    private String token(String sub, String scope) throws Exception {
        SignedJWT j = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("k1").build(), new JWTClaimsSet.Builder()
                .issuer("https://id.test").subject(sub).audience("headroom").claim("scope", scope)
                .expirationTime(new Date(System.currentTimeMillis() + 60_000)).build());
        j.sign(new RSASSASigner(rsa));
        return j.serialize();
    }

    @Test
    void missingCredentialsGet401WithChallenges() throws Exception {
        HttpResponse<String> r = running.get("/orders/headers");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().allValues("www-authenticate")).anyMatch(v -> v.startsWith("Bearer realm=\"headroom\""))
                .anyMatch(v -> v.startsWith("ApiKey realm=\"headroom\", header=\"X-Api-Key\""));
        assertThat(r.body()).contains("missing_credentials");
        assertThat(running.get("/open/who").statusCode()).isEqualTo(200);
    }

    @Test
    void apiKeyIsCheckedAndStripped() throws Exception {
        HttpResponse<String> r = running.get("/orders/headers", "X-Api-Key", "secret-mobile-key", "X-Other", "kept");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("X-Other: kept").doesNotContainIgnoringCase("x-api-key").doesNotContain("secret-mobile-key");
        HttpResponse<String> bad = running.get("/orders/headers", "X-Api-Key", "wrong");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.body()).contains("invalid_api_key").doesNotContain("wrong");
    }

    @Test
    void bearerTokenIsCheckedStrippedAndScoped() throws Exception {
        String t = token("alice", "orders:read");
        HttpResponse<String> r = running.get("/orders/headers", "Authorization", "Bearer " + t);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("GET /headers HTTP/1.1").doesNotContainIgnoringCase("authorization:");
        HttpResponse<String> scope = running.get("/admin/headers", "Authorization", "Bearer " + t);
        assertThat(scope.statusCode()).isEqualTo(403);
        assertThat(scope.headers().firstValue("www-authenticate")).hasValueSatisfying(v ->
                assertThat(v).contains("error=\"insufficient_scope\"").contains("scope=\"admin\""));
        HttpResponse<String> bad = running.get("/admin/headers", "Authorization", "Bearer " + t.substring(0, t.length() - 3) + "abc");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.headers().firstValue("www-authenticate")).hasValueSatisfying(v -> assertThat(v).contains("error=\"invalid_token\""));
        // an API key is no way into a JWT-only route
        assertThat(running.get("/admin/headers", "X-Api-Key", "secret-mobile-key").statusCode()).isEqualTo(401);
    }

    @Test
    void keyFileRotatesWithoutRestart() throws Exception {
        assertThat(running.get("/orders/who", "X-Api-Key", "file-key-1").statusCode()).isEqualTo(200);
        assertThat(running.get("/orders/who", "X-Api-Key", "file-key-2").statusCode()).isEqualTo(401);
        Files.writeString(keyFile, "partner " + ApiKeyStore.hashHex("file-key-2") + " orders:read\n");
        Files.setLastModifiedTime(keyFile, FileTime.fromMillis(System.currentTimeMillis() + 5000));
        assertThat(running.router().authenticator().apiKeys().reloadIfChanged()).isTrue(); // the timer would do it within 5 s
        assertThat(running.get("/orders/who", "X-Api-Key", "file-key-2").statusCode()).isEqualTo(200);
        assertThat(running.get("/orders/who", "X-Api-Key", "file-key-1").statusCode()).isEqualTo(401);
        assertThat(running.get("/orders/who", "X-Api-Key", "secret-mobile-key").statusCode()).isEqualTo(200);
    }

    @Test
    void refusalsCountAsRejections() throws Exception {
        running.router().telemetry().closeWindow(System.currentTimeMillis() + 1000);
        running.windows().clear();
        for (int i = 0; i < 3; i++) {
            assertThat(running.get("/orders/x").statusCode()).isEqualTo(401);
        }
        // a refusal is counted just after it was sent: close windows until all three are in
        long base = System.currentTimeMillis() + 3000;
        java.util.concurrent.atomic.AtomicInteger k = new java.util.concurrent.atomic.AtomicInteger();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            running.router().telemetry().closeWindow(base + 1000L * k.incrementAndGet());
            long rejected = 0;
            for (TelemetryWindow w : List.copyOf(running.windows())) {
                if (w.route().equals("orders")) {
                    for (BackendStats b : w.backends()) {
                        if (b.backend().equals("-")) {
                            rejected += b.rejections();
                        }
                    }
                }
            }
            assertThat(rejected).isEqualTo(3);
        });
    }
}
