package io.headroom.router.lane;

/**
 * Header lines in their HTTP/1.1 wire form ({@code Name: value} and CRLF each), in a growing array that is kept and
 * cleared rather than made again. A line is written as Helidon's {@code Header.writeHttp1Header} writes it: the name
 * and the value as given, every character above 0x7F as {@code ?} (what US-ASCII encoding of a header makes of it).
 */
public final class HeaderLines {
    private byte[] bytes;
    private int length;

    public HeaderLines(int capacity) {
        this.bytes = new byte[Math.max(16, capacity)];
    }

    public void clear() {
        length = 0;
    }

    /** The lines' bytes: the first {@link #length()} of them. */
    public byte[] bytes() {
        return bytes;
    }

    public int length() {
        return length;
    }

    /** Appends one line. */
    public void add(String name, String value) {
        int vl = value.length();
        ensure(name.length() + vl + 4);
        byte[] b = bytes;
        int p = name(name);
        for (int i = 0; i < vl; i++) {
            char c = value.charAt(i);
            b[p++] = c < 0x80 ? (byte) c : (byte) '?';
        }
        b[p++] = '\r';
        b[p++] = '\n';
        length = p;
    }

    /** Appends one line whose value is {@code count} US-ASCII bytes of {@code value} from {@code offset}. */
    public void add(String name, byte[] value, int offset, int count) {
        ensure(name.length() + count + 4);
        byte[] b = bytes;
        int p = name(name);
        for (int i = 0; i < count; i++) {
            byte c = value[offset + i];
            b[p++] = c >= 0 ? c : (byte) '?';
        }
        b[p++] = '\r';
        b[p++] = '\n';
        length = p;
    }

    /** Writes {@code name: } at the end (room already ensured); returns where the value goes. */
    private int name(String name) {
        byte[] b = bytes;
        int p = length;
        for (int i = 0, n = name.length(); i < n; i++) {
            char c = name.charAt(i);
            b[p++] = c < 0x80 ? (byte) c : (byte) '?';
        }
        b[p++] = ':';
        b[p++] = ' ';
        return p;
    }

    /** Appends lines already in wire form. */
    public void add(byte[] lines, int offset, int count) {
        ensure(count);
        System.arraycopy(lines, offset, bytes, length, count);
        length += count;
    }

    private void ensure(int more) {
        if (bytes.length - length < more) {
            bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
