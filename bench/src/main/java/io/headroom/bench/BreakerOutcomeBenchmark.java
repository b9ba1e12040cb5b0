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
 * without one (now: MemberHealth#breakerCalled compares the state before and after the call).
 */
public class BreakerOutcomeBenchmark extends NanosBenchmark {
    private CircuitBreaker withListener;
    private CircuitBreaker withoutListener;
    private volatile CircuitBreaker.State seen = CircuitBreaker.State.CLOSED;

    @Setup(Level.Trial)
    public void setup() {
        CircuitBreakerConfig cfg = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSynchronizationStrategy(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.LOCK_FREE)
                .slidingWindowSize(100)
                .minimumNumberOfCalls(20)
                .failureRateThreshold(50)
                .permittedNumberOfCallsInHalfOpenState(5)
                .waitDurationInOpenState(Duration.ofSeconds(10))
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build();
        withListener = CircuitBreaker.of("a", cfg);
        withListener.getEventPublisher().onStateTransition(e -> seen = e.getStateTransition().getToState());
        withoutListener = CircuitBreaker.of("b", cfg);
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
