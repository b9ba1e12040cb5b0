package io.headroom.datasets.read;

import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;

/**
 * Parses the timestamp spellings found in trace files: epoch seconds (fractional allowed; values
 * above 1e11 are taken as milliseconds), ISO-8601 with offset ({@code 1995-07-01T00:00-04:00}), and
 * local date-times ({@code 1998-04-30 21:30:00} or with 'T', optional fraction) in a given zone.
 */
final class Timestamps {
    private static final DateTimeFormatter LOCAL = new DateTimeFormatterBuilder()
            .parseCaseInsensitive()
            .appendPattern("yyyy-MM-dd")
            .optionalStart().appendLiteral(' ').optionalEnd()
            .optionalStart().appendLiteral('T').optionalEnd()
            .appendPattern("HH:mm")
            .optionalStart().appendPattern(":ss").optionalEnd()
            .optionalStart().appendFraction(ChronoField.NANO_OF_SECOND, 0, 9, true).optionalEnd()
            .toFormatter();

    private Timestamps() {
    }

    /** @throws IllegalArgumentException with a message saying what was expected */
    static Instant parse(String s, ZoneId zone) {
        String t = s.strip();
        if (t.isEmpty()) {
            throw new IllegalArgumentException("empty timestamp");
        }
        char c0 = t.charAt(0);
        if (Character.isDigit(c0) && t.length() <= 20 && t.chars().allMatch(c -> Character.isDigit(c) || c == '.')) {
            BigDecimal v = new BigDecimal(t);
            if (v.compareTo(BigDecimal.valueOf(100_000_000_000L)) > 0) {
                v = v.movePointLeft(3);
            }
            long sec = v.longValue();
            long nanos = v.subtract(BigDecimal.valueOf(sec)).movePointRight(9).longValue();
            return Instant.ofEpochSecond(sec, nanos);
        }
        try {
            if (t.endsWith("Z") || t.matches(".*[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?[+-]\\d{2}:?\\d{2}$")) {
                return OffsetDateTime.parse(t.replace(' ', 'T')).toInstant();
            }
            return LocalDateTime.parse(t, LOCAL).atZone(zone).toInstant();
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("bad timestamp '" + t
                    + "' (expected: epoch seconds, ISO-8601 with offset, or yyyy-MM-dd HH:mm:ss)");
        }
    }
}
