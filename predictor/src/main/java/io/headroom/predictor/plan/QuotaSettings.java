package io.headroom.predictor.plan;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Global per-consumer limits the predictor splits into quota leases, and how it splits them.
 *
 * <pre>
 * predictor:
 *   quotas:                        # consumer: global rate over every router instance
 *     mobile-app: 100/s            # N/s, N/m, N/h, N/d or a bare number (per second); burst = one second's worth
 *     partner: {rate: 6000/m, burst: 200}
 *   quota-leases:
 *     reserve: 0.1                 # fraction of each limit spread evenly over live instances (the floor)
 *     half-life: 5s                # smoothing of each instance's share of traffic
 *     warm-up: 3s                  # an instance seen for less than this gets only the floor
 *     forget-after: 30s            # an instance not seen for longer gets no lease
 *   quota-tiers:                   # forecast-driven quotas ({@link TierSettings}, {@link TierPlanner})
 *     tiers: {gold: {consumers: [partner], priority: 1}, free: {consumers: [mobile-app], priority: 2, floor: 0.2}}
 * </pre>
 *
 * @param limits      consumer → global limit, in file order
 * @param reserve     fraction of each limit kept as the even floor, in [0, 1]
 * @param halfLife    half-life of the share smoothing
 * @param warmUp      how long an instance must have been reporting before its share counts
 * @param forgetAfter how long an instance may stay silent before it loses its lease
 * @param tiers       consumer tiers for forecast-driven quotas ({@code quota-tiers:}, {@link TierSettings})
 * @param periods     cluster-wide calendar quotas ({@code period-quotas:}, {@link PeriodQuotaSettings}); they share
 *                    {@code half-life}, {@code warm-up} and {@code forget-after} with the leases
 */
