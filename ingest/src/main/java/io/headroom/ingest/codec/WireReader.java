package io.headroom.ingest.codec;

import java.nio.charset.StandardCharsets;

/** Reads what {@link WireWriter} wrote; every read is bounds-checked and fails with {@link CodecException}. */
final class WireReader {
    private final byte[] buf;
    private int pos;

    WireReader(byte[] buf) {
        this.buf = buf;
    }

    int byte1() {
        need(1);
        return buf[pos++] & 0xFF;
    }

    long varlong() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            need(1);
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new CodecException("varint longer than 10 bytes at offset " + pos);
    }

    long zlong() {
        long v = varlong();
        return (v >>> 1) ^ -(v & 1);
    }

    int count(int max, String what) {
        long n = varlong();
        if (n < 0 || n > max) {
            throw new CodecException(what + " count " + n + " out of range [0, " + max + "] at offset " + pos);
        }
        return (int) n;
    }

    double f64() {
        need(8);
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (buf[pos++] & 0xFF);
        }
        return Double.longBitsToDouble(bits);
    }

    String string() {
        int len = count(buf.length - pos, "string length");
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    boolean exhausted() {
        return pos == buf.length;
    }

    int position() {
        return pos;
    }

    private void need(int n) {
        if (pos + n > buf.length) {
            throw new CodecException("truncated record: need " + n + " byte(s) at offset " + pos + " of " + buf.length);
        }
    }
}
