package io.headroom.datasets.replay;

import java.util.concurrent.locks.LockSupport;

/** Waits for a number of nanoseconds; injected so tests can move a manual ticker instead of sleeping. */
@FunctionalInterface
public interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;

    /** parkNanos: sub-millisecond precision, unlike Thread.sleep on many kernels. */
    static Sleeper system() {
        return nanos -> {
            LockSupport.parkNanos(nanos);
            if (Thread.interrupted()) {
                throw new InterruptedException();
            }
        };
    }
}