public record QuotaSettings(Map<String, QuotaLeaseAllocator.GlobalLimit> limits, double reserve, Duration halfLife, Duration warmUp,
                            Duration forgetAfter, TierSettings tiers, PeriodQuotaSettings periods) {
    public static final double DEFAULT_RESERVE = 0.1;
    public static final Duration DEFAULT_HALF_LIFE = Duration.ofSeconds(5);
    public static final Duration DEFAULT_WARM_UP = Duration.ofSeconds(3);
    public static final Duration DEFAULT_FORGET_AFTER = Duration.ofSeconds(30);
    /** No global limits: the predictor publishes no leases. */
    public static final QuotaSettings NONE = of(Map.of());

    public QuotaSettings {
        if (!(reserve >= 0 && reserve <= 1) || halfLife.toMillis() < 1000 || warmUp.isNegative() || forgetAfter.toMillis() < 1000) {
            throw new IllegalArgumentException("quota-leases: reserve " + reserve + ", half-life " + halfLife + ", warm-up " + warmUp
                    + ", forget-after " + forgetAfter + " (expected: 0 <= reserve <= 1, half-life and forget-after >= 1s, warm-up >= 0)");
        }
        limits = Map.copyOf(new LinkedHashMap<>(limits));
        java.util.Objects.requireNonNull(tiers, "tiers");
        java.util.Objects.requireNonNull(periods, "periods");
        for (TierSettings.Tier t : tiers.tiers()) {
            for (String c : t.consumers()) {
                if (!limits.containsKey(c)) {
                    throw new IllegalArgumentException("consumer " + c + " of tier " + t.name() + " has no global limit");
                }
            }
        }
    }

    /** Without cluster-wide calendar quotas. */
    public QuotaSettings(Map<String, QuotaLeaseAllocator.GlobalLimit> limits, double reserve, Duration halfLife, Duration warmUp,
                         Duration forgetAfter, TierSettings tiers) {
        this(limits, reserve, halfLife, warmUp, forgetAfter, tiers, PeriodQuotaSettings.NONE);
    }

    /** Without tiers. */
    public QuotaSettings(Map<String, QuotaLeaseAllocator.GlobalLimit> limits, double reserve, Duration halfLife, Duration warmUp,
                         Duration forgetAfter) {
        this(limits, reserve, halfLife, warmUp, forgetAfter, TierSettings.NONE);
    }

    public QuotaSettings withTiers(TierSettings t) {
        return new QuotaSettings(limits, reserve, halfLife, warmUp, forgetAfter, t, periods);
    }

    /** The same splitting over other limits (the tier planner's scaled ones). */
    public QuotaSettings withLimits(Map<String, QuotaLeaseAllocator.GlobalLimit> l) {
        return new QuotaSettings(l, reserve, halfLife, warmUp, forgetAfter, TierSettings.NONE, periods);
    }

    /** The given limits with default splitting. */
    public static QuotaSettings of(Map<String, QuotaLeaseAllocator.GlobalLimit> limits) {
        return new QuotaSettings(limits, DEFAULT_RESERVE, DEFAULT_HALF_LIFE, DEFAULT_WARM_UP, DEFAULT_FORGET_AFTER);
    }

    public QuotaSettings withReserve(double r) {
        return new QuotaSettings(limits, r, halfLife, warmUp, forgetAfter, tiers, periods);
    }

    /** The same, with cluster-wide calendar quotas {@code p}. */
    public QuotaSettings withPeriods(PeriodQuotaSettings p) {
        return new QuotaSettings(limits, reserve, halfLife, warmUp, forgetAfter, tiers, p);
    }

    public boolean isEmpty() {
        return limits.isEmpty();
    }

    /** Parses {@code quotas:} and {@code quota-leases:} of the {@code predictor:} node {@code p} (no tiers). */
    static QuotaSettings from(ConfigNode p) {
        return from(ConfigNode.empty(), p);
    }

    /**
     * Parses {@code quotas:}, {@code quota-leases:} and {@code quota-tiers:} of the {@code predictor:} node {@code p};
     * {@code root} is the whole file (the autoscaler's pool ceilings).
     */
    static QuotaSettings from(ConfigNode root, ConfigNode p) {
        ConfigNode q = p.child("quotas");
        Map<String, QuotaLeaseAllocator.GlobalLimit> limits = new LinkedHashMap<>();
        for (String consumer : q.keys()) {
            limits.put(consumer, limit(q, consumer));
        }
        ConfigNode s = p.child("quota-leases").requireOnly("reserve", "half-life", "warm-up", "forget-after");
        double reserve = s.decimal("reserve", DEFAULT_RESERVE, 0, 1);
        Duration halfLife = atLeastOneSecond(s, "half-life", DEFAULT_HALF_LIFE);
        Duration warmUp = s.duration("warm-up", DEFAULT_WARM_UP);
        if (warmUp.isNegative()) {
            throw s.errorAt("warm-up", "warm-up must not be negative", "write e.g. warm-up: 3s");
        }
        Duration forget = atLeastOneSecond(s, "forget-after", DEFAULT_FORGET_AFTER);
        return new QuotaSettings(limits, reserve, halfLife, warmUp, forget, TierSettings.from(root, p, limits.keySet()),
                PeriodQuotaSettings.from(p));
    }

    private static Duration atLeastOneSecond(ConfigNode s, String key, Duration def) {
        Duration d = s.duration(key, def);
        if (d.toMillis() < 1000) {
            throw s.errorAt(key, key + " must be at least 1s, got " + d.toMillis() + "ms", "write e.g. " + key + ": " + def.toSeconds() + "s");
        }
        return d;
    }

    private static QuotaLeaseAllocator.GlobalLimit limit(ConfigNode q, String consumer) {
        ConfigNode entry = mappingOrNull(q, consumer);
        if (entry != null) {
            entry.requireOnly("rate", "burst");
            if (!entry.has("rate")) {
                throw entry.error("quota of '" + consumer + "' has no rate", "write e.g. " + consumer + ": {rate: 100/s, burst: 50}");
            }
            double perSecond = perSecond(entry, "rate", entry.string("rate", ""));
            long burst = entry.has("burst") ? entry.longValue("burst", 1, 1, Long.MAX_VALUE / 4) : oneSecond(perSecond);
            return new QuotaLeaseAllocator.GlobalLimit(consumer, perSecond, burst);
        }
        double perSecond = perSecond(q, consumer, q.string(consumer, ""));
        return new QuotaLeaseAllocator.GlobalLimit(consumer, perSecond, oneSecond(perSecond));
    }

    /** The mapping at {@code key}, or null when it is a plain value such as {@code 100/s}. */
    private static ConfigNode mappingOrNull(ConfigNode q, String key) {
        try {
            q.string(key, null);
            return null;
        } catch (ConfigException plainValueExpected) {
            return q.child(key);
        }
    }

    private static long oneSecond(double perSecond) {
        return Math.max(1, (long) Math.ceil(perSecond));
    }

    /** {@code N/s}, {@code N/m}, {@code N/h}, {@code N/d} or a bare number (per second), > 0. */
    private static double perSecond(ConfigNode node, String key, String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        double divisor = 1;
        int slash = t.indexOf('/');
        if (slash >= 0) {
            divisor = switch (t.substring(slash + 1).trim()) {
                case "s" -> 1;
                case "m" -> 60;
                case "h" -> 3600;
                case "d" -> 86_400;
                default -> Double.NaN;
            };
            t = t.substring(0, slash).trim();
        }
        double n;
        try {
            n = Double.parseDouble(t);
        } catch (NumberFormatException e) {
            n = Double.NaN;
        }
        double rate = n / divisor;
        if (!(rate > 0) || Double.isInfinite(rate)) {
            throw node.errorAt(key, "'" + text + "' is not a positive rate", "write e.g. " + key + ": 100/s (or N/m, N/h, N/d)");
        }
        return rate;
    }
}
