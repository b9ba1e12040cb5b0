package io.headroom.time;

/**
 * A monotonic nanosecond source, injected wherever code measures elapsed time so tests can move it by hand.
 */
@FunctionalInterface
public interface Ticker {
    /** Nanoseconds from an arbitrary origin; only differences are meaningful. */
    long read();

    /** The JVM's monotonic clock. */
    static Ticker system() {
        return System::nanoTime;
    }
}
