package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code Connection: close} over raw sockets (RFC 9112 §9.6): whenever the router's answer carries it, the router closes
 * the client connection after that answer; a client that asks for close gets it; otherwise the connection is kept alive,
 * whatever the backend does with its own (hop-by-hop) connection.
 */
@Timeout(60)
class ConnectionCloseHttpTest {
    private TinyBackend backend;
    private ServerSocket closer;
    private Router router;
    private int port;

    @BeforeEach
    void start() throws Exception {
        backend = new TinyBackend("b");
        // a backend that answers every request with Connection: close and then closes its socket
        closer = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!closer.isClosed()) {
                try (Socket s = closer.accept()) {
                    InputStream in = s.getInputStream();
                    ByteArrayOutputStream head = new ByteArrayOutputStream();
                    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
                        int c = in.read();
                        if (c < 0) {
                            break;
                        }
                        head.write(c);
                    }
                    s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\ncloser")
                            .getBytes(StandardCharsets.ISO_8859_1));
                } catch (IOException e) {
                    // next
                }
            }
        });
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                    closing: {backends: ["127.0.0.1:%d"]}
                  routes:
                    - {name: open, path-prefix: /, pool: api}
                    - {name: closing, path-prefix: /closing, pool: closing}
                """.formatted(backend.address(), closer.getLocalPort());
        router = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "t", TelemetrySink.DISCARD, Clock.systemUTC());
        port = router.start();
    }

    @AfterEach
    void stop() throws Exception {
        router.close();
        backend.close();
        closer.close();
    }

    private static boolean carriesClose(String response) {
        String head = response.substring(0, Math.max(0, response.indexOf("\r\n\r\n"))).toLowerCase(Locale.ROOT);
        return head.contains("\r\nconnection: close");
    }

    /** True when the peer ends the stream (or resets) before the socket's read timeout. */
    private static boolean endsStream(Socket s) throws IOException {
        s.setSoTimeout(20_000); // generous: a kept-open connection shows as a timeout here
        try {
            return s.getInputStream().read() < 0;
        } catch (SocketException reset) {
            return true;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        }
    }

    private Socket connect() throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(20_000);
        return s;
    }

    private static void send(Socket s, String request) throws IOException {
        OutputStream out = s.getOutputStream();
        out.write(request.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    @Test
    void aClientAskingForCloseIsAnsweredWithCloseAndTheConnectionEnds() throws Exception {
        try (Socket s = connect()) {
            send(s, "GET /who HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            String res = RawHttp.readResponse(s.getInputStream());
            assertThat(res).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nb");
            assertThat(carriesClose(res)).as("answer carries Connection: close: %s", res).isTrue();
            assertThat(endsStream(s)).as("connection closed after the answer").isTrue();
        }
    }

    @Test
    void aClientAskingForCloseOnARouterErrorGetsCloseToo() throws Exception {
        try (Socket s = connect()) {
            // 400 for a malformed path: the router's own answer
            send(s, "GET /a%2Fb HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            String res = RawHttp.readResponse(s.getInputStream());
            assertThat(res).startsWith("HTTP/1.1 400 ");
            assertThat(carriesClose(res)).isTrue();
            assertThat(endsStream(s)).isTrue();
        }
    }

    @Test
    void aBackendClosingItsConnectionDoesNotCloseTheClientsAndIsNotForwarded() throws Exception {
        try (Socket s = connect()) {
            for (int i = 0; i < 3; i++) {
                send(s, "GET /closing HTTP/1.1\r\nHost: t\r\n\r\n");
                String res = RawHttp.readResponse(s.getInputStream());
                assertThat(res).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\ncloser");
                if (carriesClose(res)) { // were the router to answer with close, it must close
                    assertThat(endsStream(s)).isTrue();
                    return;
                }
            }
        }
    }

    @Test
    void aBackendAnswerWithCloseIsHopByHopSoTheClientStaysKeptAlive() throws Exception {
        try (Socket s = connect()) {
            send(s, "GET /closing HTTP/1.1\r\nHost: t\r\n\r\n");
            String res = RawHttp.readResponse(s.getInputStream());
            assertThat(res).startsWith("HTTP/1.1 200 ");
            assertThat(carriesClose(res)).as("the backend's Connection header is hop-by-hop: %s", res).isFalse();
            send(s, "GET /who HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(RawHttp.readResponse(s.getInputStream())).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nb");
        }
    }

    @Test
    void anAmbiguouslyFramedRequestIsAnsweredWithCloseAndTheConnectionEnds() throws Exception {
        try (Socket s = connect()) {
            send(s, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
            String res = RawHttp.readResponse(s.getInputStream());
            assertThat(res).startsWith("HTTP/1.1 400 ");
            assertThat(carriesClose(res)).isTrue();
            assertThat(endsStream(s)).isTrue();
        }
    }

    @Test
    void aClientAskingForCloseAfterKeptAliveRequestsGetsItOnThatRequest() throws Exception {
        try (Socket s = connect()) {
            send(s, "GET /who HTTP/1.1\r\nHost: t\r\n\r\n");
            assertThat(RawHttp.readResponse(s.getInputStream())).startsWith("HTTP/1.1 200 ");
            send(s, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc");
            String res = RawHttp.readResponse(s.getInputStream());
            assertThat(res).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nabc");
            assertThat(carriesClose(res)).isTrue();
            assertThat(endsStream(s)).isTrue();
        }
    }

    @Test
    void aStreamedAnswerToAClientAskingForCloseEndsTheConnection() throws Exception {
        try (Socket s = connect()) {
            send(s, "GET /big?n=100000 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            s.getInputStream().transferTo(all); // returns only at the end of stream (or fails on the 20 s timeout)
            String text = all.toString(StandardCharsets.ISO_8859_1);
            assertThat(text).startsWith("HTTP/1.1 200 ").endsWith("0\r\n\r\n");
            assertThat(carriesClose(text)).isTrue();
        }
    }

    @Test
    void keepAliveStaysTheDefault() throws Exception {
        try (Socket s = connect()) {
            for (int i = 0; i < 3; i++) {
                send(s, "GET /who HTTP/1.1\r\nHost: t\r\n\r\n");
                String res = RawHttp.readResponse(s.getInputStream());
                assertThat(res).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nb");
                assertThat(carriesClose(res)).isFalse();
            }
        }
    }
}
