package io.headroom.router.lane;

/**
 * The lane's request-head parser. It says yes only to a head it is sure of, and every answer it cannot be sure of is a
 * no, which hands the request (and the rest of its connection) to Helidon's HTTP/1.1 codec, whose checks and refusals
 * then apply as before. So the parser needs no error answers of its own: it only has to accept nothing that Helidon
 * (with the router's {@code RequestChecks}) would refuse or treat differently.
 *
 * <p>Taken: {@code GET} or {@code HEAD}, {@code HTTP/1.1}, a target of {@code /} and RFC 3986 path characters (no
 * {@code ;}, no {@code //} first, {@code %XX} escapes well formed) with an optional query of query characters, header
 * names of token characters, values of visible ASCII, spaces and tabs, exactly one {@code Host} of unreserved
 * characters and an optional port, and none of {@code Content-Length}, {@code Transfer-Encoding}, {@code Expect},
 * {@code Upgrade}, {@code HTTP2-Settings}, {@code TE} or a {@code Connection} other than {@code keep-alive}. The whole head must be
 * in the bytes already read, within the listener's request-line and header-size limits.
 *
 * <p>Not thread-safe: one per connection, reused for each request.
 */
final class HeadParser {
    static final int GET = 1;
    static final int HEAD = 2;

    /** Query characters: path characters, {@code ;} and {@code ?} (escapes are checked apart). */
    private static final boolean[] QUERY = new boolean[128];
    /** RFC 9110 tchar. */

    static {
        for (int c = 0; c < 128; c++) {
            QUERY[c] = UriChars.path(c) || c == ';' || c == '?';
        }
    }

    private final int maxRequestLine;
    private final int maxHeaderBytes;

    int method;
    int pathStart;
    int pathEnd;
    /** -1 without a query. */
    int queryStart;
    int queryEnd;
    int hostStart;
    int hostEnd;
    /** Four offsets per field: name start and end, value start and end (value without surrounding spaces). */
    int[] fields = new int[64];
    int count;

    HeadParser(int maxRequestLine, int maxHeaderBytes) {
        this.maxRequestLine = maxRequestLine;
        this.maxHeaderBytes = maxHeaderBytes;
    }

    /** The length of the head (through its empty line) in {@code b[0, n)} if the lane takes it, else -1. */
    int parse(byte[] b, int n) {
        int i;
        if (n > 4 && b[0] == 'G' && b[1] == 'E' && b[2] == 'T' && b[3] == ' ') {
            method = GET;
            i = 4;
        } else if (n > 5 && b[0] == 'H' && b[1] == 'E' && b[2] == 'A' && b[3] == 'D' && b[4] == ' ') {
            method = HEAD;
            i = 5;
        } else {
            return -1;
        }
        // target: "/" then path characters, then an optional query
        if (i >= n || b[i] != '/' || (i + 1 < n && b[i + 1] == '/')) {
            return -1;
        }
        pathStart = i;
        i = scan(b, i + 1, n, null);
        if (i < 0) {
            return -1;
        }
        pathEnd = i;
        queryStart = -1;
        if (i < n && b[i] == '?') {
            queryStart = i + 1;
            i = scan(b, i + 1, n, QUERY);
            if (i < 0) {
                return -1;
            }
            queryEnd = i;
        }
        // " HTTP/1.1\r\n"
        if (i + 11 > n || b[i] != ' ' || b[i + 1] != 'H' || b[i + 2] != 'T' || b[i + 3] != 'T' || b[i + 4] != 'P'
                || b[i + 5] != '/' || b[i + 6] != '1' || b[i + 7] != '.' || b[i + 8] != '1' || b[i + 9] != '\r'
                || b[i + 10] != '\n') {
            return -1;
        }
        i += 11;
        if (i > maxRequestLine) { // the line and its CRLF: a little stricter than Helidon's count, never looser
            return -1;
        }
        int headersStart = i;
        count = 0;
        hostStart = -1;
        while (true) {
            if (i + 1 >= n) {
                return -1; // not all here yet
            }
            if (b[i] == '\r') {
                if (b[i + 1] != '\n') {
                    return -1;
                }
                i += 2;
                break;
            }
            int nameStart = i;
            while (i < n && UriChars.tchar(b[i])) {
                i++;
            }
            if (i == nameStart || i >= n || b[i] != ':') {
                return -1; // no name, space before the colon, obs-fold, a bad character or not all here
            }
            int nameEnd = i++;
            while (i < n && (b[i] == ' ' || b[i] == '\t')) {
                i++;
            }
            int valueStart = i;
            while (i < n && (b[i] >= 0x20 && b[i] < 0x7f || b[i] == '\t')) {
                i++;
            }
            if (i + 1 >= n || b[i] != '\r' || b[i + 1] != '\n') {
                return -1; // a control character, a byte over 0x7e, a lone CR or LF, or not all here
            }
            int valueEnd = i;
            while (valueEnd > valueStart && (b[valueEnd - 1] == ' ' || b[valueEnd - 1] == '\t')) {
                valueEnd--;
            }
            i += 2;
            if (!acceptField(b, nameStart, nameEnd, valueStart, valueEnd)) {
                return -1;
            }
            if (i - headersStart + 2 > maxHeaderBytes) { // with the empty line that ends them
                return -1;
            }
        }
        if (hostStart < 0) {
            return -1;
        }
        return i;
    }

