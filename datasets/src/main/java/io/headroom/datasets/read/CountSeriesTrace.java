package io.headroom.datasets.read;

import io.headroom.datasets.trace.AbstractTraceReader;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A count series without timestamps: non-negative integers separated by any whitespace (one per line
 * or all on one line, as the NASA per-second file is). Value {@code i} covers
 * {@code [start + i*step, start + (i+1)*step)}. Several recordings concatenated without a gap (the
 * NASA July and August logs) are mapped with {@link Builder#segment(long, Instant)}: from that index on,
 * time restarts at the given instant. A malformed value keeps its slot as a gap bucket, so the time
 * of every later value stays right, and is reported with its line number and position in the line.
 */
public final class CountSeriesTrace extends RateFileTrace {
    /** Index 0 of the NASA per-second file: 1995-07-01 00:00:01 -04:00. */
    public static final Instant NASA_1995_START = OffsetDateTime.of(1995, 7, 1, 0, 0, 1, 0, ZoneOffset.ofHours(-4)).toInstant();
    /** Index of 1995-08-01 00:00:01 -04:00 in the NASA per-second file (the August log follows July's end directly). */
    public static final long NASA_1995_AUGUST_INDEX = 2_381_544L;
    public static final Instant NASA_1995_AUGUST_START = OffsetDateTime.of(1995, 8, 1, 0, 0, 1, 0, ZoneOffset.ofHours(-4)).toInstant();

    private static final int MAX_TOKEN = 32;

    private final Duration step;
    private final TreeMap<Long, Instant> segments;
    private final String description;

    private CountSeriesTrace(Builder b) {
        super(b.path, b.name);
        this.step = b.step;
        this.segments = new TreeMap<>(b.segments);
        this.description = b.descriptionOr("count series (" + step + " per value) from " + path + ", index 0 at " + segments.get(0L));
    }

    public static Builder builder(Path path) {
        return new Builder(path);
    }

    /** Per-second counts starting at {@code start}. */
    public static CountSeriesTrace perSecond(Path path, Instant start) {
        return builder(path).start(start).build();
    }

    /** The NASA-HTTP 1995 per-second file, with its July/August time mapping. */
    public static CountSeriesTrace nasa1995(Path path) {
        return builder(path).start(NASA_1995_START).segment(NASA_1995_AUGUST_INDEX, NASA_1995_AUGUST_START)
                .description("NASA-HTTP 1995 requests per second (real; ITA trace, -04:00), " + path)
                .build();
    }

    public Duration step() {
        return step;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public TraceReader<RateBucket> openBuckets() throws IOException {
        Reader in = Inputs.reader(path);
        ReadReport report = new ReadReport(path.toString());
        List<java.util.Map.Entry<Long, Instant>> segs = new ArrayList<>(segments.entrySet());
        return new AbstractTraceReader<>() {
            private final char[] buf = new char[1 << 16];
            private int pos;
            private int len;
            private long line = 1;
            private long tokenInLine;
            private long index;
            private int seg;
            private final StringBuilder tok = new StringBuilder();

            @Override
            protected RateBucket computeNext() throws IOException {
                tok.setLength(0);
                boolean overlong = false;
                long tokLine = line;
                while (true) {
                    if (pos == len) {
                        len = in.read(buf, 0, buf.length);
                        pos = 0;
                        if (len <= 0) {
                            len = 0;
                            if (tok.isEmpty() && !overlong) {
                                report.lines(line - (tokenInLine == 0 ? 1 : 0));
                                return null;
                            }
                            break;
                        }
                    }
                    char c = buf[pos];
                    if (Character.isWhitespace(c)) {
                        if (!tok.isEmpty() || overlong) {
                            break; // leave the separator for the next call
                        }
                        pos++;
                        if (c == '\n') {
                            line++;
                            tokenInLine = 0;
                        }
                        continue;
                    }
                    pos++;
                    if (tok.isEmpty() && !overlong) {
                        tokLine = line;
                    }
                    if (tok.length() < MAX_TOKEN) {
                        tok.append(c);
                    } else {
                        overlong = true;
                    }
                }
                tokenInLine++;
                report.lines(line);
                Instant start = timeOf(index++);
                long count = -1;
                if (!overlong) {
                    try {
                        count = Long.parseLong(tok, 0, tok.length(), 10);
                    } catch (NumberFormatException e) {
                        count = -1;
                    }
                }
                if (count < 0) {
                    report.malformed(tokLine, "value #" + tokenInLine + " in the line is not a non-negative integer"
                            + " (kept as a gap at " + start + ")", tok.toString());
                    return new RateBucket(start, step, 0, true);
                }
                report.record();
                return new RateBucket(start, step, count, false);
            }

            private Instant timeOf(long i) {
                while (seg + 1 < segs.size() && i >= segs.get(seg + 1).getKey()) {
                    seg++;
                }
                var s = segs.get(seg);
                return s.getValue().plus(step.multipliedBy(i - s.getKey()));
            }

            @Override
            public ReadReport report() {
                return report;
            }

            @Override
            public void close() {
                CsvTable.closeQuietly(in);
            }
        };
    }

    /** Options for a count series; {@link #start} is required. */
    public static final class Builder extends RateFileTrace.Builder<Builder> {
        private Duration step = Duration.ofSeconds(1);
        private final TreeMap<Long, Instant> segments = new TreeMap<>();

        private Builder(Path path) {
            super(path);
        }

        /** Time of value 0. */
        public Builder start(Instant start) {
            segments.put(0L, Objects.requireNonNull(start, "start"));
            return this;
        }

        /** Width of each value (default 1 s). */
        public Builder step(Duration step) {
            if (step.isNegative() || step.isZero()) {
                throw new IllegalArgumentException("step: " + step + " (expected: > 0)");
            }
            this.step = step;
            return this;
        }

        /** From value {@code index} on, time restarts at {@code start} (concatenated recordings). */
        public Builder segment(long index, Instant start) {
            if (index <= 0) {
                throw new IllegalArgumentException("segment index: " + index + " (expected: > 0; use start() for 0)");
            }
            segments.put(index, Objects.requireNonNull(start, "start"));
            return this;
        }

        public CountSeriesTrace build() {
            if (!segments.containsKey(0L)) {
                throw new IllegalStateException("start: missing (expected: the time of value 0, e.g. start(Instant.parse(...)))");
            }
            return new CountSeriesTrace(this);
        }
    }

    @Override
    public String toString() {
        return description;
    }
}
