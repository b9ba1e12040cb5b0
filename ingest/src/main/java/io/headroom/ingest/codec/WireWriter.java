package io.headroom.ingest.codec;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Appends varints, doubles and strings to a growable byte array. Not thread-safe; one per encode. */
final class WireWriter {
    private byte[] buf;
    private int pos;

    WireWriter(int initial) {
        buf = new byte[Math.max(16, initial)];
    }

    private void ensure(int n) {
        if (pos + n > buf.length) {
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
        }
    }

    void byte1(int b) {
        ensure(1);
        buf[pos++] = (byte) b;
    }

    /** Unsigned LEB128. */
    void varlong(long v) {
        ensure(10);
        while ((v & ~0x7FL) != 0) {
            buf[pos++] = (byte) ((v & 0x7F) | 0x80);
            v >>>= 7;
        }
        buf[pos++] = (byte) v;
    }

    /** Zig-zag signed varint. */
    void zlong(long v) {
        varlong((v << 1) ^ (v >> 63));
    }

    void f64(double d) {
        long bits = Double.doubleToRawLongBits(d);
        ensure(8);
        for (int i = 0; i < 8; i++) {
            buf[pos++] = (byte) (bits >>> (56 - 8 * i));
        }
    }

    void string(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        varlong(b.length);
        ensure(b.length);
        System.arraycopy(b, 0, buf, pos, b.length);
        pos += b.length;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, pos);
    }
}
