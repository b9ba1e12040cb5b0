package io.headroom.router.control;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.headroom.router.config.BalancerConfig;
import io.headroom.router.config.PoolConfig;
import io.headroom.router.resilience.ConcurrencyLimiter;
import io.headroom.router.resilience.RetryBudget;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.BackendSet;
import io.headroom.router.upstream.MemberHealth;
import io.headroom.router.upstream.PauseLog;
import io.headroom.time.Ticker;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A pool as the proxy holds it: fixed configuration and backends, plus the current {@link PoolSnapshot}, which the
 * {@link ControlPlanStore} swaps atomically (one volatile read per request). The proxy reports each attempt's outcome
 * here ({@link #succeeded}, {@link #failed}); a failure streak long enough asks the store to eject the member.
 */
public final class PoolState {
    /** Handed to the breaker for failures: no stack trace, no allocation. */
    private static final Exception FAILURE = new Exception("upstream failure", null, false, false) {
    };

    private final PoolConfig config;
    private final BackendSet backends;
    private final long requestTimeoutNanos;
    private final long firstByteTimeoutNanos;
    private final ControlPlanStore store;
    private final RetryBudget retryBudget;
    private final int ejectAfter;
    private final HeaderName hashHeader;
    /** The affinity cookie's attributes ({@code ; Path=/; Max-Age=...}), built once; null without affinity. */
    private final String affinityAttributes;
    /** Only peak-EWMA and hot-cold read latency estimates: other pools skip the per-response update. */
    private final boolean trackLatency;
    /** The pool's adaptive concurrency limit, or null when it has none. */
    private final ConcurrencyLimiter concurrency;
    private volatile PoolSnapshot snapshot;
    /** The process's pauses, left out of latency samples (see {@link #succeeded}). */
    private final PauseLog pauses;
    /** Every effective member of the current snapshot, available or not (control path only). */
    volatile List<Backend> all = List.of();
    /** The current snapshot gives some member less than its full weight (slow start). */
    volatile boolean ramping;

    PoolState(PoolConfig config, BackendSet backends, ControlPlanStore store, Ticker ticker) {
        this.config = config;
        this.backends = backends;
        this.requestTimeoutNanos = config.requestTimeout().toNanos();
        this.firstByteTimeoutNanos = config.firstByteTimeout().toNanos();
        this.store = store;
        this.pauses = store.pauses();
        this.retryBudget = new RetryBudget(config.resilience().budgetPercent(), config.resilience().budgetMinPerSecond(), ticker);
        this.ejectAfter = config.outlier().enabled() ? config.outlier().consecutiveFailures() : Integer.MAX_VALUE;
        this.trackLatency = config.balancer().tracksLatency();
        this.concurrency = config.concurrencyLimit().enabled() ? new ConcurrencyLimiter(config.concurrencyLimit(), ticker) : null;
        this.affinityAttributes = config.affinityCookie() == null ? null : config.affinityCookie().attributes();
        BalancerConfig.HashOn h = config.balancer().hashOn();
        this.hashHeader = h == null ? null : HeaderNames.create(h.source() == BalancerConfig.Source.COOKIE ? "Cookie" : h.name());
    }

    /** The header that carries the hash key ({@code Cookie} for cookie hashing), or null. */
    public HeaderName hashHeader() {
        return hashHeader;
    }

    /** The affinity cookie's attributes after {@code name=value}, or null when the pool has no affinity cookie. */
    public String affinityAttributes() {
        return affinityAttributes;
    }

    /** Gives back a permission taken by {@link #admit} when the attempt ended before reaching the backend. */
    public void release(Backend b) {
        CircuitBreaker cb = b.health().breaker();
        if (cb != null) {
            cb.releasePermission(); // changes no state
        }
    }

    public PoolConfig config() {
        return config;
    }

    public BackendSet backends() {
        return backends;
    }

    public long requestTimeoutNanos() {
        return requestTimeoutNanos;
    }

    /** Longest wait from the request sent to the response head; 0 = only the request timeout applies. */
    public long firstByteTimeoutNanos() {
        return firstByteTimeoutNanos;
    }

    public PoolSnapshot snapshot() {
        return snapshot;
    }

    /** The pool's hash key source, or null when its balancer does not hash. */
    public BalancerConfig.HashOn hashOn() {
        return config.balancer().hashOn();
    }

    public RetryBudget retryBudget() {
        return retryBudget;
    }

    /** The pool's adaptive concurrency limit, or null when {@code concurrency-limit} is off. */
    public ConcurrencyLimiter concurrencyLimiter() {
        return concurrency;
    }

    /**
     * Asks {@code b}'s circuit breaker for a call; true when there is no breaker or it lets the call through (then the
     * outcome must be reported with {@link #succeeded} or {@link #failed}).
     */
    public boolean admit(Backend b) {
        MemberHealth h = b.health();
        CircuitBreaker cb = h.breaker();
        if (cb == null) {
            return true;
        }
        CircuitBreaker.State before = cb.getState();
        boolean permitted = cb.tryAcquirePermission(); // may move an open breaker whose wait is over to half-open
        h.breakerCalled(before);
        return permitted;
    }

    /**
     * An answer came back from {@code b}. 5xx counts as a failure for outlier detection and the breaker, except a 503
     * with Retry-After, which like a 429 is a healthy backend shedding load: ejecting it or opening its breaker would
     * turn overload into an outage. Only answers that are neither 5xx nor 429 feed the latency estimate, so a fast
     * error never makes a backend look fast. A latency sample that overlapped a pause of this process (a GC pause, the
     * host not running it) is counted without the pause ({@link PauseLog#withoutPauses}): the backend did not cause
     * it, and every exchange in flight saw it, so counting it would make every backend look slow at once and send
     * traffic to a slow one for the seconds the peak-EWMA estimates take to decay.
     *
     * @param headNanos time from sending the request to the response head
     */
    public void succeeded(Backend b, int status, long headNanos, long nowNanos) {
        succeeded(b, status, false, headNanos, nowNanos);
    }

    /** As {@link #succeeded(Backend, int, long, long)}; {@code retryAfter} tells whether the answer carried Retry-After. */
    public void succeeded(Backend b, int status, boolean retryAfter, long headNanos, long nowNanos) {
        MemberHealth h = b.health();
        boolean shedding = status == 429 || (status == 503 && retryAfter);
        long own = pauses.withoutPauses(headNanos, nowNanos);
        if (concurrency != null && status < 500 && !shedding) {
            concurrency.sample(own); // as for latency: a fast error must not make the pool look fast
        }
        if (status >= 500 && !shedding) {
            failed(b, "status " + status, headNanos);
            return;
        }
        h.success();
        CircuitBreaker cb = h.breaker();
        if (cb != null) {
            CircuitBreaker.State before = cb.getState();
            cb.onSuccess(own, TimeUnit.NANOSECONDS);
            h.breakerCalled(before);
        }
        if (trackLatency && !shedding) {
            b.observeLatency(own, nowNanos);
        }
    }

    /** Connect failure, broken or timed-out exchange, or a 5xx answer from {@code b}. */
    public void failed(Backend b, String error, long nanos) {
        MemberHealth h = b.health();
        CircuitBreaker cb = h.breaker();
        if (cb != null) {
            CircuitBreaker.State before = cb.getState();
            cb.onError(nanos, TimeUnit.NANOSECONDS, FAILURE);
            h.breakerCalled(before);
        }
        if (h.failure(error) >= ejectAfter) {
            store.maybeEject(this, b);
        }
    }

    /**
     * The exchange with {@code b} ran past the request timeout: a failure, and for the concurrency limit a round trip
     * at least this long.
     */
    public void timedOut(Backend b, long nanos) {
        if (concurrency != null) {
            concurrency.sample(nanos);
        }
        failed(b, "timeout", nanos);
    }

    void swap(PoolSnapshot s) {
        this.snapshot = s;
    }
}
