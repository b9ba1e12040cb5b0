package io.headroom.time;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A ticker that only moves when told to: for exact tests and simulated time. */
public final class ManualTicker implements Ticker {
    private final AtomicLong nanos;

    public ManualTicker(long startNanos) {
        this.nanos = new AtomicLong(startNanos);
    }

    public ManualTicker() {
        this(0);
    }

    @Override
    public long read() {
        return nanos.get();
    }

    public void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    public void advanceNanos(long n) {
        nanos.addAndGet(n);
    }
}
