package io.headroom.predictor.plan;

import io.headroom.config.ConfigNode;
import io.headroom.time.CalendarPeriod;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Cluster-wide calendar quotas: per consumer, at most N requests per minute, hour, day or month over every router
 * instance together, in the calendar of one time zone. The predictor counts each consumer's admissions from every
 * instance's telemetry ({@link PeriodQuotaLedger}) and hands each instance an allowance of what remains.
 *
 * <pre>
 * predictor:
 *   period-quotas:
 *     time-zone: Europe/Berlin      # IANA zone whose calendar the windows follow (default UTC)
 *     reserve: 0.1                  # fraction of what remains that no instance is given (absorbs the lag)
 *     floor: 0.1                    # fraction of what is handed out spread evenly over the live instances
 *     consumers:
 *       mobile-app: {day: 10000, month: 200000}
 * </pre>
 *
 * @param zone      time zone of the calendar
 * @param consumers consumer → period → limit, in file order
 * @param reserve   fraction of the remainder held back, in [0, 1)
 * @param floor     fraction of the handed-out part split evenly (no instance starves), in [0, 1]
 */
public record PeriodQuotaSettings(ZoneId zone, Map<String, Map<CalendarPeriod, Long>> consumers, double reserve, double floor) {
    public static final double DEFAULT_RESERVE = 0.1;
    public static final double DEFAULT_FLOOR = 0.1;
    /** The largest limit (what a router's 36-bit counter holds, less one). */
    public static final long MAX_LIMIT = (1L << 36) - 2;
    public static final PeriodQuotaSettings NONE = new PeriodQuotaSettings(ZoneOffset.UTC, Map.of(), DEFAULT_RESERVE, DEFAULT_FLOOR);

    public PeriodQuotaSettings {
        Objects.requireNonNull(zone, "zone");
        if (!(reserve >= 0 && reserve < 1) || !(floor >= 0 && floor <= 1)) {
            throw new IllegalArgumentException("period-quotas: reserve " + reserve + ", floor " + floor
                    + " (expected: 0 <= reserve < 1, 0 <= floor <= 1)");
        }
        Map<String, Map<CalendarPeriod, Long>> copy = new LinkedHashMap<>();
        consumers.forEach((c, periods) -> {
            Map<CalendarPeriod, Long> p = new EnumMap<>(CalendarPeriod.class);
            periods.forEach((k, v) -> {
                if (v < 1 || v > MAX_LIMIT) {
                    throw new IllegalArgumentException("period quota of " + c + " per " + k.yamlName() + ": " + v
                            + " (expected: 1.." + MAX_LIMIT + ")");
                }
                p.put(k, v);
            });
            copy.put(c, java.util.Collections.unmodifiableMap(p));
        });
        consumers = java.util.Collections.unmodifiableMap(copy);
    }

    /** The given quotas with the default reserve and floor. */
    public static PeriodQuotaSettings of(ZoneId zone, Map<String, Map<CalendarPeriod, Long>> consumers) {
        return new PeriodQuotaSettings(zone, consumers, DEFAULT_RESERVE, DEFAULT_FLOOR);
    }

    public boolean isEmpty() {
        return consumers.isEmpty();
    }

    /** Parses {@code period-quotas:} of the {@code predictor:} node {@code p}. */
    static PeriodQuotaSettings from(ConfigNode p) {
        if (!p.has("period-quotas")) {
            return NONE;
        }
        ConfigNode q = p.child("period-quotas").requireOnly("time-zone", "reserve", "floor", "consumers");
        ZoneId zone = ZoneOffset.UTC;
        if (q.has("time-zone")) {
            String z = q.string("time-zone", "UTC").strip();
            try {
                zone = ZoneId.of(z);
            } catch (java.time.DateTimeException e) {
                throw q.errorAt("time-zone", "'" + z + "' is not a time zone", "write an IANA zone such as Europe/Berlin, America/New_York or UTC");
            }
        }
        double reserve = q.decimal("reserve", DEFAULT_RESERVE, 0, 0.99);
        double floor = q.decimal("floor", DEFAULT_FLOOR, 0, 1);
        Map<String, Map<CalendarPeriod, Long>> consumers = new LinkedHashMap<>();
        ConfigNode cs = q.child("consumers");
        for (String consumer : cs.keys()) {
            ConfigNode m = cs.child(consumer).requireOnly("minute", "hour", "day", "month");
            Map<CalendarPeriod, Long> periods = new EnumMap<>(CalendarPeriod.class);
            for (String k : m.keys()) {
                periods.put(CalendarPeriod.of(k), m.longValue(k, 1, 1, MAX_LIMIT));
            }
            if (periods.isEmpty()) {
                throw cs.errorAt(consumer, "the period quota of '" + consumer + "' names no period",
                        "write e.g. " + consumer + ": {day: 10000, month: 200000}");
            }
            consumers.put(consumer, periods);
        }
        return new PeriodQuotaSettings(zone, consumers, reserve, floor);
    }
}
