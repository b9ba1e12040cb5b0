package io.headroom.router.limit;

import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.time.Ticker;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The limits shared by every route: one GCRA cell per consumer over all routes. The consumer's rate is, in order, its
 * valid quota lease from the control plan ({@link QuotaLeases}), its {@code consumers:} override, or the default
 * {@code consumer:} rate; with none of them the consumer has no global limit. Routes add their own limits through
 * {@link #forRoute}.
 */
public final class RateLimiter {
    static final int MAX_KEYS = 100_000;

    private final Policy defaultConsumer;
    private final Map<String, Policy> overrides = new HashMap<>();
    private final QuotaLeases leases;
    private final Cells consumerCells = new Cells(MAX_KEYS);
    final Ticker ticker;
    final Clock clock;

    public RateLimiter(RateLimitConfig config, QuotaLeases leases, Ticker ticker, Clock clock) {
        this.defaultConsumer = Policy.of("consumer", config.consumer());
        config.consumers().forEach((k, v) -> overrides.put(k, Policy.of("consumer", v)));
        this.leases = leases;
        this.ticker = ticker;
        this.clock = clock;
    }

    /** The per-consumer policy in force for {@code consumer} now, or null. */
    Policy consumerPolicy(String consumer) {
        QuotaLeases.Lease l = leases.lease(consumer, clock);
        if (l != null) {
            return l.policy();
        }
        Policy p = overrides.get(consumer);
        return p != null ? p : defaultConsumer;
    }

    AtomicLong consumerCell(String consumer, long now) {
        return consumerCells.cell(consumer, now);
    }

    /** The limiter of one route: its own limits plus the global per-consumer one. */
    public RouteLimiter forRoute(RouteConfig.Limits limits) {
        return new RouteLimiter(this, Policy.of("route", limits.route()), Policy.of("route-consumer", limits.consumer()));
    }

    public QuotaLeases leases() {
        return leases;
    }
}
