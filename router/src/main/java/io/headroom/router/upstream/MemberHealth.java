package io.headroom.router.upstream;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Mutable health state of one pool member: passive outlier detection (consecutive failures, ejections), active
 * health checks (healthy flag and streaks), the circuit breaker, the slow-start origin and the last error.
 *
 * <p>The request path only touches {@link #consecutiveFailures} (and writes it only when it is not already 0) and
 * the breaker; ejection, check results and slow start change on the control path, which rebuilds the pool snapshot.
 */
public final class MemberHealth {
    final AtomicInteger consecutiveFailures = new AtomicInteger();
    private volatile long ejectedUntilNanos = Long.MIN_VALUE;
    private volatile int ejections;
    private volatile boolean healthy = true;
    private int checkPasses;
    private int checkFailures;
    private volatile String lastError;
    private volatile long availableSinceNanos = Long.MIN_VALUE;
    private volatile CircuitBreaker breaker;
    private volatile Consumer<CircuitBreaker.State> breakerListener = state -> { };
    private volatile long breakerOpenedNanos;

    /** Counts a failure; returns the number of failures in a row. */
    public int failure(String error) {
        lastError = error;
        return consecutiveFailures.incrementAndGet();
    }

    /** Resets the failure streak (a write only when there is a streak, to keep the cache line shared). */
    public void success() {
        if (consecutiveFailures.get() != 0) {
            consecutiveFailures.set(0);
        }
    }

    public int consecutiveFailures() {
        return consecutiveFailures.get();
    }

    public void resetFailures() {
        consecutiveFailures.set(0);
    }

    public boolean ejectedAt(long nowNanos) {
        return ejectedUntilNanos != Long.MIN_VALUE && nowNanos - ejectedUntilNanos < 0;
    }

    public long ejectedUntilNanos() {
        return ejectedUntilNanos;
    }

    /** Ejects until {@code untilNanos} and counts the ejection. */
    public void eject(long untilNanos) {
        ejections++;
        ejectedUntilNanos = untilNanos;
    }

    public int ejections() {
        return ejections;
    }

    /** Active health check verdict (true until checks say otherwise). */
    public boolean healthy() {
        return healthy;
    }

    /**
     * Records one active check; returns true when the verdict flipped.
     *
     * @param passed            the check passed
     * @param healthyThreshold  passes in a row that make an unhealthy member healthy
     * @param unhealthyThreshold failures in a row that make a healthy member unhealthy
     */
    public synchronized boolean check(boolean passed, String error, int healthyThreshold, int unhealthyThreshold) {
        if (passed) {
            checkFailures = 0;
            checkPasses++;
            if (!healthy && checkPasses >= healthyThreshold) {
                healthy = true;
                return true;
            }
        } else {
            lastError = error;
            checkPasses = 0;
            checkFailures++;
            if (healthy && checkFailures >= unhealthyThreshold) {
                healthy = false;
                return true;
            }
        }
        return false;
    }

    public String lastError() {
        return lastError;
    }

    /** When this member last became available (for slow start); {@code Long.MIN_VALUE} = from the start. */
    public long availableSinceNanos() {
        return availableSinceNanos;
    }

    public void availableSince(long nanos) {
        this.availableSinceNanos = nanos;
    }

    /** The circuit breaker guarding this member, or null when the pool has none. */
    public CircuitBreaker breaker() {
        return breaker;
    }

    /**
     * Sets the member's breaker; {@code onTransition} hears of each state change that {@link #breakerCalled} sees. No
     * listener is registered on the breaker's event publisher: with one, resilience4j builds an event (with a
     * time-zoned timestamp) for every recorded call, on the request path.
     */
    public void breaker(CircuitBreaker b, Consumer<CircuitBreaker.State> onTransition) {
        this.breakerListener = onTransition;
        this.breaker = b;
    }

    /**
     * After a call on the breaker (permission, outcome, a forced transition) that found it in state {@code before}:
     * reports a changed state to the listener. Every transition is made by such a call, and the call that made it sees
     * it here; two getState() reads are what a closed breaker costs.
     */
    public void breakerCalled(CircuitBreaker.State before) {
        CircuitBreaker.State after = breaker.getState();
        if (after != before) {
            breakerListener.accept(after);
        }
    }

    public long breakerOpenedNanos() {
        return breakerOpenedNanos;
    }

    public void breakerOpened(long nanos) {
        this.breakerOpenedNanos = nanos;
    }
}
