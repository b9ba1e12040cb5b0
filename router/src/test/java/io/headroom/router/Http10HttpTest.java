package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.0 clients, with raw sockets: answered in HTTP/1.0 (status line, no chunked body, no 1xx), one request per
 * connection, the connection closed after the answer (a body of unknown length is delimited by that close).
 */
@Timeout(60)
class Http10HttpTest {
    private TinyBackend backend;
    private Router router;
    private int port;

    @BeforeEach
    void start() throws Exception {
        backend = new TinyBackend("b1");
        router = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                  routes:
                    - {name: open, path-prefix: /, pool: api}
                """.formatted(backend.address()))), "t", TelemetrySink.DISCARD, Clock.systemUTC());
        port = router.start();
    }

    @AfterEach
    void stop() throws Exception {
        router.close();
        backend.close();
    }

    /** Sends {@code request} and reads everything up to the end of the stream (the router closes after its answer). */
    private byte[] exchange(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000); // generous: a connection left open fails the test here instead of hanging
            s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            try {
                return in.readAllBytes();
            } catch (SocketException reset) {
                throw new AssertionError("connection reset instead of an answer", reset);
            }
        }
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.ISO_8859_1);
    }

    private static String head(String response) {
        return response.substring(0, response.indexOf("\r\n\r\n") + 2);
    }

    private static String body(byte[] response) {
        String t = text(response);
        return t.substring(t.indexOf("\r\n\r\n") + 4);
    }

    @Test
    void aGetIsAnsweredInHttp10AndTheConnectionCloses() throws Exception {
        String res = text(exchange("GET /who HTTP/1.0\r\nHost: t\r\n\r\n"));
        assertThat(res).startsWith("HTTP/1.0 200 OK\r\n");
        assertThat(head(res)).containsIgnoringCase("\r\nConnection: close\r\n").doesNotContainIgnoringCase("transfer-encoding");
        assertThat(body(res.getBytes(StandardCharsets.ISO_8859_1))).isEqualTo("b1");
    }

    @Test
    void withoutHostTheListenersAddressIsTheHostAndTheBackendGetsHttp11() throws Exception {
        String res = text(exchange("GET /headers HTTP/1.0\r\nUser-Agent: old\r\n\r\n"));
        assertThat(res).startsWith("HTTP/1.0 200 OK\r\n");
        assertThat(res).contains("GET /headers HTTP/1.1").contains("Host: 127.0.0.1:" + port).contains("User-Agent: old")
                .contains("X-Forwarded-For: 127.0.0.1");
    }

    @Test
    void keepAliveIsAnsweredWithClose() throws Exception {
        String res = text(exchange("GET /who HTTP/1.0\r\nHost: t\r\nConnection: keep-alive\r\n\r\nGET /who HTTP/1.0\r\nHost: t\r\n\r\n"));
        assertThat(res).startsWith("HTTP/1.0 200 OK\r\n");
        assertThat(head(res)).containsIgnoringCase("\r\nConnection: close\r\n").doesNotContainIgnoringCase("keep-alive");
        assertThat(res.split("HTTP/1\\.0 ", -1)).hasSize(2); // one answer: the second request is not read
    }

    @Test
    void aChunkedAnswerReachesTheClientDelimitedByTheClose() throws Exception {
        byte[] res = exchange("GET /big?n=100000 HTTP/1.0\r\nHost: t\r\n\r\n");
        String t = text(res);
        assertThat(t).startsWith("HTTP/1.0 200 OK\r\n");
        assertThat(head(t)).doesNotContainIgnoringCase("transfer-encoding").doesNotContainIgnoringCase("content-length");
        byte[] body = Arrays.copyOfRange(res, t.indexOf("\r\n\r\n") + 4, res.length);
        assertThat(body).hasSize(100_000);
        for (int i = 0; i < body.length; i++) {
            if (body[i] != (byte) (i % 251)) {
                throw new AssertionError("byte " + i + " is " + body[i]);
            }
        }
    }

    @Test
    void aPostWithContentLengthIsForwarded() throws Exception {
        String res = text(exchange("POST /echo HTTP/1.0\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"));
        assertThat(res).startsWith("HTTP/1.0 200 OK\r\n").endsWith("\r\n\r\nhello");
    }

    @Test
    void expectContinueGetsNoInterimAnswer() throws Exception {
        String res = text(exchange("POST /echo HTTP/1.0\r\nHost: t\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\nabc"));
        assertThat(res).startsWith("HTTP/1.0 200 OK\r\n").doesNotContain("100 Continue").endsWith("\r\n\r\nabc");
    }

    @Test
    void aHeadRequestGetsTheHeadOnly() throws Exception {
        String res = text(exchange("HEAD /big?n=5000 HTTP/1.0\r\nHost: t\r\n\r\n"));
        assertThat(res).startsWith("HTTP/1.0 200 OK\r\n").endsWith("\r\n\r\n").doesNotContainIgnoringCase("transfer-encoding");
    }

    @Test
    void transferEncodingInAnHttp10RequestIsFaultyFraming() throws Exception {
        String res = text(exchange("POST /echo HTTP/1.0\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
        assertThat(res).startsWith("HTTP/1.0 400 Bad Request\r\n").contains("ambiguous_framing");
        assertThat(backend.requests.get()).isZero();
    }

    @Test
    void overTlsWithAlpnHttp10OrWithoutAlpn(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        SelfSignedCert cert = SelfSignedCert.generate(dir);
        try (Router tls = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", """
                router:
                  listen: 127.0.0.1:0
                  tls: {certificate: %s, key: %s}
                  pools:
                    api: {backends: [%s]}
                  routes:
                    - {name: open, path-prefix: /, pool: api}
                """.formatted(cert.certPem(), cert.keyPem(), backend.address()))), "t", TelemetrySink.DISCARD, Clock.systemUTC())) {
            int tlsPort = tls.start();
            javax.net.ssl.TrustManagerFactory tmf = javax.net.ssl.TrustManagerFactory.getInstance(
                    javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(cert.trust());
            javax.net.ssl.SSLContext ssl = javax.net.ssl.SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            for (String[] alpn : new String[][]{{"http/1.0"}, {}}) {
                try (javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", tlsPort)) {
                    s.setSoTimeout(20_000);
                    javax.net.ssl.SSLParameters p = s.getSSLParameters();
                    p.setApplicationProtocols(alpn); // curl --http1.0 offers http/1.0 alone
                    s.setSSLParameters(p);
                    s.startHandshake();
                    s.getOutputStream().write("GET /who HTTP/1.0\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    s.getOutputStream().flush();
                    String res = text(s.getInputStream().readAllBytes());
                    assertThat(res).as("ALPN %s", Arrays.toString(alpn)).startsWith("HTTP/1.0 200 OK\r\n").endsWith("\r\n\r\nb1");
                }
            }
        }
    }

    @Test
    void routerErrorsAreHttp10Too() throws Exception {
        String res = text(exchange("GET /a/%2e%2e%5c HTTP/1.0\r\nHost: t\r\n\r\n"));
        assertThat(res).startsWith("HTTP/1.0 400 ");
        // and HTTP/1.1 on the same listener is as before
        String ok = text(exchange("GET /who HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"));
        assertThat(ok).startsWith("HTTP/1.1 200 OK\r\n");
    }
}
