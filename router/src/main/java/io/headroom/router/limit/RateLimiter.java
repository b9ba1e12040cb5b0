package io.headroom.router.limit;

import io.headroom.router.config.QuotaPeriod;
import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.time.Ticker;

import java.time.Clock;
import java.time.ZoneId;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The limits shared by every route: one GCRA cell per consumer over all routes. The consumer's rate is, in order, its
 * valid quota lease from the control plan ({@link QuotaLeases}), its {@code consumers:} override, or the default
 * {@code consumer:} rate; with none of them the consumer has no global limit. Long-period quotas per consumer
 * ({@code rate-limits.quotas}) count in {@link Quota} cells by the calendar of the configured time zone. Routes add
 * their own limits and quotas through {@link #forRoute}.
 */
public final class RateLimiter {
    static final int MAX_KEYS = 100_000;

    private final Policy defaultConsumer;
    private final Map<String, Policy> overrides = new HashMap<>();
    private final QuotaLeases leases;
    private final Cells consumerCells = new Cells(MAX_KEYS);
    private final Quota[] defaultQuotas;
    private final Map<String, Quota[]> quotaOverrides = new HashMap<>();
    private final ZoneId zone;
    final Ticker ticker;
    final Clock clock;

    public RateLimiter(RateLimitConfig config, QuotaLeases leases, Ticker ticker, Clock clock) {
        this.defaultConsumer = Policy.of("consumer", config.consumer());
        config.consumers().forEach((k, v) -> overrides.put(k, Policy.of("consumer", v)));
        this.leases = leases;
        this.ticker = ticker;
        this.clock = clock;
        this.zone = config.quotas().zone();
        this.defaultQuotas = quotas("consumer", config.quotas().consumer());
        config.quotas().consumers().forEach((k, v) -> quotaOverrides.put(k, quotas("consumer", v)));
    }

    /** One {@link Quota} per period, in period order; an empty array for none. */
    Quota[] quotas(String name, Map<QuotaPeriod, Long> periods) {
        Quota[] out = new Quota[periods.size()];
        int i = 0;
        for (Map.Entry<QuotaPeriod, Long> e : periods.entrySet()) {
            out[i++] = new Quota(name, e.getKey(), e.getValue(), zone);
        }
        return out;
    }

    /** The long-period quotas of {@code consumer} over all routes (its override, or the default); never null. */
    Quota[] consumerQuotas(String consumer) {
        if (quotaOverrides.isEmpty()) {
            return defaultQuotas;
        }
        Quota[] q = quotaOverrides.get(consumer);
        return q != null ? q : defaultQuotas;
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
        return new RouteLimiter(this, Policy.of("route", limits.route()), Policy.of("route-consumer", limits.consumer()),
                quotas("route", limits.routeQuotas()), quotas("route-consumer", limits.consumerQuotas()));
    }

    public QuotaLeases leases() {
        return leases;
    }
}