    /**
     * Scans {@code allowed} characters (null: path characters) and well-formed escapes from {@code i}; the index of the
     * first other byte, or -1 when the bytes end first.
     */
    private static int scan(byte[] b, int i, int n, boolean[] allowed) {
        while (i < n) {
            byte c = b[i];
            if (allowed == null ? UriChars.path(c) : c >= 0 && allowed[c]) {
                i++;
            } else if (c == '%') {
                if (i + 2 >= n || !UriChars.hex(b[i + 1]) || !UriChars.hex(b[i + 2])) {
                    return -1;
                }
                i += 3;
            } else {
                return i;
            }
        }
        return -1; // the line does not end here
    }

    /** Records the field; false for a field that sends the request to Helidon. */
    private boolean acceptField(byte[] b, int ns, int ne, int vs, int ve) {
        int len = ne - ns;
        switch (len) {
            case 2 -> {
                if (is(b, ns, "te")) {
                    return false; // "TE: trailers" lets a handler send trailers, which the lane does not write
                }
            }
            case 4 -> {
                if (is(b, ns, "host")) {
                    if (hostStart >= 0 || !plainHost(b, vs, ve)) {
                        return false; // a second Host, or one only Helidon's check can judge
                    }
                    hostStart = vs;
                    hostEnd = ve;
                }
            }
            case 6 -> {
                if (is(b, ns, "expect")) {
                    return false;
                }
            }
            case 7 -> {
                if (is(b, ns, "upgrade")) {
                    return false;
                }
            }
            case 10 -> {
                if (is(b, ns, "connection") && !(ve - vs == 10 && is(b, vs, "keep-alive"))) {
                    return false;
                }
            }
            case 14 -> {
                if (is(b, ns, "content-length") || is(b, ns, "http2-settings")) {
                    return false;
                }
            }
            case 17 -> {
                if (is(b, ns, "transfer-encoding")) {
                    return false;
                }
            }
            default -> {
            }
        }
        if (count * 4 == fields.length) {
            fields = java.util.Arrays.copyOf(fields, fields.length * 2);
        }
        int k = count * 4;
        fields[k] = ns;
        fields[k + 1] = ne;
        fields[k + 2] = vs;
        fields[k + 3] = ve;
        count++;
        return true;
    }

    /** Whether {@code b} at {@code s} is {@code lower}, ignoring ASCII case. */
    private static boolean is(byte[] b, int s, String lower) {
        for (int k = 0; k < lower.length(); k++) {
            if ((b[s + k] | 0x20) != lower.charAt(k)) {
                return false;
            }
        }
        return true;
    }

    /** {@code RequestChecks.plainHost} on bytes: unreserved characters, then an optional port of 1 to 9 digits. */
    private static boolean plainHost(byte[] b, int s, int e) {
        int i = s;
        while (i < e && UriChars.unreserved(b[i])) {
            i++;
        }
        if (i == s) {
            return false;
        }
        if (i == e) {
            return true;
        }
        if (b[i] != ':') {
            return false;
        }
        int digits = e - i - 1;
        if (digits < 1 || digits > 9) {
            return false;
        }
        for (int k = i + 1; k < e; k++) {
            if (b[k] < '0' || b[k] > '9') {
                return false;
            }
        }
        return true;
    }
}
