package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The request path and {@code Host} checks the router took over from Helidon ({@code RequestChecks}), over a real
 * socket: every case gets the answer Helidon 4.5.0's own {@code validate-path} and {@code validate-request-host-header}
 * gave before (recorded from build 5a9e571, where they were on): status, body, and whether the connection was closed.
 * Accepted oddities stay accepted ({@code Host: example:+80}, {@code [::1]:8080}, sub-delims, a percent-encoded
 * host, a non-ASCII or matrix-parameter path).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class RequestChecksHttpTest {
    private static final String PATH_REFUSED = "Bad request, see server log for more information";
    private TinyBackend backend;
    private Router router;
    private int port;

    @BeforeAll
    void start() throws IOException {
        backend = new TinyBackend("ok");
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                %s  pools:
                    p: {backends: [%s]}
                  routes:
                    - {name: all, path-prefix: /, pool: p}
                """.formatted(limits(), backend.address());
        router = Router.create(RouterConfig.from(ConfigNode.parse("checks.yaml", yaml)), "checks", TelemetrySink.DISCARD,
                Clock.systemUTC());
        port = router.start();
    }

    /** Extra {@code router:} lines (two spaces in); none here. */
    String limits() {
        return "";
    }

    @AfterAll
    void stop() throws IOException {
        router.stop();
        backend.close();
    }

    // target | Host line(s), "|" between two | status | body ("" for any, PATH for Helidon's path refusal) | closed
    @ParameterizedTest(name = "{0} Host:{1} -> {2}")
    @CsvSource(delimiterString = " ! ", quoteCharacter = '~', textBlock = """
            /a<b       ! x               ! 400 ! PATH ! true
            /a{b}      ! x               ! 400 ! PATH ! true
            /a|b       ! x               ! 400 ! PATH ! true
            /a^b       ! x               ! 400 ! PATH ! true
            /a`b       ! x               ! 400 ! PATH ! true
            /a"b       ! x               ! 400 ! PATH ! true
            /a[b]      ! x               ! 400 ! PATH ! true
            /a\\b       ! x               ! 400 ! PATH ! true
            /a%zz      ! x               ! 400 ! PATH ! true
            /a%2       ! x               ! 400 ! PATH ! true
            /a%        ! x               ! 400 ! PATH ! true
            ///[x      ! x               ! 400 ! PATH ! true
            /a<b?q=1   ! x               ! 400 ! PATH ! true
            /a<b       ! a b             ! 400 ! PATH ! true
            /café      ! x               ! 200 ! ok   ! false
            /a;b=c     ! x               ! 200 ! ok   ! false
            //x        ! x               ! 200 ! ok   ! false
            /ok        ! exa<mple        ! 400 ! Invalid Host header: Host contains invalid char: exa?mple, index: 3, char: 0x3c ! true
            /ok        ! a:b:80          ! 400 ! Invalid Host header: Host contains invalid char: a:b, index: 1, char: &#x27;:&#x27; ! true
            /ok        ! example:        ! 400 ! ~Invalid port of the host header: ~ ! true
            /ok        ! example:8a      ! 400 ! Invalid port of the host header: 8a ! true
            /ok        ! example:99999999999 ! 400 ! Invalid port of the host header: 99999999999 ! true
            /ok        ! [zz::1]:80      ! 400 ! Invalid Host header: IPv6 segment has non hexadecimal char: zz, index: 0, char: &#x27;z&#x27;. Value: [zz::1] ! true
            /ok        ! [::1            ! 400 ! Invalid Host header: Invalid IP literal, missing square bracket(s): [::1, index: 3, char: &#x27;1&#x27; ! true
            /ok        ! ex%4zmple       ! 400 ! Invalid Host header: Host has non hexadecimal char in % encoding: ex%4zmple, index: 4, char: &#x27;z&#x27; ! true
            /ok        ! :80             ! 400 ! Invalid Host header: Host cannot be blank ! true
            /ok        ! a|b             ! 400 ! Only a single Host header is allowed in request ! true
            /ok        ! ~~              ! 400 ! Host header must not be empty ! true
            /ok        ! -               ! 400 ! Host header must be present in the request ! true
            /ok        ! example:+80     ! 200 ! ok   ! false
            /ok        ! example:8080    ! 200 ! ok   ! false
            /ok        ! [::1]:8080      ! 200 ! ok   ! false
            /ok        ! ex%41mple       ! 200 ! ok   ! false
            /ok        ! a!b$c           ! 200 ! ok   ! false
            /ok        ! 999.1.1.1:80    ! 200 ! ok   ! false
            """)
    void answersAsHelidonsOwnChecksDid(String target, String host, int status, String body, boolean closed) throws IOException {
        StringBuilder head = new StringBuilder("GET ").append(target).append(" HTTP/1.1\r\n");
        if (!host.equals("-")) {
            for (String h : host.split("\\|", -1)) {
                head.append("Host: ").append(h).append("\r\n");
            }
        }
        head.append("\r\n");
        RawAnswer a = send(head.toString().getBytes(StandardCharsets.UTF_8));
        assertThat(a.status()).isEqualTo(status);
        assertThat(a.body()).isEqualTo(body.equals("PATH") ? PATH_REFUSED : body);
        assertThat(a.closed()).isEqualTo(closed);
        if (closed) {
            assertThat(send("GET /ok HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).status())
                    .as("a normal request after the refusal").isEqualTo(200);
        }
    }

    /** The checks run before Helidon hands a request to an upgrade (WebSocket, h2c), as Helidon's own did. */
    @org.junit.jupiter.api.Test
    void upgradeRequestsAreCheckedToo() throws IOException {
        String websocket = "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                + "Sec-WebSocket-Version: 13\r\n\r\n";
        String h2c = "Upgrade: h2c\r\nConnection: Upgrade, HTTP2-Settings\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n";
        for (String upgrade : new String[] {websocket, h2c}) {
            RawAnswer badHost = send(("GET /ws HTTP/1.1\r\nHost: exa<mple\r\n" + upgrade).getBytes(StandardCharsets.US_ASCII));
            assertThat(badHost.status()).isEqualTo(400);
            assertThat(badHost.body()).isEqualTo("Invalid Host header: Host contains invalid char: exa?mple, index: 3, char: 0x3c");
            assertThat(badHost.closed()).isTrue();
            RawAnswer badPath = send(("GET /w<s HTTP/1.1\r\nHost: x\r\n" + upgrade).getBytes(StandardCharsets.US_ASCII));
            assertThat(badPath.status()).isEqualTo(400);
            assertThat(badPath.body()).isEqualTo(PATH_REFUSED);
            assertThat(badPath.closed()).isTrue();
        }
    }

    private RawAnswer send(byte[] request) throws IOException {
        return RawAnswer.send(port, request, 5000);
    }
}
