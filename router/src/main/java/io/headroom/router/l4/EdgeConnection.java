package io.headroom.router.l4;

import io.headroom.time.Ticker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * One client connection spliced to one member: two pumps, one per direction, each on its own (virtual) thread. A
 * pump that reads end-of-stream shuts down the output of the other socket (half-close) and ends; the other direction
 * goes on until it ends too, then both sockets close. An error in either direction, the idle watchdog or the edge
 * closing aborts both. The last read time is one volatile write per read, and the watchdog compares it.
 */
final class EdgeConnection {
    static final int BUFFER = 32 * 1024;

    final Socket client;
    final Socket upstream;
    final EdgeMember member;
    private final Ticker ticker;
    private volatile long lastActivityNanos;
    private final AtomicBoolean closed = new AtomicBoolean();

    EdgeConnection(Socket client, Socket upstream, EdgeMember member, Ticker ticker) {
        this.client = client;
        this.upstream = upstream;
        this.member = member;
        this.ticker = ticker;
        this.lastActivityNanos = ticker.read();
    }

    long lastActivityNanos() {
        return lastActivityNanos;
    }

    /**
     * Copies {@code from} to {@code to} until end-of-stream (then half-closes {@code to}) or an error (then aborts the
     * whole connection). Returns normally in both cases.
     */
    void pump(Socket from, Socket to, LongAdder bytes) {
        byte[] buf = new byte[BUFFER];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) >= 0) {
                lastActivityNanos = ticker.read();
                if (n > 0) {
                    out.write(buf, 0, n);
                    bytes.add(n);
                }
            }
            lastActivityNanos = ticker.read();
            if (!to.isClosed() && !to.isOutputShutdown()) {
                to.shutdownOutput(); // propagate the FIN; the other direction may still be sending
            }
        } catch (IOException e) {
            abort();
        }
    }

    /** Closes both sockets now (idle timeout, error, shutdown); idempotent. */
    void abort() {
        close();
    }

    /** Closes both sockets; true the first time. */
    boolean close() {
        if (!closed.compareAndSet(false, true)) {
            return false;
        }
        closeQuietly(client);
        closeQuietly(upstream);
        return true;
    }

    boolean isClosed() {
        return closed.get();
    }

    static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
    }
}
