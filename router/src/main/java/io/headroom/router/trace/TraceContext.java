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
 * @param traceId      32 lower-case hex digits
 * @param traceparent  the header value to forward ({@code 00-traceId-spanId-flags}); its span id is the router's span
 * @param continued    whether the trace came from the client (so its {@code tracestate} may be forwarded)
 * @param parentSpanId the client's span id (16 hex digits) when continued, else null
 */
public record TraceContext(String traceId, String traceparent, boolean continued, String parentSpanId) {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /**
     * The context for a request that carried {@code incoming} (null when absent).
     *
     * @param ids source of random 64-bit values for new trace and span ids
     */
    public static TraceContext of(String incoming, LongSupplier ids) {
        if (incoming != null && valid(incoming)) {
            // Latin-1 bytes: a String made from them is one copy (from a char[] it would be a copy and a compression)
            byte[] out = new byte[55];
            out[0] = '0';
            out[1] = '0';
            out[2] = '-';
            for (int i = 3; i < 35; i++) {
                out[i] = (byte) incoming.charAt(i); // checked hex digits
            }
            out[35] = '-';
            writeSpan(out, ids);
            out[52] = '-';
            out[53] = (byte) incoming.charAt(53);
            out[54] = (byte) incoming.charAt(54);
            return new TraceContext(incoming.substring(3, 35), new String(out, StandardCharsets.ISO_8859_1), true,
                    incoming.substring(36, 52));
        }
        byte[] out = new byte[55];
        out[0] = '0';
        out[1] = '0';
        out[2] = '-';
        long hi;
        long lo;
        do {
            hi = ids.getAsLong();
            lo = ids.getAsLong();
        } while (hi == 0 && lo == 0);
        hex(hi, out, 3);
        hex(lo, out, 19);
        out[35] = '-';
        writeSpan(out, ids);
        out[52] = '-';
        out[53] = '0';
        out[54] = '1';
        return new TraceContext(new String(out, 3, 32, StandardCharsets.ISO_8859_1), new String(out, StandardCharsets.ISO_8859_1),
                false, null);
    }

    /** The router's own span id: the one forwarded upstream as the backend's parent (16 hex digits). */
    public String spanId() {
        return traceparent.substring(36, 52);
    }

    /** The trace flags byte (bit 0: sampled). */
    public int flags() {
        return Character.digit(traceparent.charAt(53), 16) << 4 | Character.digit(traceparent.charAt(54), 16);
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
}
