package io.headroom.datasets.read;

import io.headroom.datasets.trace.AbstractTraceReader;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;

/**
 * A CSV of counts per period with a header row. The timestamp, count and (optional) gap columns are
 * found by header name: given explicitly, or detected. Detection knows the NASA derived layout
 * ({@code minute_start_local,epoch_s,requests,outage}: time from {@code epoch_s}, {@code outage=1}
 * marks a gap) and the WorldCup98 layout ({@code period,count}, {@code yyyy-MM-dd HH:mm:ss} in GMT),
 * and otherwise tries common names. Timestamps without an offset are read in {@link Builder#zone}
 * (default UTC). Each row is one bucket of {@link Builder#bucket} (default one minute).
 */
public final class CountCsvTrace implements Trace {
    public static final List<String> TIME_NAMES = List.of("epoch_s", "epoch", "period", "timestamp", "time", "minute_start_local",
            "minute", "ts", "date", "datetime");
    public static final List<String> COUNT_NAMES = List.of("requests", "count", "counts", "value", "hits", "invocations", "n");
    static final List<String> GAP_NAMES = List.of("outage", "gap", "missing");
    private static final int MAX_LINE = 8192;

    private final Path path;
    private final String timeColumn;
    private final String countColumn;
    private final String gapColumn;
    private final boolean gapExplicit;
    private final ZoneId zone;
    private final Duration bucket;
    private final char separator;
    private final String name;
    private final String description;

    private CountCsvTrace(Builder b) {
        this.path = b.path;
        this.timeColumn = b.timeColumn;
        this.countColumn = b.countColumn;
        this.gapColumn = b.gapColumn;
        this.gapExplicit = b.gapExplicit;
        this.zone = b.zone;
        this.bucket = b.bucket;
        this.separator = b.separator;
        this.name = b.name != null ? b.name : path.getFileName().toString();
        this.description = b.description != null ? b.description
                : "counts per " + bucket + " (CSV) from " + path + ", local times in " + zone;
    }

    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /** Columns detected from the header. */
    public static CountCsvTrace of(Path path) {
        return builder(path).build();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean synthetic() {
        return false;
    }

    @Override
    public Kind kind() {
        return Kind.RATE;
    }

    @Override
    public TraceReader<RecordedRequest> openRequests() {
        throw new UnsupportedOperationException(name + " is a rate trace; use Arrivals.poisson(openBuckets(), ...)");
    }

    @Override
    public TraceReader<RateBucket> openBuckets() throws IOException {
        LineSource lines = new LineSource(Inputs.reader(path), MAX_LINE);
        ReadReport report = new ReadReport(path.toString());
        String headerLine = lines.next();
        report.line();
        if (headerLine == null) {
            lines.close();
            report.malformed(1, "empty file (expected: a header row such as period,count)", "");
            return empty(report);
        }
        List<String> header = Csv.split(stripBom(headerLine), separator);
        int ti = column(header, timeColumn, TIME_NAMES);
        int ci = column(header, countColumn, COUNT_NAMES);
        int gi = gapColumn != null ? Csv.indexOf(header, gapColumn) : (gapExplicit ? -1 : column(header, null, GAP_NAMES));
        if (ti < 0 || ci < 0 || (gapColumn != null && gi < 0)) {
            lines.close();
            throw new IllegalArgumentException(path + ":1: header " + header + " has no "
                    + (ti < 0 ? "timestamp column " + (timeColumn != null ? "'" + timeColumn + "'" : TIME_NAMES)
                    : ci < 0 ? "count column " + (countColumn != null ? "'" + countColumn + "'" : COUNT_NAMES)
                    : "gap column '" + gapColumn + "'")
                    + "; name the columns explicitly with CountCsvTrace.builder(path).timeColumn(..).countColumn(..)");
        }
        int need = Math.max(ti, Math.max(ci, gi)) + 1;
        return new AbstractTraceReader<>() {
            @Override
            protected RateBucket computeNext() throws IOException {
                List<String> f;
                while ((f = Csv.nextRow(lines, report, separator, need)) != null) {
                    long n = lines.lineNumber();
                    String line = lines.current();
                    Instant t;
                    try {
                        t = Timestamps.parse(f.get(ti), zone);
                    } catch (RuntimeException e) {
                        report.malformed(n, e.getMessage(), line);
                        continue;
                    }
                    long c;
                    try {
                        c = Long.parseLong(f.get(ci).strip());
                    } catch (NumberFormatException e) {
                        report.malformed(n, "count '" + f.get(ci) + "' is not an integer", line);
                        continue;
                    }
                    if (c < 0) {
                        report.malformed(n, "negative count " + c, line);
                        continue;
                    }
                    boolean gap = false;
                    if (gi >= 0) {
                        String g = f.get(gi).strip();
                        gap = g.equals("1") || g.equalsIgnoreCase("true") || g.equalsIgnoreCase("yes");
                    }
                    report.record();
                    return new RateBucket(t, bucket, c, gap);
                }
                return null;
            }

            @Override
            public ReadReport report() {
                return report;
            }

            @Override
            public void close() {
                closeQuietly(lines);
            }
        };
    }

    private static int column(List<String> header, String explicit, List<String> candidates) {
        if (explicit != null) {
            return Csv.indexOf(header, explicit);
        }
        for (String c : candidates) {
            int i = Csv.indexOf(header, c);
            if (i >= 0) {
                return i;
            }
        }
        return -1;
    }

    static String stripBom(String s) {
        return !s.isEmpty() && s.charAt(0) == '\uFEFF' ? s.substring(1) : s;
    }

    static void closeQuietly(LineSource s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // read-only input
        }
    }

    static <T> TraceReader<T> empty(ReadReport report) {
        return new AbstractTraceReader<>() {
            @Override
            protected T computeNext() {
                return null;
            }

            @Override
            public ReadReport report() {
                return report;
            }

            @Override
            public void close() {
            }
        };
    }

    /** Options; every column is found by header name (case-insensitive). */
    public static final class Builder {
        private final Path path;
        private String timeColumn;
        private String countColumn;
        private String gapColumn;
        private boolean gapExplicit;
        private ZoneId zone = ZoneOffset.UTC;
        private Duration bucket = Duration.ofMinutes(1);
        private char separator = ',';
        private String name;
        private String description;

        private Builder(Path path) {
            this.path = Objects.requireNonNull(path, "path");
        }

        public Builder timeColumn(String name) {
            this.timeColumn = name;
            return this;
        }

        public Builder countColumn(String name) {
            this.countColumn = name;
            return this;
        }

        /** Column whose value 1/true marks a gap; null = no gap column (disables detection). */
        public Builder gapColumn(String name) {
            this.gapColumn = name;
            this.gapExplicit = true;
            return this;
        }

        /** Zone for timestamps written without an offset (default UTC, right for WorldCup98's GMT). */
        public Builder zone(ZoneId zone) {
            this.zone = Objects.requireNonNull(zone, "zone");
            return this;
        }

        public Builder bucket(Duration bucket) {
            if (bucket.isNegative() || bucket.isZero()) {
                throw new IllegalArgumentException("bucket: " + bucket + " (expected: > 0)");
            }
            this.bucket = bucket;
            return this;
        }

        public Builder separator(char separator) {
            this.separator = separator;
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder description(String description) {
            this.description = description;
            return this;
        }

        public CountCsvTrace build() {
            return new CountCsvTrace(this);
        }
    }
}
