package io.headroom.router.upstream;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * What one upstream connection's backend sent in earlier response heads: the status line, and per header name its
 * bytes, {@code String}, {@link HeaderName} and last value. A backend sends the same names, and mostly the same values
 * (Server, Content-Type, Connection, Content-Length of a fixed body), in every response, so a head is parsed by
 * comparing bytes instead of decoding strings and creating header names again.
 *
 * <p>Bounded: {@value #SLOTS} name slots chosen by a hash of the name (a colliding name replaces the older one), names
 * and status lines up to {@value #MAX_CACHED} bytes and values up to {@value #MAX_CACHED} bytes; anything longer is
 * decoded every time. Everything cached was validated when first seen, so a hit needs no validation again. Used by its
 * connection's one exchange at a time, like the connection.
 */
final class HeadCache {
    static final int SLOTS = 32;
    /** The slot of a name too long to cache: decoded each time, never found by {@link #nameSlot}. */
    private static final int UNCACHED = SLOTS;
    static final int MAX_CACHED = 96;
    private static final boolean[] TCHAR = new boolean[256];

    static {
        for (char c = '0'; c <= '9'; c++) {
            TCHAR[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            TCHAR[c] = true;
            TCHAR[c - 'a' + 'A'] = true;
        }
        for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
            TCHAR[c] = true;
        }
    }

    private final byte[][] nameBytes = new byte[SLOTS + 1][];
    private final String[] names = new String[SLOTS + 1];
    private final HeaderName[] headerNames = new HeaderName[SLOTS + 1];
    private final byte[][] valueBytes = new byte[SLOTS + 1][];
    /** Length of the cached value in {@link #valueBytes}, or -1 when the slot holds none. */
    private final int[] valueLengths = new int[SLOTS + 1];
    private final String[] values = new String[SLOTS + 1];
    /** The slot's name and cached value as an immutable Helidon header, made on first use; null until then. */
    private final Header[] headers = new Header[SLOTS + 1];

    private byte[] statusLine;
    private int statusLength = -1;
    private int status;
    private boolean http10;
    private String reason;

    HeadCache() {
        Arrays.fill(valueLengths, -1);
    }

    /** Whether {@code b} may appear in a header name (an RFC 9110 {@code tchar}). */
    static boolean tchar(byte b) {
        return TCHAR[b & 0xFF];
    }

    private static int hash(byte[] b, int from, int to) {
        int n = to - from;
        int h = n * 31 + b[from] * 17 + b[to - 1] * 7 + b[from + (n >> 1)];
        return (h ^ (h >>> 5)) & (SLOTS - 1);
    }

    /** The slot holding the name in {@code b[from..to)} (case-sensitive), or -1 when it is not cached. */
    int nameSlot(byte[] b, int from, int to) {
        int slot = hash(b, from, to);
        byte[] n = nameBytes[slot];
        return n != null && Arrays.equals(b, from, to, n, 0, n.length) ? slot : -1;
    }

    /** Stores a validated name (replacing the slot's previous name and value) and returns its slot. */
    int rememberName(byte[] b, int from, int to) {
        String name = new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        int slot = to - from > MAX_CACHED ? UNCACHED : hash(b, from, to);
        nameBytes[slot] = slot == UNCACHED ? null : Arrays.copyOfRange(b, from, to);
        names[slot] = name;
        headerNames[slot] = HeaderNames.create(name);
        valueLengths[slot] = -1;
        values[slot] = null;
        headers[slot] = null;
        return slot;
    }

    String name(int slot) {
        return names[slot];
    }

    HeaderName headerName(int slot) {
        return headerNames[slot];
    }

    /** The slot's cached value when it equals {@code b[from..to)}, else null. */
    String value(int slot, byte[] b, int from, int to) {
        int n = valueLengths[slot];
        return n == to - from && Arrays.equals(b, from, to, valueBytes[slot], 0, n) ? values[slot] : null;
    }

    /** Decodes a validated value and keeps it as the slot's value when it is short enough. */
    String rememberValue(int slot, byte[] b, int from, int to) {
        String v = new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        int n = to - from;
        headers[slot] = null;
        if (slot == UNCACHED || n > MAX_CACHED) {
            valueLengths[slot] = -1;
            values[slot] = null;
            return v;
        }
        if (valueBytes[slot] == null) {
            valueBytes[slot] = new byte[MAX_CACHED];
        }
        System.arraycopy(b, from, valueBytes[slot], 0, n);
        valueLengths[slot] = n;
        values[slot] = v;
        return v;
    }

    /**
     * The slot's name with its cached value (the one just found or remembered) as an immutable header, which Helidon
     * stores in a response as it is and writes from bytes it encoded once (a header set from strings is copied and
     * encoded for every response); null when the value is not cached. The same object serves every response on this
     * connection that repeats the value: nothing can change it, and adding a value to its name in a response makes a
     * copy.
     */
    Header header(int slot) {
        if (valueLengths[slot] < 0) {
            return null;
        }
        Header h = headers[slot];
        if (h == null) {
            h = HeaderValues.createCached(headerNames[slot], values[slot]);
            headers[slot] = h;
        }
        return h;
    }

    /** When {@code b[from..to)} is the status line parsed last time, sets its status, reason and version in {@code head}. */
    boolean statusLine(byte[] b, int from, int to, ResponseHead head) {
        if (statusLength != to - from || !Arrays.equals(b, from, to, statusLine, 0, statusLength)) {
            return false;
        }
        head.status = status;
        head.reason = reason;
        head.http10 = http10;
        head.close = http10;
        return true;
    }

    /** Keeps a valid status line just parsed into {@code head}. */
    void rememberStatusLine(byte[] b, int from, int to, ResponseHead head) {
        int n = to - from;
        if (n > MAX_CACHED) {
            statusLength = -1;
            return;
        }
        if (statusLine == null) {
            statusLine = new byte[MAX_CACHED];
        }
        System.arraycopy(b, from, statusLine, 0, n);
        statusLength = n;
        status = head.status;
        reason = head.reason;
        http10 = head.http10;
    }
}
