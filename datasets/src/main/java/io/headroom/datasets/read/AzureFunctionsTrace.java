package io.headroom.datasets.read;

import io.headroom.datasets.trace.AbstractTraceReader;
import io.headroom.datasets.trace.MultiSeriesTrace;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Azure Functions 2019 invocation matrix: one row per function, one column per minute of the day
 * ({@code HashFunction,HashApp,HashOwner,minute_1..minute_1440} in the invitro sample;
 * {@code HashOwner,HashApp,HashFunction,Trigger,1..1440} in the original Azure Public Dataset files). As a
 * trace it is the aggregate over all functions; {@link #series(String)} gives one function by its hash (or a
 * unique prefix). Memory is one counter per minute column, whatever the number of rows.
 * <p>
 * The trace does not record which day it is: minute 1 starts at {@link #start()} ({@code 1970-01-01T00:00Z}
 * unless set with {@link #of(Path, Instant)}). A row with a wrong field count or a value that is not a
 * non-negative integer is skipped as a whole and reported with its line number, so the aggregate never mixes
 * in half a row.
 */
public final class AzureFunctionsTrace extends RateFileTrace implements MultiSeriesTrace {
    public static final String FUNCTION_COLUMN = "HashFunction";
    private static final Pattern MINUTE = Pattern.compile("(?:minute_)?([0-9]{1,5})", Pattern.CASE_INSENSITIVE);
    private static final Duration MINUTE_STEP = Duration.ofMinutes(1);
    private static final int MAX_LINE = 1 << 20;

    private final Instant start;
    private final String function; // null = the aggregate

    private AzureFunctionsTrace(Path path, Instant start, String function) {
        super(Objects.requireNonNull(path, "path"), null);
        this.start = Objects.requireNonNull(start, "start");
        this.function = function;
    }

    /** Minute 1 placed at 1970-01-01T00:00Z, because the trace does not say which day it is. */
    public static AzureFunctionsTrace of(Path path) {
        return new AzureFunctionsTrace(path, Instant.EPOCH, null);
    }

    /** Minute 1 starts at {@code dayStart} (e.g. the day's midnight UTC, when the user knows the day). */
    public static AzureFunctionsTrace of(Path path, Instant dayStart) {
        return new AzureFunctionsTrace(path, dayStart, null);
    }

    /** A header with a {@code HashFunction} column and minute columns ({@code minute_1} or {@code 1}). */
    public static boolean looksLike(String header) {
        List<String> h = Csv.split(CsvTable.stripBom(header), ',');
        boolean fn = false;
        boolean minute = false;
        for (String c : h) {
            fn |= c.strip().equalsIgnoreCase(FUNCTION_COLUMN);
            minute |= MINUTE.matcher(c.strip()).matches();
        }
        return fn && minute;
    }

    public Instant start() {
        return start;
    }

    /** The function this trace is restricted to, or null for the aggregate. */
    public String function() {
        return function;
    }

    @Override
    public String name() {
        return function == null ? super.name() : super.name() + "#" + function;
    }

    @Override
    public String description() {
        String what = function == null ? "sum over all functions" : "function " + function;
        String when = start.equals(Instant.EPOCH)
                ? "day not recorded, minute 1 placed at 1970-01-01T00:00Z"
                : "minute 1 at " + start;
        return "Azure Functions invocations per minute (" + what + "; " + when + ") " + path;
    }

    @Override
    public List<String> seriesNames() throws IOException {
        List<String> names = new ArrayList<>();
        scan(new ReadReport(path.toString()), null, names);
        return names;
    }

    @Override
    public Trace series(String name) throws IOException {
        Objects.requireNonNull(name, "name");
        String want = name.strip().toLowerCase(Locale.ROOT);
        if (want.equals(ALL)) {
            return function == null ? this : new AzureFunctionsTrace(path, start, null);
        }
        List<String> names = seriesNames();
        List<String> hits = names.stream().filter(n -> n.equalsIgnoreCase(want)).distinct().toList();
        if (hits.isEmpty()) {
            hits = names.stream().filter(n -> n.toLowerCase(Locale.ROOT).startsWith(want)).distinct().toList();
        }
        if (hits.size() == 1) {
            return new AzureFunctionsTrace(path, start, hits.getFirst());
        }
        if (hits.isEmpty()) {
            throw new IllegalArgumentException(path + ": no function named or starting with '" + name + "' among "
                    + names.size() + " (first ones: " + String.join(", ", names.subList(0, Math.min(3, names.size())))
                    + "); give a " + FUNCTION_COLUMN + " value or a unique prefix of it, or '" + ALL + "' for the sum");
        }
        throw new IllegalArgumentException(path + ": '" + name + "' matches " + hits.size() + " functions ("
                + String.join(", ", hits.subList(0, Math.min(3, hits.size()))) + (hits.size() > 3 ? ", ..." : "")
                + "); give a longer prefix");
    }

    @Override
    public TraceReader<RateBucket> openBuckets() throws IOException {
        ReadReport report = new ReadReport(path.toString());
        return new AbstractTraceReader<>() {
            private long[] sums;
            private int next;

            @Override
            protected RateBucket computeNext() throws IOException {
                if (sums == null) {
                    sums = scan(report, function == null ? null : function, null);
                    if (function != null && report.recordsRead() == 0) {
                        sums = new long[0]; // the function's rows were all malformed or absent
                    }
                }
                if (next >= sums.length) {
                    return null;
                }
                int i = next++;
                return new RateBucket(start.plus(MINUTE_STEP.multipliedBy(i)), MINUTE_STEP, sums[i], false);
            }

            @Override
            public ReadReport report() {
                return report;
            }

            @Override
            public void close() {
                // the file is read and closed on the first call
            }
        };
    }

    /**
     * One pass: sums the minute columns of every well-formed row (of {@code only} when not null), collects
     * function names into {@code names} when not null. {@link ReadReport#recordsRead()} counts the rows summed.
     */
    private long[] scan(ReadReport report, String only, List<String> names) throws IOException {
        try (CsvTable table = CsvTable.open(path, MAX_LINE, ',', "a header HashFunction,...,minute_1,...", report)) {
            if (table.empty()) {
                return new long[0];
            }
            List<String> header = table.header();
            int fi = Csv.indexOf(header, FUNCTION_COLUMN);
            int[] minuteOf = new int[header.size()];
            int minutes = 0;
            for (int c = 0; c < header.size(); c++) {
                Matcher m = MINUTE.matcher(header.get(c).strip());
                int k = m.matches() ? Integer.parseInt(m.group(1)) : -1;
                minuteOf[c] = k >= 1 ? k - 1 : k == 0 ? -2 : -1; // minutes count from 1
                minutes = Math.max(minutes, minuteOf[c] + 1);
            }
            if (fi < 0 || minutes == 0 || Arrays.stream(minuteOf).anyMatch(x -> x < -1)) {
                throw new IllegalArgumentException(path + ":1: header " + abbreviate(header) + " is not an invocation matrix"
                        + " (expected: a " + FUNCTION_COLUMN + " column and minute columns minute_1.. or 1..)");
            }
            long[] sums = new long[minutes];
            long[] row = new long[minutes];
            String line;
            while ((line = table.nextLine()) != null) {
                long n = table.lineNumber();
                List<String> f = Csv.split(line, ',');
                if (f.size() != header.size()) {
                    report.malformed(n, "expected " + header.size() + " fields, found " + f.size(), line);
                    continue;
                }
                String fn = f.get(fi).strip();
                if (names != null) {
                    names.add(fn);
                    continue;
                }
                if (only != null && !fn.equals(only)) {
                    continue;
                }
                if (parseRow(f, minuteOf, row, header, n, line, report)) {
                    for (int i = 0; i < minutes; i++) {
                        sums[i] += row[i];
                    }
                    report.record();
                }
            }
            return sums;
        }
    }

    private static boolean parseRow(List<String> f, int[] minuteOf, long[] row, List<String> header, long n, String line,
                                    ReadReport report) {
        Arrays.fill(row, 0);
        for (int c = 0; c < minuteOf.length; c++) {
            if (minuteOf[c] < 0) {
                continue;
            }
            String v = f.get(c).strip();
            long x;
            try {
                x = Long.parseLong(v);
            } catch (NumberFormatException e) {
                x = -1;
            }
            if (x < 0) {
                report.malformed(n, header.get(c).strip() + ": '" + v + "' is not a non-negative integer", line);
                return false;
            }
            row[minuteOf[c]] += x;
        }
        return true;
    }

    private static String abbreviate(List<String> header) {
        return header.size() <= 6 ? header.toString()
                : header.subList(0, 5) + " ... (" + header.size() + " columns)";
    }

    @Override
    public String toString() {
        return description();
    }
}
