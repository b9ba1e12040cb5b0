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
 * ({@code rate-limits.quotas}) count in {@link Quota} cells by the calendar of the configured time zone; where the
 * control plan hands this instance an allowance of a cluster-wide quota ({@link QuotaAllowances}), that allowance
 * decides instead of the local quota of the same period (which keeps counting, for when the plan expires). Routes add
 * their own limits and quotas through {@link #forRoute}.
 */
public final class RateLimiter {
    static final int MAX_KEYS = 100_000;

    private final Policy defaultConsumer;
    private final Map<String, Policy> overrides = new HashMap<>();
    private final QuotaLeases leases;
    private final QuotaAllowances allowances;
    private final Cells consumerCells;
    private final Quota[] defaultQuotas;
    private final Map<String, Quota[]> quotaOverrides = new HashMap<>();
    private final ZoneId zone;
    final Ticker ticker;
    final Clock clock;

    public RateLimiter(RateLimitConfig config, QuotaLeases leases, Ticker ticker, Clock clock) {
        this(config, leases, ticker, clock, null);
    }

    /**
     * A limiter for {@code config} that counts on from {@code previous} (the one a reload replaces; null: from zero):
     * each consumer's rate cell and its quota counts in the current windows carry over, whatever else changed.
     */
    public RateLimiter(RateLimitConfig config, QuotaLeases leases, Ticker ticker, Clock clock, RateLimiter previous) {
        this(config, leases, previous != null ? previous.allowances : new QuotaAllowances(leases.instanceId()), ticker, clock, previous);
    }

    /**
     * As {@link #RateLimiter(RateLimitConfig, QuotaLeases, Ticker, Clock, RateLimiter)}, with the cluster-wide quota
     * allowances of this instance ({@link QuotaAllowances}, fed from the control plans).
     */
    public RateLimiter(RateLimitConfig config, QuotaLeases leases, QuotaAllowances allowances, Ticker ticker, Clock clock,
                       RateLimiter previous) {
        this.allowances = java.util.Objects.requireNonNull(allowances, "allowances");
        this.consumerCells = previous != null ? previous.consumerCells : new Cells(MAX_KEYS);
        this.defaultConsumer = Policy.of("consumer", config.consumer());
        config.consumers().forEach((k, v) -> overrides.put(k, Policy.of("consumer", v)));
        this.leases = leases;
        this.ticker = ticker;
        this.clock = clock;
        this.zone = config.quotas().zone();
        this.defaultQuotas = quotas("consumer", config.quotas().consumer(), previous == null ? null : previous.defaultQuotas);
        // a consumer's counts are in the quota that applied to it before (its override or the default)
        config.quotas().consumers().forEach((k, v) -> quotaOverrides.put(k, quotas("consumer", v,
                previous == null ? null : previous.consumerQuotas(k))));
    }

    /** One {@link Quota} per period, in period order; an empty array for none. */
    Quota[] quotas(String name, Map<QuotaPeriod, Long> periods) {
        return quotas(name, periods, null);
    }

    /** As {@link #quotas(String, Map)}, each counting on from the quota of the same period in {@code carry} (may be null). */
    Quota[] quotas(String name, Map<QuotaPeriod, Long> periods, Quota[] carry) {
        Quota[] out = new Quota[periods.size()];
        int i = 0;
        for (Map.Entry<QuotaPeriod, Long> e : periods.entrySet()) {
            Quota from = null;
            for (Quota q : carry == null ? new Quota[0] : carry) {
                if (q.period() == e.getKey()) {
                    from = q;
                }
            }
            out[i++] = new Quota(name, e.getKey(), e.getValue(), zone, from);
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
        return forRoute(limits, null);
    }

    /**
     * As {@link #forRoute(RouteConfig.Limits)}, counting on from {@code previous} (the same route's limiter before a
     * reload; null: from zero): the route's rate cells and its quota counts in the current windows carry over.
     */
    public RouteLimiter forRoute(RouteConfig.Limits limits, RouteLimiter previous) {
        return new RouteLimiter(this, Policy.of("route", limits.route()), Policy.of("route-consumer", limits.consumer()),
                quotas("route", limits.routeQuotas(), previous == null ? null : previous.routeQuotas()),
                quotas("route-consumer", limits.consumerQuotas(), previous == null ? null : previous.routeConsumerQuotas()), previous);
    }

    public QuotaLeases leases() {
        return leases;
    }

    /** This instance's allowances of cluster-wide calendar quotas. */
    public QuotaAllowances allowances() {
        return allowances;
    }
}
