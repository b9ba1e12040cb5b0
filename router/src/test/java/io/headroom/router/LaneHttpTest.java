package io.headroom.router;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The router's own HTTP/1.1 lane (docs/router.md, "The lane") against Helidon's codec: the same requests, sent as raw
 * bytes to a router with the lane and to one without ({@code lane: false}), get the same answers, and a connection
 * moves to Helidon at the first request the lane does not take.
 */
class LaneHttpTest {
    private TinyBackend backend;
    private LoopbackRouter lane;
    private LoopbackRouter helidon;

    @BeforeEach
    void start() throws IOException {
        backend = new TinyBackend("b1");
        String yaml = config("");
        lane = LoopbackRouter.start("lane", yaml);
        helidon = LoopbackRouter.start("helidon", yaml + "  lane: false\n");
    }

    /** One pool of the backend and one route to it, with {@code routeExtra} (more of the route's flow mapping). */
    private String config(String routeExtra) {
        return """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [%s]}
                  routes:
                    - {name: api, path-prefix: /, pool: api%s}
                """.formatted(backend.address(), routeExtra);
    }

    @AfterEach
    void stop() throws IOException {
        lane.close();
        helidon.close();
        backend.close();
    }

    /** Several requests in one write (pipelined) on one connection, and every answer read back, in order. */
    private static List<Answer> exchange(int port, String requests, int answers) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(requests.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            List<Answer> got = new ArrayList<>();
            List<Boolean> heads = headRequests(requests);
            for (int i = 0; i < answers; i++) {
                got.add(Answer.read(in, heads.get(i)));
            }
            return got;
        }
    }

    private static List<Boolean> headRequests(String requests) {
        List<Boolean> heads = new ArrayList<>();
        var m = java.util.regex.Pattern.compile("(GET|HEAD|POST) \\S+ HTTP/1\\.[01]\r\n").matcher(requests);
        while (m.find()) {
            heads.add(m.group(1).equals("HEAD"));
        }
        return heads;
    }

    @Test
    void theLaneAnswersAsHelidonDoes() throws IOException {
        String requests = "GET /who HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /headers?x=1&y=%41 HTTP/1.1\r\nHost: example.com:80\r\nX-Forwarded-For: 10.1.1.1\r\nProxy-Authorization: x\r\n"
                + "x-forwarded-for: 10.1.1.2\r\nTrailer: x\r\nKeep-Alive: 5\r\nX-Forwarded-Proto: https\r\n"
                + "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\nAccept: */*\r\n"
                + "Connection: keep-alive\r\nX-Many: 1\r\nx-many: 2\r\n\r\n"
                + "HEAD /who HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /missing HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /big?n=100000 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /trickle?n=3 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /traced HTTP/1.1\r\nHost: a\r\n\r\n";
        List<Answer> viaLane = exchange(lane.port(), requests, 7);
        List<Answer> viaHelidon = exchange(helidon.port(), requests, 7);

        assertThat(lane.router().lane().served()).isEqualTo(7);
        assertThat(lane.router().lane().handedOver()).isZero();
        assertThat(helidon.router().lane()).isNull();
        // on Linux with JDK 22+ (the build's test JVM opens java.base/sun.nio.ch as the launcher does) the lane reads
        // and writes with recv/send; elsewhere it goes the JDK's way, and the answers are the same either way
        boolean nativeExpected = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")
                && Runtime.version().feature() >= 22;
        assertThat(lane.router().lane().nativeSockets()).as(String.valueOf(lane.router().lane().nativeSocketsOff()))
                .isEqualTo(nativeExpected);
        for (int i = 0; i < 7; i++) {
            assertThat(viaLane.get(i).comparable()).as("answer %d", i).isEqualTo(viaHelidon.get(i).comparable());
        }
        assertThat(viaLane.get(0).status).isEqualTo(200);
        assertThat(viaLane.get(0).text()).isEqualTo("b1");
        // the backend saw the request as the router forwards it: forwarding headers, both values of a repeated name
        assertThat(viaLane.get(1).text()).contains("X-Forwarded-For: 10.1.1.1, 10.1.1.2, 127.0.0.1", "X-Forwarded-Proto: http\n", "X-Forwarded-Host: example.com:80",
                "traceparent: 00-0af7651916cd43dd8448eb211c80319c-", "X-Many: 1", "x-many: 2", "GET /headers?x=1&y=%41 HTTP/1.1");
        // a HEAD answer has the length a GET would have, and no body
        assertThat(viaLane.get(2).headers).containsEntry("content-length", "2");
        assertThat(viaLane.get(2).body).isEmpty();
        assertThat(viaLane.get(3).status).isEqualTo(404);
        assertThat(viaLane.get(4).body).hasSize(100_000);
        assertThat(viaLane.get(4).body[99_999]).isEqualTo((byte) (99_999 % 251));
        assertThat(viaLane.get(4).headers).containsEntry("transfer-encoding", "chunked");
        assertThat(viaLane.get(5).text()).isEqualTo("a\nb\nc\n");
        // one trace id, the router's
        assertThat(viaLane.get(6).headers.get("x-trace-id")).matches("[0-9a-f]{32}");
    }

    @Test
    void repeatedAndChangingTargetsAndHostsOnOneConnectionEachReachTheBackendAsSent() throws IOException {
        // the lane keeps the last target and Host of a connection to reuse for a repeat, and an upstream connection the
        // forwarded response lines of a head its backend repeats: each request and answer must still be its own
        String[][] sent = {{"GET", "/headers", "a"}, {"GET", "/headers", "a"}, {"HEAD", "/headers", "a"}, {"GET", "/headers", "a"},
                {"GET", "/headers?q=1", "a"}, {"GET", "/headers", "a"}, {"GET", "/headers/x", "b.test:8080"},
                {"GET", "/headers/x", "a"}, {"GET", "/headerz", "a"}, {"GET", "/" + "h".repeat(300), "a"},
                {"GET", "/" + "h".repeat(300), "a"}, {"GET", "/headers", "c"}, {"GET", "/traced", "a"}, {"GET", "/traced", "a"},
                {"HEAD", "/traced", "a"}, {"GET", "/who", "a"}, {"GET", "/who", "a"}};
        StringBuilder requests = new StringBuilder();
        for (String[] r : sent) {
            requests.append(r[0]).append(' ').append(r[1]).append(" HTTP/1.1\r\nHost: ").append(r[2]).append("\r\n\r\n");
        }
        List<Answer> viaLane = exchange(lane.port(), requests.toString(), sent.length);
        List<Answer> viaHelidon = exchange(helidon.port(), requests.toString(), sent.length);

        assertThat(lane.router().lane().served()).isEqualTo(sent.length);
        for (int i = 0; i < sent.length; i++) {
            assertThat(viaLane.get(i).comparable()).as("answer %d", i).isEqualTo(viaHelidon.get(i).comparable());
            if (sent[i][1].equals("/traced")) {
                // a backend repeating its head has the same forwarded lines written again: never its own trace id
                assertThat(viaLane.get(i).headers.get("x-trace-id")).as("answer %d", i).matches("[0-9a-f]{32}");
            }
            if (sent[i][1].startsWith("/headers") && !sent[i][0].equals("HEAD")) {
                assertThat(viaLane.get(i).text()).as("request %d", i)
                        .startsWith(sent[i][0] + " " + sent[i][1] + " HTTP/1.1\n").contains("X-Forwarded-Host: " + sent[i][2] + "\n");
            }
        }
    }

    @Test
    void underARateLimitTheAnswerCarriesTheRoutersRateLimitHeadersOnlyAsWithoutTheLane() throws IOException {
        String yaml = config(", rate-limits: {route: {rate: 1000/s, burst: 1000}}");
        try (LoopbackRouter limitedLane = LoopbackRouter.start("lane-limited", yaml);
             LoopbackRouter limitedHelidon = LoopbackRouter.start("helidon-limited", yaml + "  lane: false\n")) {
            String requests = "GET /ratelimited HTTP/1.1\r\nHost: a\r\n\r\n".repeat(3);
            List<Answer> viaLane = exchange(limitedLane.port(), requests, 3);
            List<Answer> viaHelidon = exchange(limitedHelidon.port(), requests, 3);
            assertThat(limitedLane.router().lane().served()).isEqualTo(3);
            for (int i = 0; i < 3; i++) {
                for (Answer a : List.of(viaLane.get(i), viaHelidon.get(i))) {
                    // a second RateLimit line would show here merged after a comma, with the backend's value
                    assertThat(a.headers.get("ratelimit")).as("answer %d", i).startsWith("\"route\";r=").doesNotContain("backend", ",");
                    assertThat(a.headers.get("ratelimit-policy")).as("answer %d", i).startsWith("\"route\";q=1000").doesNotContain("backend");
                    assertThat(a.headers.get("x-after")).isEqualTo("kept");
                    assertThat(a.text()).isEqualTo("b1");
                }
            }
        }
    }

    @Test
    void theJdksWayAnswersAsTheNativeWayDoes() throws IOException {
        String requests = "GET /who HTTP/1.1\r\nHost: a\r\n\r\n"
                + "HEAD /who HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /big?n=100000 HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /who HTTP/1.1\r\nHost: a\r\n\r\n";
        LoopbackRouter jdk;
        String before = System.getProperty("headroom.native-socket");
        System.setProperty("headroom.native-socket", "false"); // read when the listener's lane is made
        try {
            jdk = LoopbackRouter.start("jdk", config(""));
        } finally {
            if (before == null) {
                System.clearProperty("headroom.native-socket");
            } else {
                System.setProperty("headroom.native-socket", before);
            }
        }
        try (jdk) {
            assertThat(jdk.router().lane().nativeSockets()).isFalse();
            assertThat(jdk.router().lane().nativeSocketsOff()).contains("headroom.native-socket=false");
            List<Answer> viaJdk = exchange(jdk.port(), requests, 5);
            List<Answer> viaLane = exchange(lane.port(), requests, 5);
            for (int i = 0; i < 5; i++) {
                assertThat(viaJdk.get(i).comparable()).as("answer %d", i).isEqualTo(viaLane.get(i).comparable());
            }
            assertThat(viaJdk.get(3).text()).isEqualTo("hello");
            assertThat(jdk.router().lane().served()).isEqualTo(3);
            assertThat(jdk.router().lane().handedOver()).isEqualTo(1);
        }
    }

    @Test
    void aLargeAnswerToAClientThatReadsLateArrivesWhole() throws Exception {
        // more than the sockets' buffers hold: the lane's sends fill them, and the rest waits for the client
        int n = 6_000_000;
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), lane.port())) {
            s.setSoTimeout(20_000);
            s.setReceiveBufferSize(16 * 1024);
            OutputStream out = s.getOutputStream();
            out.write(("GET /big?n=" + n + " HTTP/1.1\r\nHost: a\r\n\r\nGET /who HTTP/1.1\r\nHost: a\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(300);
            InputStream in = new java.io.BufferedInputStream(s.getInputStream());
            Answer big = Answer.read(in, false);
            assertThat(big.status).isEqualTo(200);
            assertThat(big.body).hasSize(n);
            for (int i = 0; i < n; i += 4099) {
                assertThat(big.body[i]).as("byte %d", i).isEqualTo((byte) (i % 251));
            }
            assertThat(big.body[n - 1]).isEqualTo((byte) ((n - 1) % 251));
            Answer next = Answer.read(in, false);
            assertThat(next.text()).isEqualTo("b1");
        }
        assertThat(lane.router().lane().served()).isEqualTo(2);
    }

    @Test
    void aConnectionGoesToHelidonAtTheFirstRequestTheLaneDoesNotTakeAndStaysThere() throws IOException {
        String requests = "GET /who HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello"
                + "GET /who HTTP/1.1\r\nHost: a\r\n\r\n"
                + "GET /who HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
        List<Answer> got = exchange(lane.port(), requests, 4);

        assertThat(got).extracting(a -> a.status).containsExactly(200, 200, 200, 200);
        assertThat(got.get(1).text()).isEqualTo("hello");
        assertThat(got.get(3).headers).containsEntry("connection", "close");
        assertThat(lane.router().lane().served()).isEqualTo(1);
        assertThat(lane.router().lane().handedOver()).isEqualTo(1);
    }

    @Test
    void aHeadThatHasNotAllArrivedGoesToHelidon() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), lane.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write("GET /who HTTP/1.1\r\nHo".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Thread.sleep(200);
            out.write("st: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            Answer a = Answer.read(s.getInputStream(), false);
            assertThat(a.status).isEqualTo(200);
            assertThat(a.text()).isEqualTo("b1");
        }
        assertThat(lane.router().lane().handedOver()).isEqualTo(1);
        assertThat(lane.router().lane().served()).isZero();
    }

    @Test
    void requestsHelidonRefusesAreRefusedTheSameWithTheLane() throws IOException {
        for (String bad : List.of("GET /a HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",
                "GET /a HTTP/1.1\r\nHost: a_b!\r\n\r\n",
                "GET /a HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
                "GET /a HTTP/1.1\r\n\r\n",
                "GET /a HTTP/1.1\r\nHost: a\r\nX A: b\r\n\r\n",
                "GET //a/../b HTTP/1.1\r\nHost: a\r\n\r\n")) {
            byte[] req = bad.getBytes(StandardCharsets.ISO_8859_1);
            RawAnswer viaLane = RawAnswer.send(lane.port(), req, 3000);
            RawAnswer viaHelidon = RawAnswer.send(helidon.port(), req, 3000);
            assertThat(viaLane.status()).as(bad).isEqualTo(viaHelidon.status());
            assertThat(viaLane.closed()).as(bad).isEqualTo(viaHelidon.closed());
        }
        assertThat(lane.router().lane().served()).isZero();
    }

    /** One HTTP/1.1 answer: status, headers (lower-case names), body decoded from its framing. */
    record Answer(int status, TreeMap<String, String> headers, byte[] body) {
        String text() {
            return new String(body, StandardCharsets.ISO_8859_1);
        }

        /** What must be equal on both lanes: all but the date, the trace ids and the chunk sizes. */
        String comparable() {
            TreeMap<String, String> h = new TreeMap<>(headers);
            h.remove("date");
            h.computeIfPresent("x-trace-id", (k, v) -> v.matches("[0-9a-f]{32}") ? "<id>" : v);
            // a forwarded head (from /headers) in sorted lines with lower-case names: Helidon's header map orders
            // well-known names its own way and spells a repeated name as first sent; the lane keeps the client's order
            // and spelling
            String body = text().replaceAll("traceparent: 00-[0-9a-f]{32}-[0-9a-f]{16}-01", "traceparent: <tp>");
            return status + " " + h + " " + body.lines()
                    .map(l -> l.indexOf(": ") > 0 ? l.substring(0, l.indexOf(": ")).toLowerCase(Locale.ROOT) + l.substring(l.indexOf(": ")) : l)
                    .sorted().toList();
        }

        static Answer read(InputStream in, boolean headRequest) throws IOException {
            String statusLine = line(in);
            int status = Integer.parseInt(statusLine.substring(9, 12));
            TreeMap<String, String> headers = new TreeMap<>();
            String l;
            while (!(l = line(in)).isEmpty()) {
                int c = l.indexOf(':');
                headers.merge(l.substring(0, c).toLowerCase(Locale.ROOT), l.substring(c + 1).strip(), (a, b) -> a + ", " + b);
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            boolean bodiless = headRequest || status == 204 || status == 304 || status < 200;
            if (!bodiless && "chunked".equals(headers.get("transfer-encoding"))) {
                int size;
                while ((size = Integer.parseInt(line(in).strip(), 16)) > 0) {
                    body.write(in.readNBytes(size));
                    line(in);
                }
                line(in);
            } else if (!bodiless && headers.containsKey("content-length")) {
                body.write(in.readNBytes(Integer.parseInt(headers.get("content-length"))));
            }
            return new Answer(status, headers, body.toByteArray());
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != '\n') {
                if (c < 0) {
                    throw new IOException("connection closed in a line: " + sb);
                }
                if (c != '\r') {
                    sb.append((char) c);
                }
            }
            return sb.toString();
        }
    }
}
