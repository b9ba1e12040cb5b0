package io.headroom.router.lane;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HeadParserTest {
    private final HeadParser parser = new HeadParser(8192, 16384);

    private int parse(String head) {
        byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
        return parser.parse(b, b.length);
    }

    private String field(byte[] b, int i, int part) {
        int s = parser.fields[i * 4 + part * 2];
        int e = parser.fields[i * 4 + part * 2 + 1];
        return new String(b, s, e - s, StandardCharsets.ISO_8859_1);
    }

    @Test
    void takesAPlainGetAndSaysWhereEachPartIs() {
        String head = "GET /api/v1/items?id=7&x=%41 HTTP/1.1\r\nHost: example.com:8080\r\nAccept:  */* \r\nX-A:\tb c\t\r\n\r\n";
        byte[] b = (head + "GET / HTTP/1.1\r\n").getBytes(StandardCharsets.ISO_8859_1); // the next request's bytes after it
        int n = parser.parse(b, b.length);

        assertThat(n).isEqualTo(head.length());
        assertThat(parser.method).isEqualTo(HeadParser.GET);
        assertThat(new String(b, parser.pathStart, parser.pathEnd - parser.pathStart, StandardCharsets.ISO_8859_1)).isEqualTo("/api/v1/items");
        assertThat(new String(b, parser.queryStart, parser.queryEnd - parser.queryStart, StandardCharsets.ISO_8859_1)).isEqualTo("id=7&x=%41");
        assertThat(new String(b, parser.hostStart, parser.hostEnd - parser.hostStart, StandardCharsets.ISO_8859_1)).isEqualTo("example.com:8080");
        assertThat(parser.count).isEqualTo(3);
        assertThat(field(b, 1, 0)).isEqualTo("Accept");
        assertThat(field(b, 1, 1)).isEqualTo("*/*"); // surrounding spaces and tabs are not part of the value
        assertThat(field(b, 2, 1)).isEqualTo("b c");
    }

    @Test
    void takesAHeadWithoutQueryAndKeepAliveSpelledAnyWay() {
        assertThat(parse("HEAD / HTTP/1.1\r\nhOsT: a\r\nConnection: Keep-Alive\r\n\r\n")).isPositive();
        assertThat(parser.method).isEqualTo(HeadParser.HEAD);
        assertThat(parser.queryStart).isEqualTo(-1);
    }

    @Test
    void takesManyHeaders() {
        StringBuilder h = new StringBuilder("GET /x HTTP/1.1\r\nHost: a\r\n");
        for (int i = 0; i < 40; i++) {
            h.append("X-H").append(i).append(": v").append(i).append("\r\n");
        }
        assertThat(parse(h.append("\r\n").toString())).isEqualTo(h.length());
        assertThat(parser.count).isEqualTo(41);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "POST / HTTP/1.1\r\nHost: a\r\n\r\n",                                   // not GET or HEAD
            "get / HTTP/1.1\r\nHost: a\r\n\r\n",                                    // methods are case-sensitive
            "GET / HTTP/1.0\r\nHost: a\r\n\r\n",                                    // HTTP/1.0: the translation's
            "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
            "GET  / HTTP/1.1\r\nHost: a\r\n\r\n",                                   // two spaces
            "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",                            // absolute form
            "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET //x HTTP/1.1\r\nHost: a\r\n\r\n",                                  // "//" first
            "GET /a;b HTTP/1.1\r\nHost: a\r\n\r\n",                                 // matrix parameters
            "GET /a%2 HTTP/1.1\r\nHost: a\r\n\r\n",                                 // a broken escape
            "GET /a%zz HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /a?b=%g1 HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /a#f HTTP/1.1\r\nHost: a\r\n\r\n",                                 // a fragment
            "GET /a\"b HTTP/1.1\r\nHost: a\r\n\r\n",
            "GET /\u00e9 HTTP/1.1\r\nHost: a\r\n\r\n",                              // a byte over 0x7f in the target
            "GET / HTTP/1.1\nHost: a\r\n\r\n",                                      // a lone LF
            "GET / HTTP/1.1\r\nHost: a\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\r\n\r\n",
            "GET / HTTP/1.1\r\n\r\n",                                               // no Host
            "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",                         // two
            "GET / HTTP/1.1\r\nHost: a_b!\r\n\r\n",                                 // only Helidon's check judges it
            "GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a:\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a:1234567890\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: \r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n",                         // space before the colon
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n",                    // obs-fold
            "GET / HTTP/1.1\r\nHost: a\r\nX(A): b\r\n\r\n",                         // not a token
            "GET / HTTP/1.1\r\nHost: a\r\n: b\r\n\r\n",                             // no name
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u0001c\r\n\r\n",                   // a control character
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u00e9\r\n\r\n",                    // obs-text: Helidon's to judge
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\u007f\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",               // a body, framed either way
            "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",              // the end of the connection: Helidon's
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-Secret\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nTE: trailers\r\n\r\n",                    // trailers are Helidon's
            "GET / HTTP/1.1\r\nHost: a\r\n",                                        // not all here
            "GET / HTTP/1.1\r\nHost: a\r\n\r",
            "GET / HTTP/1.1\r\nHo",
            "GET /abc",
    })
    void leavesToHelidonEverythingItIsNotSureOf(String head) {
        assertThat(parse(head)).isEqualTo(-1);
    }

    @Test
    void leavesToHelidonARequestLineOrHeadersOverTheLimits() {
        HeadParser small = new HeadParser(64, 256);
        byte[] longLine = ("GET /" + "a".repeat(60) + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] okLine = ("GET /" + "a".repeat(40) + " HTTP/1.1\r\nHost: a\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] bigHeaders = ("GET / HTTP/1.1\r\nHost: a\r\nX-A: " + "b".repeat(300) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);

        assertThat(small.parse(longLine, longLine.length)).isEqualTo(-1);
        assertThat(small.parse(okLine, okLine.length)).isPositive();
        assertThat(small.parse(bigHeaders, bigHeaders.length)).isEqualTo(-1);
    }
}
