package io.headroom.datasets.read;

import io.headroom.datasets.trace.AbstractTraceReader;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.TraceReader;

import java.io.Closeable;
import java.io.IOException;
import java.io.Reader;

/**
 * Reads lines with a length cap so a corrupt file (no newlines) cannot exhaust memory: characters past
 * {@code maxChars} are discarded and the line is flagged {@link #truncated()}. Handles \n and \r\n.
 */
final class LineSource implements Closeable {
    private final Reader in;
    private final int max;
    private final char[] buf = new char[1 << 16];
    private int pos;
    private int len;
    private long lineNumber;
    private boolean truncated;
    private final StringBuilder sb = new StringBuilder();

    LineSource(Reader in, int maxChars) {
        this.in = in;
        this.max = maxChars;
    }

    /** The next line without its terminator, or null at the end. */
    String next() throws IOException {
        sb.setLength(0);
        truncated = false;
        boolean any = false;
        while (true) {
            if (pos == len) {
                len = in.read(buf, 0, buf.length);
                pos = 0;
                if (len <= 0) {
                    len = 0;
                    if (!any) {
                        return null;
                    }
                    break;
                }
            }
            any = true;
            char c = buf[pos++];
            if (c == '\n') {
                break;
            }
            if (sb.length() < max) {
                sb.append(c);
            } else {
                truncated = true;
            }
        }
        lineNumber++;
        int n = sb.length();
        if (n > 0 && sb.charAt(n - 1) == '\r') {
            sb.setLength(n - 1);
        }
        return sb.toString();
    }

    /**
     * The next line worth parsing, or null at the end: every line read is counted in {@code report}, blank lines are
     * skipped, and over-long ones are reported as malformed (with their number) and skipped.
     */
    String nextRecord(ReadReport report) throws IOException {
        String line;
        while ((line = next()) != null) {
            report.line();
            if (line.isBlank()) {
                continue;
            }
            if (truncated) {
                report.malformed(lineNumber, "line longer than " + max + " characters", line);
                continue;
            }
            return line;
        }
        return null;
    }

    /**
     * A reader of the records in the lines from here on: each line {@link #nextRecord} returns goes to {@code parser},
     * whose non-null results are counted in {@code report} and returned in order; a null result skips the line (the
     * parser reports it as malformed). Closing the reader closes this source.
     */
    <T> TraceReader<T> records(ReadReport report, LineParser<T> parser) {
        return new AbstractTraceReader<>() {
            @Override
            protected T computeNext() throws IOException {
                String line;
                while ((line = nextRecord(report)) != null) {
                    T r = parser.parse(line, lineNumber);
                    if (r != null) {
                        report.record();
                        return r;
                    }
                }
                return null;
            }

            @Override
            public ReadReport report() {
                return report;
            }

            @Override
            public void close() {
                CsvTable.closeQuietly(LineSource.this);
            }
        };
    }

    /** Parses one line into a record. */
    @FunctionalInterface
    interface LineParser<T> {
        /** The record in line number {@code n}, or null when the line is malformed (the parser reports it). */
        T parse(String line, long n);
    }

    /** 1-based number of the line last returned. */
    long lineNumber() {
        return lineNumber;
    }

    boolean truncated() {
        return truncated;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
