package io.headroom.router;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Ports on 127.0.0.1 where nothing listens, for members and endpoints whose connections must be refused. */
public final class RefusedPort {
    private RefusedPort() {
    }

    /** A port that was bound and closed again: connecting to it is refused (until something else takes it). */
    public static int next() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
