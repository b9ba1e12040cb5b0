package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based fuzzing of header validation through the real router (jqwik, fixed seed, bounded tries): one request
 * per try, over a raw socket, with one header whose name and value are drawn from token characters mixed with what
 * must never get through (CR, LF, NUL, obs-fold, separators, bytes above 0x7F). For every input:
 * <ul>
 *   <li>the router answers with a status line (200, or a 4xx refusal), never a 5xx, never silence;</li>
 *   <li>when forwarded, the head the backend received has no bare CR, no NUL and no header injected through a
 *       CR/LF in a value (no {@code X-Injected} line), and every header name there is a token;</li>
 *   <li>the router keeps serving (checked after each refusal).</li>
 * </ul>
 */
class HeaderFuzzHttpTest {
    private static TinyBackend backend;
    private static Router router;
    private static int port;

    @BeforeContainer
    static void start() throws IOException {
        backend = new TinyBackend("B");
        router = Router.create(RouterConfig.from(ConfigNode.parse("fuzz.yaml", """
                router:
                  listen: 127.0.0.1:0
                  pools: {p: {backends: [%s]}}
                  routes:
                    - {name: r, path-prefix: /, pool: p}
                """.formatted(backend.address()))), "fuzz", w -> { }, Clock.systemUTC());
        port = router.start();
    }

    @AfterContainer
    static void stop() throws IOException {
        router.close();
        backend.close();
    }

    @Provide
    Arbitrary<String> names() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcXYZ-_019!#$%&'*+.^`|~").ofMinLength(1).ofMaxLength(12),
                Arbitraries.strings().withChars("ab-: \t\r\n\u0000\"(),/;<=>?@[]{}\u00e9\u007f").ofMinLength(0).ofMaxLength(6),
                Arbitraries.of("X-Ok", "Content-Length", "Transfer-Encoding", "Host", "Connection", "Te", "Upgrade", " X-Lead", "X-Trail "));
    }

    @Provide
    Arbitrary<String> values() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(10),
                Arbitraries.of("\r", "\n", "\r\n", "\rX-Injected: 1", "\r\nX-Injected: 1", "\nX-Injected: 1", "\r\n X-Folded", "\u0000", "\t", "\u00ff",
                        "\u0080", "\u00e9", "chunked", "close", "0", "-1", "1, 2"));
        return piece.list().ofMaxSize(5).map(l -> String.join("", l));
    }

    @Property(tries = 120, seed = "8086")
    void headersAreForwardedCleanOrRefused(@ForAll("names") String name, @ForAll("values") String value) throws IOException {
        String request = "GET /headers HTTP/1.1\r\nHost: fuzz.test\r\n" + name + ": " + value + "\r\nConnection: close\r\n\r\n";
        String answer = exchange(request);
        assertThat(answer).as("an answer to %s", printable(request)).startsWith("HTTP/1.1 ");
        // the client's own CRLFs may split this into several requests (pipelined): none may get a 5xx
        java.util.regex.Matcher statuses = java.util.regex.Pattern.compile("HTTP/1\\.1 (\\d{3}) ").matcher(answer);
        while (statuses.find()) {
            assertThat(Integer.parseInt(statuses.group(1))).as("a status in %s for %s", printable(answer), printable(request))
                    .isBetween(200, 499);
        }
        int status = Integer.parseInt(answer.substring(9, 12));
        if (status == 200) {
            for (String line : firstBody(answer).split("\n")) { // TinyBackend echoes the head it read, one line per header
                assertThat(line).as("a line the backend got for %s", printable(request)).doesNotContain("\r").doesNotContain("\u0000");
                if (!request.contains("\nX-Injected")) {
                    // a line break the client itself made (CRLF, or a bare LF, which HTTP/1.1 lets a recipient read as
                    // one) starts a header of its own; anything else must never turn into a header line upstream
                    assertThat(line.toLowerCase(Locale.ROOT)).doesNotStartWith("x-injected:");
                }
                int colon = line.indexOf(':');
                if (colon > 0 && !line.startsWith("GET ")) {
                    assertThat(line.substring(0, colon)).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
                }
            }
        } else {
            assertThat(exchange("GET /who HTTP/1.1\r\nHost: fuzz.test\r\nConnection: close\r\n\r\n"))
                    .as("the router still serves after refusing %s", printable(request)).startsWith("HTTP/1.1 200");
        }
    }

    /** The body of the first response in {@code answer} (Content-Length or chunked). */
    private static String firstBody(String answer) {
        int end = answer.indexOf("\r\n\r\n");
        String head = answer.substring(0, end).toLowerCase(Locale.ROOT);
        int at = end + 4;
        java.util.regex.Matcher cl = java.util.regex.Pattern.compile("\r\ncontent-length: *(\\d+)").matcher(head);
        if (cl.find()) {
            return answer.substring(at, Math.min(answer.length(), at + Integer.parseInt(cl.group(1))));
        }
        StringBuilder body = new StringBuilder();
        while (true) {
            int eol = answer.indexOf("\r\n", at);
            int size = Integer.parseInt(answer.substring(at, eol).trim(), 16);
            if (size == 0) {
                return body.toString();
            }
            body.append(answer, eol + 2, eol + 2 + size);
            at = eol + 2 + size + 2;
        }
    }

    private static String printable(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) {
            b.append(c < 0x20 || c > 0x7e ? String.format("\\x%02x", (int) c) : String.valueOf(c));
        }
        return b.toString();
    }

    private static String exchange(String request) throws IOException {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(5000);
            try {
                s.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                s.getOutputStream().flush();
            } catch (SocketException e) {
                // answered and closed before reading all of it
            }
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] buf = new byte[8192];
            try {
                int n;
                while ((n = in.read(buf)) >= 0) {
                    got.write(buf, 0, n);
                    s.setSoTimeout(100); // answers are small and local: once one has started, a pause means it is complete
                }
            } catch (SocketTimeoutException | SocketException e) {
                // what came is the answer
            }
            return got.toString(StandardCharsets.ISO_8859_1);
        }
    }
}
