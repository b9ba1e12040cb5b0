package io.headroom.router.lane;

import io.headroom.router.net.NativeSocket;
import io.helidon.common.buffers.BufferData;

/**
 * The bytes of one write to the client, in a growing array kept by the connection and cleared before each write; its
 * array is what a native {@code send} takes in place ({@link NativeSocket}), and {@link #from(int)} what Helidon's
 * writer takes when the JDK writes instead.
 */
final class WireBuffer {
    private byte[] bytes;
    private int length;

    WireBuffer(int capacity) {
        this.bytes = new byte[Math.max(64, capacity)];
    }

    void clear() {
        length = 0;
    }

    /** The bytes written since the last {@link #clear()}. */
    int available() {
        return length;
    }

    /** The array: its first {@link #available()} bytes are the buffer's. */
    byte[] array() {
        return bytes;
    }

    void write(byte[] b) {
        write(b, 0, b.length);
    }

    void write(byte[] b, int offset, int count) {
        ensure(count);
        System.arraycopy(b, offset, bytes, length, count);
        length += count;
    }

    void write(int b) {
        ensure(1);
        bytes[length++] = (byte) b;
    }

    /** The bytes from {@code offset} on, as a buffer over this array (no copy): valid until the next write or clear. */
    BufferData from(int offset) {
        return BufferData.create(bytes, offset, length - offset);
    }

    private void ensure(int more) {
        if (bytes.length - length < more) {
            bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, length + more));
        }
    }
}
