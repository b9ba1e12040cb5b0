package io.headroom.datasets.read;

import io.headroom.datasets.trace.RateBucket;
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
public final class CountCsvTrace extends RateFileTrace {
    public static final List<String> TIME_NAMES = List.of("epoch_s", "epoch", "period", "timestamp", "time", "minute_start_local",
            "minute", "ts", "date", "datetime");
    public static final List<String> COUNT_NAMES = List.of("requests", "count", "counts", "value", "hits", "invocations", "n");
    static final List<String> GAP_NAMES = List.of("outage", "gap", "missing");
    private static final int MAX_LINE = 8192;

    private final String timeColumn;
    private final String countColumn;
    private final String gapColumn;
    private final boolean gapExplicit;
    private final ZoneId zone;
    private final Duration bucket;
    private final char separator;
    private final String description;

    private CountCsvTrace(Builder b) {
        super(b.path, b.name);
        this.timeColumn = b.timeColumn;
        this.countColumn = b.countColumn;
        this.gapColumn = b.gapColumn;
        this.gapExplicit = b.gapExplicit;
        this.zone = b.zone;
        this.bucket = b.bucket;
        this.separator = b.separator;
        this.description = b.descriptionOr("counts per " + bucket + " (CSV) from " + path + ", local times in " + zone);
    }

    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /** Columns detected from the header. */
    public static CountCsvTrace of(Path path) {
        return builder(path).build();
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public TraceReader<RateBucket> openBuckets() throws IOException {
        CsvTable table = CsvTable.open(path, MAX_LINE, separator, "a header row such as period,count");
        if (table.empty()) {
            table.report().line(); // this reader counts the missing header as a line read
            return CsvTable.empty(table.report());
        }
        List<String> header = table.header();
        int ti = column(header, timeColumn, TIME_NAMES);
        int ci = column(header, countColumn, COUNT_NAMES);
        int gi = gapColumn != null ? Csv.indexOf(header, gapColumn) : (gapExplicit ? -1 : column(header, null, GAP_NAMES));
        if (ti < 0 || ci < 0 || (gapColumn != null && gi < 0)) {
            throw table.rejectHeader(" has no "
                    + (ti < 0 ? "timestamp column " + (timeColumn != null ? "'" + timeColumn + "'" : TIME_NAMES)
                    : ci < 0 ? "count column " + (countColumn != null ? "'" + countColumn + "'" : COUNT_NAMES)
                    : "gap column '" + gapColumn + "'")
                    + "; name the columns explicitly with CountCsvTrace.builder(path).timeColumn(..).countColumn(..)");
        }
        return table.rows(row -> {
            Instant t;
            try {
                t = Timestamps.parse(row.get(ti), zone);
            } catch (RuntimeException e) {
                return row.malformed(e.getMessage());
            }
            long c;
            try {
                c = Long.parseLong(row.get(ci).strip());
            } catch (NumberFormatException e) {
                return row.malformed("count '" + row.get(ci) + "' is not an integer");
            }
            if (c < 0) {
                return row.malformed("negative count " + c);
            }
            boolean gap = false;
            if (gi >= 0) {
                String g = row.get(gi).strip();
                gap = g.equals("1") || g.equalsIgnoreCase("true") || g.equalsIgnoreCase("yes");
            }
            return new RateBucket(t, bucket, c, gap);
        }, ti, ci, gi);
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

    /** Options; every column is found by header name (case-insensitive). */
    public static final class Builder extends RateFileTrace.Builder<Builder> {
        private String timeColumn;
        private String countColumn;
        private String gapColumn;
        private boolean gapExplicit;
        private ZoneId zone = ZoneOffset.UTC;
        private Duration bucket = Duration.ofMinutes(1);
        private char separator = ',';

        private Builder(Path path) {
            super(path);
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

        public CountCsvTrace build() {
            return new CountCsvTrace(this);
        }
    }
}
