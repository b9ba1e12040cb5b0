package io.headroom.router.route;

import io.headroom.router.balance.RequestContext;
import io.headroom.router.balance.Rng;
import io.headroom.router.control.PoolSnapshot;
import io.headroom.router.control.PoolState;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.ResponseHead;
import io.headroom.router.upstream.UpstreamConnection;
import io.headroom.time.Ticker;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Shadow traffic: a copy of a share of a route's requests goes to another pool on its own virtual thread, and the
 * answer is read and discarded. The primary request never waits for it: {@link #offer} only takes a slot (one atomic
 * increment; when {@code max-in-flight} copies are outstanding the copy is dropped and counted) and starts the thread.
 * Only requests without a body are mirrored (a body would have to be buffered or teed). The copy carries the
 * request's method, forwarded path and end-to-end headers; its {@code Host} gets a {@code -shadow} suffix as in Envoy,
 * so a backend can tell copies apart. Copies bypass retries, breakers' permissions and telemetry (they are not
 * client traffic), but their failures still feed the shadow pool's outlier detection.
 */
public final class Mirror {
    private final PoolState pool;
    private final double fraction;
    private final int maxInFlight;
    private final Ticker ticker;
    private final Rng rng;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder sent = new LongAdder();
    private final LongAdder dropped = new LongAdder();
    private final LongAdder failed = new LongAdder();

    public Mirror(PoolState pool, double percent, int maxInFlight, Ticker ticker, long seed) {
        this.pool = pool;
        this.fraction = percent / 100.0;
        this.maxInFlight = maxInFlight;
        this.ticker = ticker;
        this.rng = new Rng(seed);
    }

    /** A captured request head: method, path with query, and header name/value pairs. */
    public record Copy(String method, String target, String[] headers) {
    }

    /** Whether this request should be copied (the percentage draw; no slot taken yet). */
    public boolean wants() {
        return fraction >= 1.0 || (fraction > 0 && rng.nextDouble() < fraction);
    }

    /** Sends {@code copy} in the background if a slot is free; never blocks. */
    public void offer(Copy copy) {
        if (inFlight.incrementAndGet() > maxInFlight) {
            inFlight.decrementAndGet();
            dropped.increment();
            return;
        }
        try {
            Thread.ofVirtual().name("headroom-mirror").start(() -> {
                try {
                    send(copy);
                } finally {
                    inFlight.decrementAndGet();
                }
            });
        } catch (RuntimeException | OutOfMemoryError e) {
            inFlight.decrementAndGet();
            dropped.increment();
        }
    }

    private void send(Copy copy) {
        PoolSnapshot snap = pool.snapshot();
        Backend b = snap.balancer().pick(new RequestContext("mirror", copy.target()));
        if (b == null) {
            failed.increment();
            return;
        }
        long start = ticker.read();
        long deadline = start + pool.requestTimeoutNanos();
        UpstreamConnection conn = b.connections().pollIdle(start);
        b.started();
        try {
            if (conn == null) {
                conn = b.connections().open(deadline - start);
            }
            conn.begin(deadline);
            conn.writeAscii(copy.method());
            conn.writeAscii(" ");
            conn.writeAscii(copy.target());
            conn.writeAscii(" HTTP/1.1\r\n");
            String[] h = copy.headers();
            for (int i = 0; i < h.length; i += 2) {
                conn.writeHeader(h[i], h[i + 1]);
            }
            conn.writeCrlf();
            conn.flush();
            ResponseHead head = conn.readHead();
            boolean body = head.hasBody("HEAD".equals(copy.method()));
            if (body) {
                conn.transferBody(head, OutputStream.nullOutputStream());
            }
            long now = ticker.read();
            pool.succeeded(b, head.status(), now - start, now);
            if (conn.reusableAfter(head, body)) {
                conn.release(now);
            } else {
                conn.close();
            }
            sent.increment();
        } catch (IOException | RuntimeException e) {
            if (conn != null) {
                conn.close();
            }
            pool.failed(b, "mirror: " + e.getMessage(), ticker.read() - start);
            failed.increment();
        } finally {
            b.finished();
        }
    }

    /** Copies answered by the shadow pool (any status). */
    public long sent() {
        return sent.sum();
    }

    /** Copies not made because {@code max-in-flight} were outstanding. */
    public long dropped() {
        return dropped.sum();
    }

    /** Copies that failed (no member, connect failure, timeout, bad response). */
    public long failed() {
        return failed.sum();
    }

    public int inFlight() {
        return inFlight.get();
    }
}
