package io.headroom.router.trace;

import java.nio.charset.StandardCharsets;

import java.util.function.LongSupplier;

/**
 * W3C Trace Context (<a href="https://www.w3.org/TR/trace-context/">traceparent</a>) for one proxied request.
 *
 * <p>A valid incoming {@code traceparent} keeps its trace id and flags; the router forwards a new span id (its own
 * hop), so the backend's parent is the router. An absent or malformed one (wrong length, non-lower-hex, version
 * {@code ff}, all-zero ids) starts a new trace with the sampled flag set; the incoming {@code tracestate} is then
 * dropped, as the specification requires. Parsing is a single pass over 55 characters without regexes, and ids come
 * from an injected {@link LongSupplier} (seeded in tests).
 *
 * <p>The context is kept as the 55 Latin-1 bytes of the traceparent it forwards; the {@link String}s of the trace id
 * and the traceparent are made on first use, so a request whose trace goes out only as header bytes (the lane's
 * answer, the upstream request head) makes none.
 */
public final class TraceContext {
    /** Where the trace id starts in {@link #traceparentBytes()}, and its length. */
    public static final int TRACE_ID_AT = 3;
    public static final int TRACE_ID_LENGTH = 32;
    /** The length of {@link #traceparentBytes()}. */
    public static final int TRACEPARENT_LENGTH = 55;
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** {@code 00-traceId-spanId-flags}, the router's span id in it: never changed after construction. */
    private final byte[] traceparent;
    private final boolean continued;
    private final String parentSpanId;
    /** Made on first use (a racing second reader makes an equal one: harmless). */
    private String traceIdText;
    private String traceparentText;

    private TraceContext(byte[] traceparent, boolean continued, String parentSpanId) {
        this.traceparent = traceparent;
        this.continued = continued;
        this.parentSpanId = parentSpanId;
    }

    /**
     * The context for a request that carried {@code incoming} (null when absent).
     *
     * @param ids source of random 64-bit values for new trace and span ids
     */
    public static TraceContext of(String incoming, LongSupplier ids) {
        byte[] out = new byte[55];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        out[35] = '-';
        out[52] = '-';
        if (incoming != null && valid(incoming)) {
            for (int i = 3; i < 35; i++) {
                out[i] = (byte) incoming.charAt(i); // checked hex digits
            }
            writeSpan(out, ids);
            out[53] = (byte) incoming.charAt(53);
            out[54] = (byte) incoming.charAt(54);
            return new TraceContext(out, true, incoming.substring(36, 52));
        }
        long hi;
        long lo;
        do {
            hi = ids.getAsLong();
            lo = ids.getAsLong();
        } while (hi == 0 && lo == 0);
        hex(hi, out, 3);
        hex(lo, out, 19);
        writeSpan(out, ids);
        out[53] = '0';
        out[54] = '1';
        return new TraceContext(out, false, null);
    }

    /** The trace id: 32 lower-case hex digits. */
    public String traceId() {
        String s = traceIdText;
        if (s == null) {
            traceIdText = s = new String(traceparent, TRACE_ID_AT, TRACE_ID_LENGTH, StandardCharsets.ISO_8859_1);
        }
        return s;
    }

    /** The header value to forward ({@code 00-traceId-spanId-flags}); its span id is the router's span. */
    public String traceparent() {
        String s = traceparentText;
        if (s == null) {
            traceparentText = s = new String(traceparent, StandardCharsets.ISO_8859_1);
        }
        return s;
    }

    /**
     * {@link #traceparent()} as its 55 Latin-1 bytes, the trace id at {@link #TRACE_ID_AT}: the context's own array,
     * which the caller must only read (it is what makes a header of it without a string).
     */
    public byte[] traceparentBytes() {
        return traceparent;
    }

    /** Whether the trace came from the client (so its {@code tracestate} may be forwarded). */
    public boolean continued() {
        return continued;
    }

    /** The client's span id (16 hex digits) when continued, else null. */
    public String parentSpanId() {
        return parentSpanId;
    }

    /** The router's own span id: the one forwarded upstream as the backend's parent (16 hex digits). */
    public String spanId() {
        return new String(traceparent, 36, 16, StandardCharsets.ISO_8859_1);
    }

    /** The trace flags byte (bit 0: sampled). */
    public int flags() {
        return Character.digit(traceparent[53], 16) << 4 | Character.digit(traceparent[54], 16);
    }

    public boolean sampled() {
        return (flags() & 1) != 0;
    }

    private static void writeSpan(byte[] out, LongSupplier ids) {
        long span;
        do {
            span = ids.getAsLong();
        } while (span == 0);
        hex(span, out, 36);
    }

    /**
     * Whether {@code v} is a traceparent this router can continue: {@code vv-<32 hex>-<16 hex>-<2 hex>} in lower-case
     * hex, version not {@code ff}, ids not all zero; version 00 is exactly 55 characters, a later version may carry
     * more after a {@code -}.
     */
    public static boolean valid(String v) {
        int n = v.length();
        if (n < 55 || v.charAt(2) != '-' || v.charAt(35) != '-' || v.charAt(52) != '-') {
            return false;
        }
        if (!hex(v, 0, 2) || !hex(v, 3, 35) || !hex(v, 36, 52) || !hex(v, 53, 55)) {
            return false;
        }
        boolean v00 = v.charAt(0) == '0' && v.charAt(1) == '0';
        if (v.charAt(0) == 'f' && v.charAt(1) == 'f') {
            return false;
        }
        if (n > 55 && (v00 || v.charAt(55) != '-')) {
            return false;
        }
        return !zeros(v, 3, 35) && !zeros(v, 36, 52);
    }

    private static boolean hex(String v, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = v.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static boolean zeros(String v, int from, int to) {
        for (int i = from; i < to; i++) {
            if (v.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }

    private static void hex(long x, byte[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = (byte) HEX[(int) (x & 0xF)];
            x >>>= 4;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TraceContext t && continued == t.continued && java.util.Arrays.equals(traceparent, t.traceparent)
                && java.util.Objects.equals(parentSpanId, t.parentSpanId);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(traceparent) * 31 + Boolean.hashCode(continued);
    }

    @Override
    public String toString() {
        return "TraceContext[" + traceparent() + (continued ? ", continued from " + parentSpanId : "") + "]";
    }
}
