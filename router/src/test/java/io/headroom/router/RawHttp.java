package io.headroom.router;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** HTTP/1.1 read by hand from a raw socket, for the tests that must see exactly what went over the wire. */
final class RawHttp {
    private RawHttp() {
    }

    /** Reads one response with a Content-Length body, or up to the end of the stream. */
    static String readResponse(InputStream in) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (true) {
            String text = got.toString(StandardCharsets.ISO_8859_1);
            int end = text.indexOf("\r\n\r\n");
            if (end >= 0) {
                int cl = text.toLowerCase(Locale.ROOT).indexOf("content-length:");
                if (cl >= 0 && cl < end) {
                    int len = Integer.parseInt(text.substring(cl + 15, text.indexOf("\r\n", cl)).strip());
                    if (got.size() >= end + 4 + len) {
                        return text;
                    }
                }
            }
            int c = in.read();
            if (c < 0) {
                return text;
            }
            got.write(c);
        }
    }
}
