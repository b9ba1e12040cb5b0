package io.headroom.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code Expect: 100-continue} over a raw socket: forwarded without deadlock; refusals answered without the body. */
@Timeout(60)
class ExpectContinueHttpTest {
    private TinyBackend backend;
    private LoopbackRouter running;

    @BeforeEach
    void start() throws Exception {
        backend = new TinyBackend("b");
        String yaml = LoopbackRouter.withAliceKey(backend.address()) + """
                  max-request-body: 1KB
                  routes:
                    - {name: open, path-prefix: /, pool: api}
                    - {name: keyed, path-prefix: /keyed, pool: api, auth: {methods: [api-key]}}
                    - {name: limited, path-prefix: /limited, pool: api, rate-limits: {route: {rate: 1/h, burst: 1}}}
                """;
        running = LoopbackRouter.start("t", yaml);
    }

    @AfterEach
    void stop() throws Exception {
        running.close();
        backend.close();
    }

    /**
     * Reads until the text contains a complete response (head, plus Content-Length body), or the peer closes. Reads a
     * byte at a time, so nothing after that response is consumed: the 100 Continue and the final answer may arrive in
     * one segment, and the final answer is read by the next call.
     */
    private static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            String text = got.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                if (text.startsWith("HTTP/1.1 1")) {
                    return text.substring(0, end + 4); // an interim response
                }
                int cl = text.toLowerCase().indexOf("content-length:");
                if (cl >= 0 && cl < end) {
                    int len = Integer.parseInt(text.substring(cl + 15, text.indexOf("\r\n", cl)).strip());
                    if (got.size() >= end + 4 + len) {
                        return text;
                    }
                }
            }
            int b = in.read();
            if (b < 0) {
                return text;
            }
            got.write(b);
        }
    }

    private static String head(String path, int length, String extra) {
        return "POST " + path + " HTTP/1.1\r\nHost: t\r\nContent-Type: text/plain\r\nContent-Length: " + length
                + "\r\nExpect: 100-continue\r\n" + extra + "\r\n";
    }

    @Test
    void anAcceptedRequestGets100ContinueThenItsBodyIsForwardedWithoutTheExpectation() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), running.port())) {
            s.setSoTimeout(10_000); // a deadlock would show as a timeout here
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            out.write(head("/headers", 5, "").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String interim = readResponse(in);
            assertThat(interim).startsWith("HTTP/1.1 100 Continue\r\n");
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String res = readResponse(in);
            assertThat(res).startsWith("HTTP/1.1 200 ");
            assertThat(res).contains("POST /headers HTTP/1.1").contains("Content-Length: 5");
            assertThat(res.toLowerCase()).doesNotContain("expect:"); // the router consumed the expectation itself
            // and the connection stays usable
            out.write(head("/echo", 3, "").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(readResponse(in)).startsWith("HTTP/1.1 100 Continue\r\n");
            out.write("abc".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String echo = readResponse(in);
            assertThat(echo).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\nabc");
        }
    }

    @Test
    void aClientThatSendsItsBodyWithoutWaitingIsServedToo() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), running.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((head("/echo", 4, "") + "data").getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String first = readResponse(s.getInputStream());
            String res = first.startsWith("HTTP/1.1 100") ? readResponse(s.getInputStream()) : first;
            assertThat(res).startsWith("HTTP/1.1 200 ").endsWith("\r\n\r\ndata");
        }
    }

    /** Sends only the head with the expectation and returns the answer, read without ever sending the body. */
    private String refusedWithoutBody(String path, int length, String extra) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), running.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(head(path, length, extra).getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            String res = readResponse(s.getInputStream());
            // after a final answer to a request whose body it never asked for, the router must not wait for that body:
            // it closes the connection (the client cannot know whether the body bytes would be read as a next request)
            s.setSoTimeout(5_000);
            boolean closed;
            try {
                closed = s.getInputStream().read() < 0;
            } catch (SocketTimeoutException e) {
                closed = false;
            } catch (SocketException e) {
                closed = true;
            }
            return res + (closed ? "\n[closed]" : "\n[open]");
        }
    }

    @Test
    void anUnauthenticatedRequestIsRefusedWithoutReadingItsBody() throws Exception {
        int before = backend.requests.get();
        String res = refusedWithoutBody("/keyed/x", 100, "");
        assertThat(res).startsWith("HTTP/1.1 401 ").doesNotContain("100 Continue").endsWith("[closed]");
        assertThat(backend.requests.get()).isEqualTo(before);
    }

    @Test
    void aRateLimitedRequestIsRefusedWithoutReadingItsBody() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), running.port())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write((head("/limited/a", 2, "") ).getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 100 Continue");
            s.getOutputStream().write("ok".getBytes(StandardCharsets.ISO_8859_1));
            assertThat(readResponse(s.getInputStream())).startsWith("HTTP/1.1 200 ");
        }
        String res = refusedWithoutBody("/limited/b", 100, "");
        assertThat(res).startsWith("HTTP/1.1 429 ").contains("Retry-After").doesNotContain("100 Continue").endsWith("[closed]");
    }

    @Test
    void anOversizedBodyIsRefusedWith413WithoutReadingIt() throws Exception {
        String res = refusedWithoutBody("/echo", 1_000_000, "");
        assertThat(res).startsWith("HTTP/1.1 413 ").doesNotContain("100 Continue").endsWith("[closed]");
    }
}
