package io.headroom.datasets.trace;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What a reader saw: lines read, records produced, and malformed input with line numbers.
 * Readers never throw on bad data; they count it here. Memory stays bounded: only the first
 * {@link #SAMPLE_LIMIT} malformed lines are kept verbatim (truncated), the rest are only counted.
 * Written by the one thread that drives a reader; read it after (or between) {@code next()} calls.
 */
public final class ReadReport {
    public static final int SAMPLE_LIMIT = 50;
    private static final int TEXT_LIMIT = 120;

    /** One malformed input line: 1-based line number, why it was rejected, and (truncated) what it said. */
    public record Malformed(long line, String reason, String text) {
        @Override
        public String toString() {
            return "line " + line + ": " + reason + (text.isEmpty() ? "" : " [" + text + "]");
        }
    }

    private final String source;
    private long lines;
    private long records;
    private long malformed;
    private final List<Malformed> samples = new ArrayList<>();

    public ReadReport(String source) {
        this.source = source;
    }

    public void line() {
        lines++;
    }

    public void lines(long n) {
        lines = n;
    }

    public void record() {
        records++;
    }

    public void malformed(long line, String reason, String text) {
        malformed++;
        if (samples.size() < SAMPLE_LIMIT) {
            String t = text == null ? "" : text;
            if (t.length() > TEXT_LIMIT) {
                t = t.substring(0, TEXT_LIMIT) + "...";
            }
            samples.add(new Malformed(line, reason, t));
        }
    }

    public String source() {
        return source;
    }

    public long linesRead() {
        return lines;
    }

    public long recordsRead() {
        return records;
    }

    public long malformedCount() {
        return malformed;
    }

    /** The first malformed lines, in input order (at most {@link #SAMPLE_LIMIT}). */
    public List<Malformed> malformedSamples() {
        return Collections.unmodifiableList(samples);
    }

    public boolean clean() {
        return malformed == 0;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder()
                .append(source).append(": ").append(lines).append(" lines, ")
                .append(records).append(" records, ").append(malformed).append(" malformed");
        for (Malformed m : samples) {
            sb.append("\n  ").append(m);
        }
        if (malformed > samples.size()) {
            sb.append("\n  ... ").append(malformed - samples.size()).append(" more");
        }
        return sb.toString();
    }
}
