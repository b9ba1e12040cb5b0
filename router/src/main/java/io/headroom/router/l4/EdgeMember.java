package io.headroom.router.l4;

import io.headroom.router.config.HostPort;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * One member of the edge's pool (a gateway instance) and its live counters. The same object lives across snapshots
 * for as long as the member is in the pool or still has connections open, so the open-connection count that
 * least-connections reads survives membership changes.
 */
public final class EdgeMember {
    private final HostPort address;
    private final AtomicInteger active = new AtomicInteger();
    private final LongAdder connections = new LongAdder();
    private final LongAdder connectFailures = new LongAdder();
    private volatile boolean failed;
    private volatile long downUntilNanos;

    EdgeMember(HostPort address) {
        this.address = address;
    }

    public HostPort address() {
        return address;
    }

    /** Open connections through this member, counting one being connected. */
    public int active() {
        return active.get();
    }

    /** Connections established to this member so far. */
    public long connections() {
        return connections.sum();
    }

    /** Connects to this member that failed so far. */
    public long connectFailures() {
        return connectFailures.sum();
    }

    /** True while the last connect failed less than the down time ago: new connections skip it. */
    public boolean isDown(long nowNanos) {
        return failed && nowNanos - downUntilNanos < 0;
    }

    void acquire() {
        active.incrementAndGet();
    }

    void release() {
        active.decrementAndGet();
    }

    void connected() {
        connections.increment();
        failed = false;
    }

    /** Records a failed connect; returns true if the member was up before (for logging the transition once). */
    boolean connectFailed(long downUntil) {
        connectFailures.increment();
        boolean wasUp = !failed;
        downUntilNanos = downUntil;
        failed = true;
        return wasUp;
    }

    @Override
    public String toString() {
        return address.toString();
    }
}
