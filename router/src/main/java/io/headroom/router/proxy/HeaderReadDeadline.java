package io.headroom.router.proxy;

import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http1.Http1ConnectionListener;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A header read deadline that Helidon 4.5.0 lacks (slowloris defence): a connection whose request line has arrived
 * but whose headers have not, {@code timeout} later, is closed. Helidon's HTTP/1.1 codec calls {@link #prologue} and
 * {@link #headers} as a receive listener; one daemon thread sweeps every quarter of the timeout. It costs a map put
 * and remove per request, so it is on only when {@code router.header-read-timeout} is set. A client that trickles
 * its request line itself is bounded by {@code max-request-line} only.
 */
public final class HeaderReadDeadline implements Http1ConnectionListener, AutoCloseable {
    private final long timeoutNanos;
    private final Map<ConnectionContext, Long> reading = new ConcurrentHashMap<>();
    private final Thread sweeper;
    private volatile boolean closed;

    public HeaderReadDeadline(java.time.Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
        this.sweeper = Thread.ofPlatform().daemon().name("headroom-header-deadline").start(this::sweep);
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        reading.put(ctx, System.nanoTime());
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        reading.remove(ctx);
    }

    /** Connections now waiting for the rest of their headers (tests). */
    public int reading() {
        return reading.size();
    }

    private void sweep() {
        long period = Math.max(TimeUnit.MILLISECONDS.toNanos(10), timeoutNanos / 4);
        while (!closed) {
            LockSupport.parkNanos(period);
            long now = System.nanoTime();
            for (Map.Entry<ConnectionContext, Long> e : reading.entrySet()) {
                if (now - e.getValue() > timeoutNanos && reading.remove(e.getKey(), e.getValue())) {
                    try {
                        e.getKey().serverSocket().close(); // the codec's blocked read fails and the connection ends
                    } catch (RuntimeException ignored) {
                        // already closed
                    }
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(sweeper);
        reading.clear();
    }
}
