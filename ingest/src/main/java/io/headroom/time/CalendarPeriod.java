package io.headroom.time;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;

/**
 * A calendar period of a long-period quota, and its windows in a time zone: a minute or an hour on the instant time
 * line from a local boundary, a day from one local midnight (or the first instant of the day, where a DST gap swallows
 * midnight) to the next, so 23 or 25 hours on DST days, and a month from the first of the month to the first of the
 * next. Shared by the router (local quotas, allowances) and the predictor (cluster-wide counts), so both cut the same
 * windows.
 */
public enum CalendarPeriod {
    MINUTE, HOUR, DAY, MONTH;

    /** The name in YAML and on the wire ({@code minute}, {@code hour}, {@code day}, {@code month}). */
    public String yamlName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** The period named {@code name} ({@link #yamlName()}), or null. */
    public static CalendarPeriod of(String name) {
        for (CalendarPeriod p : values()) {
            if (p.yamlName().equals(name)) {
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
        ZonedDateTime z = Instant.ofEpochMilli(millis).atZone(zone);
        ZonedDateTime start;
        ZonedDateTime end;
        switch (this) {
            case MINUTE -> {
                start = z.truncatedTo(ChronoUnit.MINUTES);
                end = start.plusMinutes(1);
            }
            case HOUR -> {
                // truncation keeps the offset, so the two 01:00 hours of a fall-back night are two windows
                start = z.truncatedTo(ChronoUnit.HOURS);
                end = start.plusHours(1);
            }
            case DAY -> {
                LocalDate d = z.toLocalDate();
                start = d.atStartOfDay(zone);
                end = d.plusDays(1).atStartOfDay(zone);
            }
            default -> {
                LocalDate first = z.toLocalDate().withDayOfMonth(1);
                start = first.atStartOfDay(zone);
                end = first.plusMonths(1).atStartOfDay(zone);
            }
        }
        return new long[]{start.toInstant().toEpochMilli(), end.toInstant().toEpochMilli()};
    }
}
