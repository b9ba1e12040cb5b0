package io.headroom.router;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.config.Forwarding;
import io.headroom.router.config.RouterConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code router.forwarding}: what a member sees of the client's X-Forwarded-* and Forwarded headers under
 * {@code replace} and {@code off}, on the lane (a bodiless GET) and on Helidon's path (a POST with a body), over real
 * sockets. {@code append}, the default, is {@link RouterHttpTest}'s and {@link LaneHttpTest}'s.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ForwardingHttpTest {
    private static final String SPOOFED = "X-Forwarded-For: 10.1.1.1\r\nX-Forwarded-Proto: https\r\n"
            + "X-Forwarded-Host: spoofed.test\r\nForwarded: for=10.9.9.9\r\n";
    private TinyBackend backend;
    private LoopbackRouter replace;
    private LoopbackRouter off;

    @BeforeAll
    void start() throws IOException {
        backend = new TinyBackend("b1");
        replace = LoopbackRouter.start("fwd-replace", config("replace"));
        off = LoopbackRouter.start("fwd-off", config("off"));
    }

    private String config(String mode) {
        return """
                router:
                  listen: 127.0.0.1:0
                  forwarding: %s
                  pools:
                    api: {backends: [%s]}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """.formatted(mode, backend.address());
    }

    @AfterAll
    void stop() throws IOException {
        replace.close();
        off.close();
        backend.close();
    }

    @Test
    void replaceDropsWhatTheClientSentAndWritesThisHopOnlyOnBothPaths() throws Exception {
        for (String request : new String[]{get(SPOOFED), post(SPOOFED)}) {
            String seen = seenByBackend(replace, request);
            assertThat(seen).contains("x-forwarded-for: 127.0.0.1\n", "x-forwarded-proto: http\n",
                    "x-forwarded-host: example.test\n", "forwarded: for=127.0.0.1;proto=http;host=\"example.test\"\n");
            assertThat(seen).doesNotContain("10.1.1.1", "10.9.9.9", "spoofed.test", "https");
        }
    }

    @Test
    void offPassesTheClientsOwnUnchangedAndAddsNoneOnBothPaths() throws Exception {
        for (String request : new String[]{get(SPOOFED), post(SPOOFED)}) {
            String seen = seenByBackend(off, request);
            assertThat(seen).contains("x-forwarded-for: 10.1.1.1\n", "x-forwarded-proto: https\n",
                    "x-forwarded-host: spoofed.test\n", "forwarded: for=10.9.9.9\n");
            assertThat(seen).doesNotContain("127.0.0.1");
        }
        for (String request : new String[]{get(""), post("")}) {
            assertThat(seenByBackend(off, request)).doesNotContain("x-forwarded", "forwarded:");
        }
    }

    @Test
    void aWebSocketUpgradeFollowsTheModeToo() throws Exception {
        for (LoopbackRouter router : new LoopbackRouter[]{replace, off}) {
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), router.port())) {
                s.setSoTimeout(10_000);
                OutputStream out = s.getOutputStream();
                out.write(("GET /ws/x HTTP/1.1\r\nHost: example.test\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" + SPOOFED + "\r\n")
                        .getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
                byte[] first = new byte[12];
                assertThat(s.getInputStream().readNBytes(first, 0, 12)).isEqualTo(12);
                String status = new String(first, StandardCharsets.ISO_8859_1);
                if (!status.equals("HTTP/1.1 101")) {
                    byte[] more = new byte[400];
                    int n = s.getInputStream().read(more);
                    status += new String(more, 0, Math.max(n, 0), StandardCharsets.ISO_8859_1);
                }
                assertThat(status).as(router == replace ? "replace" : "off").startsWith("HTTP/1.1 101");
            }
            String head = backend.lastUpgradeHead.toLowerCase();
            if (router == replace) {
                assertThat(head).contains("x-forwarded-for: 127.0.0.1\n", "x-forwarded-proto: http\n",
                        "x-forwarded-host: example.test\n", "forwarded: for=127.0.0.1;proto=http;host=\"example.test\"\n");
                assertThat(head).doesNotContain("10.1.1.1", "10.9.9.9", "spoofed.test", "https");
            } else {
                assertThat(head).contains("x-forwarded-for: 10.1.1.1\n", "x-forwarded-proto: https\n",
                        "x-forwarded-host: spoofed.test\n", "forwarded: for=10.9.9.9\n");
                assertThat(head).doesNotContain("127.0.0.1");
            }
        }
    }

    @Test
    void offStillDropsAForwardingHeaderTheClientNamedInConnection() throws Exception {
        String seen = seenByBackend(off, "GET /headers HTTP/1.1\r\nHost: example.test\r\nConnection: X-Forwarded-For\r\n"
                + SPOOFED + "\r\n");
        assertThat(seen).doesNotContain("10.1.1.1").contains("x-forwarded-proto: https\n");
    }

    @Test
    void theModeIsReadFromTheConfigurationAndABadOneIsRefusedWithItsLine() {
        String base = """
                router:
                  pools:
                    api: {backends: [127.0.0.1:9001]}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """;
        assertThat(RouterConfig.from(ConfigNode.parse("gw.yaml", base)).forwarding()).isEqualTo(Forwarding.APPEND);
        assertThat(RouterConfig.from(ConfigNode.parse("gw.yaml", base + "  forwarding: Replace\n")).forwarding())
                .isEqualTo(Forwarding.REPLACE);
        assertThat(RouterConfig.from(ConfigNode.parse("gw.yaml", base + "  forwarding: off\n")).forwarding())
                .isEqualTo(Forwarding.OFF);
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("gw.yaml", base + "  forwarding: trusted\n")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("gw.yaml:6")
                .hasMessageContaining("'trusted' is not a forwarding mode")
                .hasMessageContaining("append");
    }

    private static String get(String extra) {
        return "GET /headers HTTP/1.1\r\nHost: example.test\r\n" + extra + "\r\n";
    }

    private static String post(String extra) {
        return "POST /headers HTTP/1.1\r\nHost: example.test\r\nContent-Length: 5\r\n" + extra + "\r\nhello";
    }

    /** The request head the backend received (its /headers answer), lower case, for one request on a new connection. */
    private static String seenByBackend(LoopbackRouter router, String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), router.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String response = RouterHttpTest.readResponse(s.getInputStream());
            assertThat(response).startsWith("HTTP/1.1 200");
            return response.substring(response.indexOf("\r\n\r\n") + 4).toLowerCase();
        }
    }
}
