package io.headroom.router.config;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code router.rate-limits:} section: limits per consumer over all routes. Routes add their own
 * ({@link RouteConfig.Limits}). A valid quota lease from a control plan replaces the per-consumer rate here.
 *
 * @param consumer  the default limit of every consumer, or null for none
 * @param consumers per-consumer overrides
 * @param quotas    long-period quotas per consumer, and the time zone of every quota's calendar
 * @param telemetryTopK how many consumers each telemetry window names with their counts of rate-limited requests
 *                  (the busiest; the rest are summed as {@code (other)}), for the predictor's per-consumer leases
 */
public record RateLimitConfig(RouteConfig.Rate consumer, Map<String, RouteConfig.Rate> consumers, Quotas quotas, int telemetryTopK) {
    public static final RateLimitConfig NONE = new RateLimitConfig(null, Map.of());
    /** Default of {@code telemetry-top-k}. */
    public static final int DEFAULT_TELEMETRY_TOP_K = 64;
    /** Largest {@code telemetry-top-k}. */
    public static final int MAX_TELEMETRY_TOP_K = 1024;

    public RateLimitConfig {
        consumers = Collections.unmodifiableMap(new LinkedHashMap<>(consumers));
        Objects.requireNonNull(quotas, "quotas");
        if (telemetryTopK < 1 || telemetryTopK > MAX_TELEMETRY_TOP_K) {
            throw new IllegalArgumentException("telemetry-top-k: " + telemetryTopK + " (expected: 1 to " + MAX_TELEMETRY_TOP_K + ")");
        }
    }

    /** With the default {@code telemetry-top-k}. */
    public RateLimitConfig(RouteConfig.Rate consumer, Map<String, RouteConfig.Rate> consumers, Quotas quotas) {
        this(consumer, consumers, quotas, DEFAULT_TELEMETRY_TOP_K);
    }

    /** Without long-period quotas. */
    public RateLimitConfig(RouteConfig.Rate consumer, Map<String, RouteConfig.Rate> consumers) {
        this(consumer, consumers, Quotas.NONE);
    }

    /**
     * {@code rate-limits.quotas:}: requests per calendar minute, hour, day or month.
     *
     * @param zone      the time zone whose calendar every quota (routes' too) resets by
     * @param consumer  each consumer's quotas over all routes (period to limit); empty for none
     * @param consumers per-consumer quotas that replace {@code consumer} for that consumer
     */
    public record Quotas(ZoneId zone, Map<QuotaPeriod, Long> consumer, Map<String, Map<QuotaPeriod, Long>> consumers) {
        public static final Quotas NONE = new Quotas(ZoneOffset.UTC, Map.of(), Map.of());

        public Quotas {
            Objects.requireNonNull(zone, "zone");
            consumer = periods(consumer);
            Map<String, Map<QuotaPeriod, Long>> c = new LinkedHashMap<>();
            consumers.forEach((k, v) -> c.put(k, periods(v)));
            consumers = Collections.unmodifiableMap(c);
        }

        /** An unmodifiable copy in period order (minute, hour, day, month). */
        public static Map<QuotaPeriod, Long> periods(Map<QuotaPeriod, Long> m) {
            EnumMap<QuotaPeriod, Long> out = new EnumMap<>(QuotaPeriod.class);
            out.putAll(m);
            out.values().forEach(v -> {
                if (v < 1) {
                    throw new IllegalArgumentException("quota limit " + v + " (expected: >= 1)");
                }
            });
            return Collections.unmodifiableMap(out);
        }
    }
}
