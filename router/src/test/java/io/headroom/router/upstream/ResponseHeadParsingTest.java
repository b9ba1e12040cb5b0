package io.headroom.router.upstream;

import io.headroom.router.config.HostPort;
import io.headroom.time.ManualTicker;
import io.helidon.http.HeaderNames;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The upstream codec's response-head parser over a real loopback socket: several heads on one connection (so the
 * per-connection {@link HeadCache} is hit), names that collide in the cache, long names and values, and the
 * validation that lets the router's server skip validating response headers again.
 */
class ResponseHeadParsingTest {
    private ServerSocket server;
    private Socket upstreamSide;
    private UpstreamConnection conn;
    private OutputStream out;

    @BeforeEach
    void connect() throws IOException {
        server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Watchdog watchdog = new Watchdog(new ManualTicker(), 1);
        BackendSet set = new BackendSet(new ConnectionPool.Settings(1_000_000_000L, 1_000_000_000L, 1), watchdog);
        Backend backend = set.get(new HostPort("127.0.0.1", server.getLocalPort()));
        conn = backend.connections().open(1_000_000_000L);
        upstreamSide = server.accept();
        out = upstreamSide.getOutputStream();
    }

    @AfterEach
    void close() throws IOException {
        conn.close();
        upstreamSide.close();
        server.close();
    }

    private void send(String s) throws IOException {
        out.write(s.getBytes(StandardCharsets.ISO_8859_1));
        out.flush();
    }

