package io.headroom.predictor.forecast;

import io.headroom.config.ConfigException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a file of scheduled events into an {@link EventCalendar}. CSV, one event a line, with a header line naming
 * the columns; blank lines and lines starting with {@code #} are skipped:
 * <pre>
 * start,duration,series,weight,label
 * 1998-07-12T21:00+02:00,2h,,2,Brazil - France (final)
 * 2026-12-01T09:00[Europe/Paris],,checkout,1,Black Friday sale
 * </pre>
 * Columns: {@code start} (required: ISO-8601 local date-time with an offset, {@code Z} or a {@code [Region/City]} zone),
 * {@code end} (same form) or {@code duration} ({@code 90m}, {@code 2h}, {@code 1h30m}, {@code 3d} or ISO {@code PT2H});
 * neither: an instant; {@code series} (the pool or series it applies to; empty: all), {@code weight} (a positive
 * number, default 1), {@code label} (free text; as the last column it takes the rest of the line, commas included).
 * Every error names {@code file:line} and the fix ({@link ConfigException}).
 */
public final class EventsFile {
    private static final Set<String> COLUMNS = Set.of("start", "end", "duration", "series", "weight", "label");
    private static final Pattern SHORT_DURATION = Pattern.compile("(?:(\\d+)d)?(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s)?");
    private static final DateTimeFormatter WHEN = new DateTimeFormatterBuilder()
            .append(DateTimeFormatter.ISO_LOCAL_DATE_TIME)
            .optionalStart().appendOffsetId().optionalEnd()
            .optionalStart().appendLiteral('[').parseCaseSensitive().appendZoneRegionId().appendLiteral(']').optionalEnd()
            .toFormatter(Locale.ROOT);

    private EventsFile() {
    }

    /** Reads {@code file}; a missing or malformed file is a {@link ConfigException} naming file:line and the fix. */
    public static EventCalendar load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file.toString(), "events file not found", "check the path (relative paths are from the working directory)");
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read the events file: " + e.getMessage(), "check the file's permissions");
        }
        return parse(file.toString(), lines);
    }

    /** Parses the lines of an events file called {@code source} (used in error locations). */
    public static EventCalendar parse(String source, List<String> lines) {
        Map<String, Integer> column = null;
        List<String> header = null;
        List<EventCalendar.Event> out = new ArrayList<>();
        for (int n = 1; n <= lines.size(); n++) {
            String line = lines.get(n - 1).strip();
            if (n == 1 && line.startsWith("\uFEFF")) {
                line = line.substring(1);
            }
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String where = source + ":" + n;
            if (column == null) {
                header = new ArrayList<>();
                column = new HashMap<>();
                for (String c : line.split(",", -1)) {
                    String name = c.strip().toLowerCase(Locale.ROOT);
                    if (!COLUMNS.contains(name)) {
                        throw new ConfigException(where, "unknown column '" + c.strip() + "' in the header",
                                "name the columns from: start, end, duration, series, weight, label (e.g. start,duration,label)");
                    }
                    if (column.put(name, header.size()) != null) {
                        throw new ConfigException(where, "column '" + name + "' appears twice in the header", "keep one");
                    }
                    header.add(name);
                }
                if (!column.containsKey("start")) {
                    throw new ConfigException(where, "the header has no 'start' column",
                            "begin the file with a header such as: start,duration,series,weight,label");
                }
                if (column.containsKey("end") && column.containsKey("duration")) {
                    throw new ConfigException(where, "the header has both 'end' and 'duration'", "keep one of them");
                }
                continue;
            }
            String[] cells = split(line, header);
            if (cells == null) {
                throw new ConfigException(where, "expected " + header.size() + " comma-separated fields (" + String.join(",", header)
                        + "), found " + line.split(",", -1).length, "write one value per column; leave optional ones empty (a,,b)");
            }
            out.add(event(where, n, cells, column));
        }
        if (column == null) {
            throw new ConfigException(source, "the events file is empty", "add a header (start,duration,label) and one line per event");
        }
        return EventCalendar.of(out);
    }

    private static String[] split(String line, List<String> header) {
        String[] parts = line.split(",", -1);
        boolean labelLast = header.getLast().equals("label");
        if (parts.length == header.size() || (labelLast && parts.length > header.size())) {
            String[] cells = new String[header.size()];
            for (int i = 0; i < cells.length - 1; i++) {
                cells[i] = parts[i].strip();
            }
            cells[cells.length - 1] = String.join(",", java.util.Arrays.copyOfRange(parts, cells.length - 1, parts.length)).strip();
            return cells;
        }
        return null;
    }

    private static EventCalendar.Event event(String where, int n, String[] cells, Map<String, Integer> column) {
        long start = instant(where, "start", cells[column.get("start")]);
        long end = start;
        if (column.containsKey("end") && !cells[column.get("end")].isEmpty()) {
            end = instant(where, "end", cells[column.get("end")]);
            if (end < start) {
                throw new ConfigException(where, "end " + cells[column.get("end")] + " is before start " + cells[column.get("start")],
                        "write an end after the start, or a duration");
            }
        }
        if (column.containsKey("duration") && !cells[column.get("duration")].isEmpty()) {
            end = start + duration(where, cells[column.get("duration")]).toSeconds();
        }
        String series = column.containsKey("series") && !cells[column.get("series")].isEmpty() ? cells[column.get("series")] : null;
        double weight = 1;
        if (column.containsKey("weight") && !cells[column.get("weight")].isEmpty()) {
            String w = cells[column.get("weight")];
            try {
                weight = Double.parseDouble(w);
            } catch (NumberFormatException e) {
                weight = Double.NaN;
            }
            if (!(weight > 0) || !Double.isFinite(weight)) {
                throw new ConfigException(where, "weight '" + w + "' is not a positive number", "write e.g. 1 (ordinary) or 2 (twice as big); empty = 1");
            }
        }
        String label = column.containsKey("label") ? cells[column.get("label")] : "";
        return new EventCalendar.Event(start, end, series, weight, label, n);
    }

    private static long instant(String where, String what, String text) {
        if (text.isEmpty()) {
            throw new ConfigException(where, what + " is empty", "write e.g. 1998-07-12T21:00+02:00 or 1998-07-12T21:00[Europe/Paris]");
        }
        try {
            var parsed = WHEN.parse(text);
            if (!parsed.isSupported(java.time.temporal.ChronoField.OFFSET_SECONDS)
                    && parsed.query(java.time.temporal.TemporalQueries.zoneId()) == null) {
                throw new ConfigException(where, what + " '" + text + "' has no time zone",
                        "add an offset or a zone: " + text + "+02:00, " + text + "Z or " + text + "[Europe/Paris]");
            }
            return ZonedDateTime.from(parsed).toEpochSecond();
        } catch (java.time.DateTimeException e) {
            throw new ConfigException(where, what + " '" + text + "' is not a date and time (" + e.getMessage() + ")",
                    "write ISO-8601 with a zone, e.g. 1998-07-12T21:00+02:00 or 1998-07-12T21:00[Europe/Paris]");
        }
    }

    private static Duration duration(String where, String text) {
        String t = text.strip();
        try {
            if (t.toUpperCase(Locale.ROOT).startsWith("P")) {
                Duration d = Duration.parse(t.toUpperCase(Locale.ROOT));
                if (!d.isNegative()) {
                    return d;
                }
            }
        } catch (DateTimeParseException ignored) {
            // reported below
        }
        Matcher m = SHORT_DURATION.matcher(t);
        if (!t.isEmpty() && m.matches()) {
            long s = 0;
            long[] unit = {86_400, 3_600, 60, 1};
            for (int g = 1; g <= 4; g++) {
                if (m.group(g) != null) {
                    s += Long.parseLong(m.group(g)) * unit[g - 1];
                }
            }
            return Duration.ofSeconds(s);
        }
        throw new ConfigException(where, "duration '" + text + "' is not a duration", "write e.g. 90m, 2h, 1h30m, 3d or PT2H");
    }
}
