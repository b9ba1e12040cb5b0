package io.headroom.router.config;

import io.headroom.time.CalendarPeriod;

import java.time.ZoneId;

/**
 * The calendar period of a long-period quota. Windows are calendar-aligned in the quota's time zone and reset at the
 * start of the next one: a minute or an hour on the instant time line from a local boundary, a day from one local
 * midnight (or the first instant of the day, where a DST gap swallows midnight) to the next, so 23 or 25 hours on DST
 * days, and a month from the first of the month to the first of the next.
 */
public enum QuotaPeriod {
    MINUTE("minute"), HOUR("hour"), DAY("day"), MONTH("month");

    /** The largest limit of one quota (what a 36-bit counter holds, less one). */
    public static final long MAX_LIMIT = (1L << 36) - 2;

    private final String yamlName;

    QuotaPeriod(String yamlName) {
        this.yamlName = yamlName;
    }

    /** The key in YAML ({@code minute}, {@code hour}, {@code day}, {@code month}); also the policy name suffix. */
    public String yamlName() {
        return yamlName;
    }

    /** The period named {@code name} in YAML, or null. */
    public static QuotaPeriod of(String name) {
        for (QuotaPeriod p : values()) {
            if (p.yamlName.equals(name)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The window containing {@code millis}: {@code [start, end)} in epoch milliseconds.
     *
     * @return {start, end}
     */
    public long[] window(long millis, ZoneId zone) {
        return calendar().window(millis, zone);
    }

    /** The same period in ingest's {@link CalendarPeriod}, which the predictor shares. */
    public CalendarPeriod calendar() {
        return CalendarPeriod.valueOf(name());
    }
}