    private static List<String> headers(ResponseHead h) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < h.headerCount(); i++) {
            out.add(h.name(i) + "=" + h.value(i));
            assertThat(h.headerName(i).defaultCase()).isEqualToIgnoringCase(h.name(i)); // Helidon's case for names it knows
            assertThat(h.headerName(i).lowerCase()).isEqualTo(h.name(i).toLowerCase(java.util.Locale.ROOT));
        }
        return out;
    }

    @Test
    void repeatedHeadsParseTheSameAndChangedValuesAreSeen() throws IOException {
        String longValue = "v".repeat(HeadCache.MAX_CACHED + 5);
        String longName = "X-" + "n".repeat(HeadCache.MAX_CACHED + 5);
        for (int round = 0; round < 3; round++) {
            send("HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Length: 2\r\nX-Round: " + round + "\r\nX-Long: " + longValue
                    + "\r\n" + longName + ": x\r\nConnection: keep-alive\r\nX-Empty:\r\n\r\nok");
            ResponseHead h = conn.readHead();
            assertThat(h.status()).isEqualTo(200);
            assertThat(h.reason()).isEqualTo("OK");
            assertThat(h.contentLength()).isEqualTo(2);
            assertThat(h.hasRetryAfter()).isFalse();
            assertThat(headers(h)).containsExactly("Server=nginx", "Content-Length=2", "X-Round=" + round, "X-Long=" + longValue,
                    longName + "=x", "Connection=keep-alive", "X-Empty=");
            assertThat(h.headerName(1)).isSameAs(HeaderNames.CONTENT_LENGTH);
            conn.transferBody(h, OutputStream.nullOutputStream());
        }
        send("HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nserver: other\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        ResponseHead h = conn.readHead();
        assertThat(h.status()).isEqualTo(503);
        assertThat(h.reason()).isEqualTo("Service Unavailable");
        assertThat(h.hasRetryAfter()).isTrue();
        assertThat(headers(h)).containsExactly("Retry-After=1", "server=other", "Content-Length=0", "Connection=close");
        assertThat(conn.reusableAfter(h, true)).isFalse();
    }

    @Test
    void manyNamesThatShareCacheSlotsStayDistinct() throws IOException {
        StringBuilder head = new StringBuilder("HTTP/1.1 204 No Content\r\n");
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 3 * HeadCache.SLOTS; i++) {
            head.append("X-H").append(i).append(": v").append(i).append("\r\n");
            expected.add("X-H" + i + "=v" + i);
        }
        head.append("\r\n");
        for (int round = 0; round < 2; round++) {
            send(head.toString());
            assertThat(headers(conn.readHead())).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void aBackendsUsualNamesAndRepeatedValuesAreCachedAcrossResponses() throws IOException {
        // nginx's head: with one cache slot per hash, Date and Content-Type evicted each other on every response
        List<ResponseHead> heads = new ArrayList<>();
        List<Object> first = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            send("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 29 Nov 2026 07:45:2" + round
                    + " GMT\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\nX-Backend: b1\r\n\r\nok");
            ResponseHead h = conn.readHead();
            heads.add(h);
            assertThat(headers(h)).containsExactly("Server=nginx/1.22.1", "Date=Sun, 29 Nov 2026 07:45:2" + round + " GMT",
                    "Content-Type=text/plain", "Content-Length=2", "Connection=keep-alive", "X-Backend=b1");
            for (int i = 0; i < h.headerCount(); i++) {
                // a cached value comes as an immutable header with the same name and value
                assertThat(h.header(i)).isNotNull();
                assertThat(h.header(i).headerName()).isSameAs(h.headerName(i));
                assertThat(h.header(i).get()).isEqualTo(h.value(i));
                assertThat(h.header(i)).isNotInstanceOf(io.helidon.http.HeaderWriteable.class);
            }
            if (round == 0) {
                for (int i = 0; i < h.headerCount(); i++) {
                    first.add(h.headerName(i));
                    first.add(h.header(i));
                }
            } else {
                for (int i = 0; i < h.headerCount(); i++) {
                    // every name is the same object as in the first response: none was decoded again
                    assertThat(h.headerName(i)).isSameAs(first.get(2 * i));
                    // and every unchanged value is the very same header; the Date that changed is a new one
                    if (i == 1) {
                        assertThat(h.header(i)).isNotSameAs(first.get(2 * i + 1));
                    } else {
                        assertThat(h.header(i)).isSameAs(first.get(2 * i + 1));
                    }
                }
            }
            conn.transferBody(h, OutputStream.nullOutputStream());
        }
    }

    @Test
    void aControlCharacterInAValueIsABadResponse() throws IOException {
        send("HTTP/1.1 200 OK\r\nX-Ok: fine\r\nContent-Length: 0\r\n\r\n");
        conn.readHead();
        send("HTTP/1.1 200 OK\r\nX-Ok: fi\u0001ne\r\nContent-Length: 0\r\n\r\n");
        assertThatThrownBy(conn::readHead).isInstanceOf(UpstreamConnection.BadResponseException.class)
                .hasMessageContaining("control character");
    }

    @Test
    void aBareCarriageReturnInAValueIsABadResponse() throws IOException {
        send("HTTP/1.1 200 OK\r\nX-Split: a\rSet-Cookie: x=1\r\nContent-Length: 0\r\n\r\n");
        assertThatThrownBy(conn::readHead).isInstanceOf(UpstreamConnection.BadResponseException.class)
                .hasMessageContaining("control character");
    }

    @Test
    void aNameThatIsNotATokenIsABadResponse() throws IOException {
        send("HTTP/1.1 200 OK\r\nX Bad: v\r\nContent-Length: 0\r\n\r\n");
        assertThatThrownBy(conn::readHead).isInstanceOf(UpstreamConnection.BadResponseException.class)
                .hasMessageContaining("bad header name");
    }

    @Test
    void anObsFoldIsABadResponse() throws IOException {
        send("HTTP/1.1 200 OK\r\nX-A: one\r\n two: folded\r\nContent-Length: 0\r\n\r\n");
        assertThatThrownBy(conn::readHead).isInstanceOf(UpstreamConnection.BadResponseException.class)
                .hasMessageContaining("bad header name");
    }

    @Test
    void whitespaceBeforeTheColonIsABadResponse() throws IOException {
        send("HTTP/1.1 200 OK\r\nX-A : one\r\nContent-Length: 0\r\n\r\n");
        assertThatThrownBy(conn::readHead).isInstanceOf(UpstreamConnection.BadResponseException.class)
                .hasMessageContaining("whitespace before colon");
    }

    @Test
    void tabsAndSpacesAroundAValueAreTrimmedAndInsideKept() throws IOException {
        send("HTTP/1.0 200 OK\r\nX-A: \t a \t b \t\r\nContent-Length: 0\r\n\r\n");
        ResponseHead h = conn.readHead();
        assertThat(headers(h)).containsExactly("X-A=a \t b", "Content-Length=0");
        assertThat(conn.reusableAfter(h, true)).isFalse(); // HTTP/1.0 without keep-alive
    }

    // ---- a head that repeats the last one byte for byte (UpstreamConnection.readHead's shortcut) ----------------------

    private static final String NGINX_HEAD = "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sun, 29 Nov 2026 07:45:20 GMT\r\n"
            + "Content-Type: text/plain\r\nContent-Length: 2\r\nConnection: keep-alive\r\nX-Backend: b1\r\n\r\n";

    /** What a parse says, in full, to compare a repeated head's answer with a fresh parse's. */
    private static String summary(ResponseHead h, UpstreamConnection c) {
        return h.status() + " " + h.reason() + " len=" + h.contentLength() + " chunked=" + h.chunked() + " retryAfter="
                + h.hasRetryAfter() + " reusable=" + c.reusableAfter(h, true) + " hopToken=" + h.isConnectionToken("x-hop")
                + " " + headers(h);
    }

    @Test
    void aRepeatedHeadAnswersAsItsFirstParseAndTheBodyAfterItIsIntact() throws IOException {
        String first = null;
        for (int round = 0; round < 4; round++) {
            send(NGINX_HEAD + "ok");
            ResponseHead h = conn.readHead();
            String now = summary(h, conn);
            if (first == null) {
                first = now;
            }
            assertThat(now).isEqualTo(first);
            assertThat(new String(conn.readBody(2), StandardCharsets.ISO_8859_1)).isEqualTo("ok");
        }
        assertThat(conn.repeatedHeads()).isEqualTo(3);
        assertThat(first).isEqualTo("200 OK len=2 chunked=false retryAfter=false reusable=true hopToken=false "
                + "[Server=nginx/1.22.1, Date=Sun, 29 Nov 2026 07:45:20 GMT, Content-Type=text/plain, Content-Length=2, "
                + "Connection=keep-alive, X-Backend=b1]");
    }

    @Test
    void aHeadThatDiffersFromTheLastInOneByteIsParsedAgain() throws IOException {
        send(NGINX_HEAD + "ok");
        conn.readBody((int) conn.readHead().contentLength());
        // the same length, one byte changed: a new Date, then a Content-Length that changes the framing
        send(NGINX_HEAD.replace(":20 GMT", ":21 GMT") + "ok");
        ResponseHead h = conn.readHead();
        assertThat(conn.repeatedHeads()).isZero();
        assertThat(headers(h)).contains("Date=Sun, 29 Nov 2026 07:45:21 GMT");
        conn.readBody(2);
        send(NGINX_HEAD.replace(":20 GMT", ":21 GMT").replace("Length: 2", "Length: 3") + "abc");
        h = conn.readHead();
        assertThat(h.contentLength()).isEqualTo(3);
        assertThat(new String(conn.readBody(3), StandardCharsets.ISO_8859_1)).isEqualTo("abc");
        // and a repeat whose first bytes match but that goes on differently is validated as any head
        send(NGINX_HEAD.replace(":20 GMT", ":21 GMT").replace("Length: 2", "Length: 3").replace("X-Backend: b1", "X-Backend: b\u0001") + "abc");
        assertThatThrownBy(conn::readHead).isInstanceOf(UpstreamConnection.BadResponseException.class)
                .hasMessageContaining("control character");
        assertThat(conn.repeatedHeads()).isZero();
    }

    @Test
    void aRepeatedHeadThatArrivesInPiecesIsParsedFromThePieces() throws IOException {
        send(NGINX_HEAD + "ok");
        conn.readBody((int) conn.readHead().contentLength());
        // the head's first half alone, then the rest: fewer bytes than the last head at first, so a full parse
        Thread writer = Thread.ofVirtual().start(() -> {
            try {
                send(NGINX_HEAD.substring(0, 40));
                Thread.sleep(50); // not a timing assertion: either order of arrival must parse the same
                send(NGINX_HEAD.substring(40) + "ok");
            } catch (IOException | InterruptedException e) {
                throw new RuntimeException(e);
            }
        });
        ResponseHead h = conn.readHead();
        assertThat(headers(h)).first().isEqualTo("Server=nginx/1.22.1");
        assertThat(h.contentLength()).isEqualTo(2);
        assertThat(new String(conn.readBody(2), StandardCharsets.ISO_8859_1)).isEqualTo("ok");
        try {
            writer.join();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        send(NGINX_HEAD + "ok");
        assertThat(headers(conn.readHead())).hasSize(6);
        assertThat(new String(conn.readBody(2), StandardCharsets.ISO_8859_1)).isEqualTo("ok");
        assertThat(conn.repeatedHeads()).isBetween(1, 2); // the last one at least (the pieces one too if they came together)
    }

    @Test
    void aHeadAfterAnInterimResponseIsNotTakenForARepeat() throws IOException {
        send("HTTP/1.1 100 Continue\r\n\r\n" + NGINX_HEAD + "ok");
        ResponseHead h = conn.readHead();
        assertThat(h.status()).isEqualTo(200);
        conn.readBody(2);
        // the final head alone now: parsed (not remembered after the 100), then repeated
        for (int round = 0; round < 2; round++) {
            send(NGINX_HEAD + "ok");
            h = conn.readHead();
            assertThat(h.status()).isEqualTo(200);
            assertThat(headers(h)).hasSize(6);
            conn.readBody(2);
            assertThat(conn.repeatedHeads()).isEqualTo(round);
        }
        // a 100 whose bytes begin like nothing remembered, then the remembered head: still both parsed
        send("HTTP/1.1 100 Continue\r\n\r\n" + NGINX_HEAD + "ok");
        h = conn.readHead();
        assertThat(h.status()).isEqualTo(200);
        assertThat(new String(conn.readBody(2), StandardCharsets.ISO_8859_1)).isEqualTo("ok");
    }

    @Test
    void twoHeadsInOneReadAreEachAnsweredInTurn() throws IOException {
        send(NGINX_HEAD + "ok");
        conn.readBody((int) conn.readHead().contentLength());
        // pipelined by the backend's one write: the repeat, then a different head, in the buffer together
        send(NGINX_HEAD + "ok" + "HTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n\r\nx" + NGINX_HEAD + "ok");
        assertThat(conn.readHead().status()).isEqualTo(200);
        assertThat(new String(conn.readBody(2), StandardCharsets.ISO_8859_1)).isEqualTo("ok");
        ResponseHead h = conn.readHead();
        assertThat(h.status()).isEqualTo(404);
        assertThat(headers(h)).containsExactly("Content-Length=1");
        assertThat(new String(conn.readBody(1), StandardCharsets.ISO_8859_1)).isEqualTo("x");
        h = conn.readHead();
        assertThat(h.status()).isEqualTo(200);
        assertThat(headers(h)).hasSize(6);
        assertThat(new String(conn.readBody(2), StandardCharsets.ISO_8859_1)).isEqualTo("ok");
        assertThat(conn.repeatedHeads()).isEqualTo(1); // the first of the three; the last one followed the 404
    }

    @Test
    void aClosedConnectionIsStillAStaleOneAfterRepeats() throws IOException {
        send(NGINX_HEAD + "ok");
        conn.readBody((int) conn.readHead().contentLength());
        upstreamSide.shutdownOutput();
        assertThatThrownBy(conn::readHead).isInstanceOf(java.io.EOFException.class);
    }
}
