package io.headroom.router;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.auth.ApiKeyStore;
import io.headroom.router.config.RejectedConfig;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.transform.HeaderTransform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Header transformation and identity headers over real HTTP on 127.0.0.1, mirrored copies included. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class TransformHttpTest {
    private TinyBackend backend;
    private Recorder shadow;
    private LoopbackRouter running;

    /** A backend that records each request head (lower-cased) and answers 204. */
    static final class Recorder implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final LinkedBlockingQueue<String> heads = new LinkedBlockingQueue<>();

        Recorder() throws IOException {
            Thread.ofVirtual().start(() -> {
                while (!server.isClosed()) {
                    try {
                        Socket s = server.accept();
                        Thread.ofVirtual().start(() -> serve(s));
                    } catch (IOException e) {
                        return;
                    }
                }
            });
        }

        private void serve(Socket s) {
            try (s; BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1))) {
                OutputStream out = s.getOutputStream();
                while (true) {
                    StringBuilder head = new StringBuilder();
                    String line;
                    while ((line = in.readLine()) != null && !line.isEmpty()) {
                        head.append(line).append('\n');
                    }
                    if (line == null) {
                        return;
                    }
                    heads.add(head.toString());
                    out.write("HTTP/1.1 204 No Content\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                }
            } catch (IOException e) {
                // connection ended
            }
        }

        String address() {
            return "127.0.0.1:" + server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            server.close();
        }
    }

    @BeforeAll
    void start() throws Exception {
        backend = new TinyBackend("b");
        shadow = new Recorder();
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                    shadow: {backends: [%s]}
                  auth:
                    api-keys: {keys: [{consumer: mobile, sha256: %s, scopes: [orders:write, orders:read]}]}
                    identity-headers: {consumer: X-Consumer-Id, scopes: X-Consumer-Scopes, method: X-Auth-Method}
                  routes:
                    - name: orders
                      path-prefix: /orders
                      rewrite: {strip-prefix: true}
                      pool: api
                      auth: {methods: [api-key]}
                      mirror: {pool: shadow, percent: 100}
                      transform:
                        request:
                          set: {X-Gateway: headroom}
                          remove: [X-Debug]
                          rename: {X-Old: X-New}
                        response:
                          set: {X-Frame-Options: DENY, X-Trace-Id: from-the-route}
                          remove: [Set-Cookie]
                          rename: {X-End-To-End: X-Backend-Flag}
                    - {name: open, path-prefix: /open, rewrite: {strip-prefix: true}, pool: api}
                """.formatted(backend.address(), shadow.address(), ApiKeyStore.hashHex("mobile-key"));
        running = LoopbackRouter.start("tr-1", yaml);
    }

    @AfterAll
    void stop() throws Exception {
        running.close();
        backend.close();
        shadow.close();
    }

    @Test
    void requestHeadersAreChangedAndTheIdentityCannotBeSpoofed() throws Exception {
        HttpResponse<String> r = running.get("/orders/headers", "X-Api-Key", "mobile-key", "X-Gateway", "evil", "X-Debug", "1",
                "X-Old", "moved", "X-New", "client-copy", "X-Consumer-Id", "admin", "X-Auth-Method", "forged", "X-Kept", "yes");
        assertThat(r.statusCode()).isEqualTo(200);
        String head = r.body().toLowerCase(java.util.Locale.ROOT);
        assertThat(head).contains("x-gateway: headroom").doesNotContain("evil")
                .doesNotContain("x-debug")
                .contains("x-new: moved").doesNotContain("x-old").doesNotContain("client-copy")
                .contains("x-consumer-id: mobile\n").doesNotContain("admin")
                .contains("x-consumer-scopes: orders:read orders:write\n")
                .contains("x-auth-method: api-key\n").doesNotContain("forged")
                .contains("x-kept: yes")
                .doesNotContain("x-api-key").doesNotContain("mobile-key");
        // response: removed, renamed and set
        assertThat(r.headers().allValues("set-cookie")).isEmpty();
        assertThat(r.headers().firstValue("x-backend-flag")).hasValue("yes");
        assertThat(r.headers().firstValue("x-end-to-end")).isEmpty();
        assertThat(r.headers().firstValue("x-frame-options")).hasValue("DENY");
        // the trace id header is the router's own, whatever the route sets
        assertThat(r.headers().allValues("x-trace-id")).singleElement().satisfies(v -> assertThat(v).matches("[0-9a-f]{32}"));
        // the mirrored copy got the same treatment
        String copy = shadow.heads.poll(20, TimeUnit.SECONDS);
        assertThat(copy).isNotNull();
        copy = copy.toLowerCase(java.util.Locale.ROOT);
        assertThat(copy).contains("x-consumer-id: mobile\n").contains("x-gateway: headroom").contains("x-new: moved")
                .doesNotContain("admin").doesNotContain("x-api-key").doesNotContain("mobile-key").doesNotContain("x-debug");
    }

    @Test
    void openRoutesDropClaimedIdentitiesToo() throws Exception {
        HttpResponse<String> r = running.get("/open/headers", "X-Consumer-Id", "admin", "X-Consumer-Scopes", "everything", "X-Debug", "1",
                "Authorization", "Bearer passes-through");
        String head = r.body().toLowerCase(java.util.Locale.ROOT);
        assertThat(head).doesNotContain("x-consumer-id").doesNotContain("x-consumer-scopes").doesNotContain("admin")
                .contains("x-debug: 1")                                   // the orders route's transform is not this route's
                .contains("authorization: bearer passes-through");     // an open route checks no credentials, so keeps them
        assertThat(r.headers().allValues("set-cookie")).hasSize(2);
    }

    @Test
    void identityValuesCannotBreakTheRequestHead() {
        assertThat(HeaderTransform.headerSafe("alice")).isEqualTo("alice");
        assertThat(HeaderTransform.headerSafe("a\r\nX-Admin: 1")).isEqualTo("a%0D%0AX-Admin: 1");
        assertThat(HeaderTransform.headerSafe("jürgen 100%")).isEqualTo("j%C3%BCrgen 100%25");
    }

    private static void fails(String transform, String... fragments) {
        RejectedConfig.assertRejected(RejectedConfig.POOL_A + """
                  auth:
                    identity-headers: {consumer: X-Consumer-Id}
                  routes:
                    - name: a
                      pool: a
                      transform:
                """ + transform.indent(8), fragments);
    }

    @Test
    void badTransformationsAreRejectedAtTheirLine() {
        fails("request: {set: {Host: x}}", "bad.yaml:10:", "cannot change Host");
        fails("request: {remove: [Content-Length]}", "bad.yaml:10:", "cannot remove 'Content-Length'");
        fails("request: {set: {X-Consumer-Id: root}}", "bad.yaml:10:", "is an identity header");
        fails("request: {rename: {X-A: X-Consumer-Id}}", "bad.yaml:10:", "is an identity header");
        fails("request: {set: {X-A: 1}, remove: [x-a]}", "bad.yaml:10:", "named twice");
        fails("response: {set: {X-A: \"a\\u0001b\"}}", "bad.yaml:10:", "control or non-ASCII");
        fails("request: {add: {X-A: 1}}", "bad.yaml:10:", "unknown key 'add'");
        fails("response: {rename: {X-A: \"bad name\"}}", "bad.yaml:10:", "not a valid header name");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("bad.yaml", """
                router:
                  pools:
                    a: {backends: [127.0.0.1:9001]}
                  auth:
                    identity-headers: {consumer: X-Forwarded-For}
                  routes:
                    - {name: a, pool: a}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("bad.yaml:5:").hasMessageContaining("cannot carry the identity");
    }
}
