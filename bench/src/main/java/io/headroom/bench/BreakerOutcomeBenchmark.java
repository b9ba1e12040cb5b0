package io.headroom.bench;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Threads;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What a closed per-backend circuit breaker costs one proxied request (a permission, then a success recorded), as the
 * router configures it (count-based lock-free window): with a state-transition listener on resilience4j's event
 * publisher (the router until 2026-11-29: resilience4j then builds an event with a zoned timestamp for every call) and
 * without one (now: MemberHealth#breakerCalled compares the state before and after the call). And the window itself:
 * resilience4j's lock-free one (a linked node and a copy of the aggregate per call) against its synchronized one (a
 * ring of measurements updated in place), on one thread and shared by two ({@code contended*}), as two carriers of the
 * virtual-thread scheduler share one backend's breaker.
 */
public class BreakerOutcomeBenchmark extends NanosBenchmark {
    private CircuitBreaker withListener;
    private CircuitBreaker withoutListener;
    private CircuitBreaker lockFree;
    private CircuitBreaker synchronizedWindow;
    private volatile CircuitBreaker.State seen = CircuitBreaker.State.CLOSED;

    @Setup(Level.Trial)
    public void setup() {
        CircuitBreakerConfig cfg = config(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE);
        withListener = CircuitBreaker.of("a", cfg);
        withListener.getEventPublisher().onStateTransition(e -> seen = e.getStateTransition().getToState());
        withoutListener = CircuitBreaker.of("b", cfg);
        lockFree = CircuitBreaker.of("c", cfg);
        synchronizedWindow = CircuitBreaker.of("d", config(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.SYNCHRONIZED));
    }

    private static CircuitBreakerConfig config(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy strategy) {
        return CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSynchronizationStrategy(strategy)
                .slidingWindowSize(100)
                .minimumNumberOfCalls(20)
                .failureRateThreshold(50)
                .permittedNumberOfCallsInHalfOpenState(5)
                .waitDurationInOpenState(Duration.ofSeconds(10))
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build();
    }

    private static boolean call(CircuitBreaker cb) {
        boolean ok = cb.tryAcquirePermission();
        cb.onSuccess(1_000_000, TimeUnit.NANOSECONDS);
        return ok;
    }

    @Benchmark
    @Threads(1)
    public boolean lockFreeWindow() {
        return call(lockFree);
    }

    @Benchmark
    @Threads(1)
    public boolean synchronizedWindow() {
        return call(synchronizedWindow);
    }

    @Benchmark
    @Threads(2)
    public boolean contendedLockFreeWindow() {
        return call(lockFree);
    }

    @Benchmark
    @Threads(2)
    public boolean contendedSynchronizedWindow() {
        return call(synchronizedWindow);
    }

    @Benchmark
    @Threads(1)
    public boolean closedWithTransitionListener() {
        boolean ok = withListener.tryAcquirePermission();
        withListener.onSuccess(1_000_000, TimeUnit.NANOSECONDS);
        return ok;
    }

    @Benchmark
    @Threads(1)
    public boolean closedComparingStates() {
        CircuitBreaker.State before = withoutListener.getState();
        boolean ok = withoutListener.tryAcquirePermission();
        if (withoutListener.getState() != before) {
            seen = withoutListener.getState();
        }
        before = withoutListener.getState();
        withoutListener.onSuccess(1_000_000, TimeUnit.NANOSECONDS);
        if (withoutListener.getState() != before) {
            seen = withoutListener.getState();
        }
        return ok;
    }
}
