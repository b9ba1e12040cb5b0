package io.headroom.datasets.read;

import java.math.BigDecimal;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.time.temporal.TemporalAccessor;
import java.util.Locale;
import java.util.Objects;

/**
 * How a time column is written: {@code auto} (epoch seconds or milliseconds, ISO-8601, or
 * {@code yyyy-MM-dd HH:mm:ss}), {@code epoch_s}, {@code epoch_ms}, {@code epoch_us}, {@code iso}
 * (ISO-8601 with or without an offset), or a {@link DateTimeFormatter} pattern such as
 * {@code dd/MMM/yyyy:HH:mm:ss Z} (English month names). Times without an offset are read in the zone given
 * to {@link #parse}.
 */
public final class TimeFormat {
    public static final TimeFormat AUTO = new TimeFormat("auto", null, 0);
    public static final TimeFormat EPOCH_S = new TimeFormat("epoch_s", null, 0);
    public static final TimeFormat EPOCH_MS = new TimeFormat("epoch_ms", null, 3);
    public static final TimeFormat EPOCH_US = new TimeFormat("epoch_us", null, 6);
    public static final TimeFormat ISO = new TimeFormat("iso", null, 0);
    static final String EXPECTED = "auto, epoch_s, epoch_ms, epoch_us, iso, or a java.time pattern such as dd/MMM/yyyy:HH:mm:ss Z";

    private final String spec;
    private final DateTimeFormatter pattern;
    private final int epochScale;

    private TimeFormat(String spec, DateTimeFormatter pattern, int epochScale) {
        this.spec = spec;
        this.pattern = pattern;
        this.epochScale = epochScale;
    }

    /** @throws IllegalArgumentException for an invalid pattern (the message lists the choices) */
    public static TimeFormat of(String spec) {
        Objects.requireNonNull(spec, "spec");
        String s = spec.strip();
        switch (s.toLowerCase(Locale.ROOT)) {
            case "auto": return AUTO;
            case "epoch", "epoch_s": return EPOCH_S;
            case "epoch_ms": return EPOCH_MS;
            case "epoch_us": return EPOCH_US;
            case "iso": return ISO;
            default:
                try {
                    DateTimeFormatter f = new DateTimeFormatterBuilder().parseCaseInsensitive().appendPattern(s)
                            .toFormatter(Locale.ENGLISH);
                    return new TimeFormat(s, f, 0);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("time format '" + s + "': " + e.getMessage() + " (expected: " + EXPECTED + ")");
                }
        }
    }

    /** @throws IllegalArgumentException with a message saying what was expected */
    public Instant parse(String value, ZoneId zone) {
        String t = value.strip();
        if (this == AUTO) {
            return Timestamps.parse(t, zone);
        }
        try {
            if (epochScale > 0 || this == EPOCH_S) {
                BigDecimal v = new BigDecimal(t).movePointLeft(epochScale);
                long sec = v.longValue();
                return Instant.ofEpochSecond(sec, v.subtract(BigDecimal.valueOf(sec)).movePointRight(9).longValue());
            }
            if (this == ISO) {
                String u = t.replace(' ', 'T');
                try {
                    return OffsetDateTime.parse(u).toInstant();
                } catch (DateTimeException e) {
                    return LocalDateTime.parse(u).atZone(zone).toInstant();
                }
            }
            TemporalAccessor a = pattern.parse(t);
            if (a.isSupported(ChronoField.OFFSET_SECONDS) || a.query(java.time.temporal.TemporalQueries.zoneId()) != null) {
                return Instant.from(a);
            }
            return LocalDateTime.from(a).atZone(zone).toInstant();
        } catch (NumberFormatException | ArithmeticException | DateTimeException e) {
            throw new IllegalArgumentException("bad timestamp '" + t + "' (expected: " + spec + ")");
        }
    }

    @Override
    public String toString() {
        return spec;
    }
}
