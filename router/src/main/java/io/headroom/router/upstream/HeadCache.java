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
 * <p>Bounded: {@value #SLOTS} name slots, a name in one of {@value #PROBES} chosen by its hash (when all of those are
 * taken a new name replaces one of them in turn), names
 * and status lines up to {@value #MAX_CACHED} bytes and values up to {@value #MAX_CACHED} bytes; anything longer is
 * decoded every time. Everything cached was validated when first seen, so a hit needs no validation again. Used by its
 * connection's one exchange at a time, like the connection.
 */
final class HeadCache {
    static final int SLOTS = 32;
    /** Slots a name may occupy: its hash's and the next ones (linear probing). */
    static final int PROBES = 4;
    /** The slot of a name too long to cache: decoded each time, never found by {@link #nameSlot}. */
    private static final int UNCACHED = SLOTS;
    static final int MAX_CACHED = 96;

    private final byte[][] nameBytes = new byte[SLOTS + 1][];
    private final String[] names = new String[SLOTS + 1];
    private final HeaderName[] headerNames = new HeaderName[SLOTS + 1];
    private final byte[][] valueBytes = new byte[SLOTS + 1][];
    /** Length of the cached value in {@link #valueBytes}, or -1 when the slot holds none. */
    private final int[] valueLengths = new int[SLOTS + 1];
    private final String[] values = new String[SLOTS + 1];
    /** The slot's name and cached value as an immutable Helidon header, made on first use; null until then. */
    private final Header[] headers = new Header[SLOTS + 1];

    /** Which of a full probe sequence's slots the next new name replaces (round robin). */
    private int victim;
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
        return io.headroom.router.lane.UriChars.tchar(b);
    }

    private static int hash(byte[] b, int from, int to) {
        int h = to - from;
        for (int i = from; i < to; i++) {
            h = 31 * h + b[i];
        }
        h ^= h >>> 16;
        h *= 0x45d9f3b;
        return (h ^ (h >>> 15)) & (SLOTS - 1);
    }

    /** The slot holding the name in {@code b[from..to)} (case-sensitive), or -1 when it is not cached. */
    int nameSlot(byte[] b, int from, int to) {
        int start = hash(b, from, to);
        for (int i = 0; i < PROBES; i++) {
            int slot = (start + i) & (SLOTS - 1);
            byte[] n = nameBytes[slot];
            if (n == null) {
                return -1; // names are only ever added at the first free probe, so none lies further
            }
            if (Arrays.equals(b, from, to, n, 0, n.length)) {
                return slot;
            }
        }
        return -1;
    }

    /**
     * Stores a validated name and returns its slot: the first free one of its {@value #PROBES} probes, else one of them
     * in turn (replacing that slot's name and value). Names that hash alike therefore both stay cached, instead of
     * evicting each other on every response (Date and Content-Type did, with one slot per hash).
     */
    int rememberName(byte[] b, int from, int to) {
        String name = new String(b, from, to - from, StandardCharsets.ISO_8859_1);
        int slot;
        if (to - from > MAX_CACHED) {
            slot = UNCACHED;
        } else {
            int start = hash(b, from, to);
            slot = -1;
            for (int i = 0; i < PROBES && slot < 0; i++) {
                int s = (start + i) & (SLOTS - 1);
                if (nameBytes[s] == null) {
                    slot = s;
                }
            }
            if (slot < 0) {
                slot = (start + victim++ % PROBES) & (SLOTS - 1);
            }
        }
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
