package io.headroom.datasets.read;

import io.headroom.datasets.trace.ReadReport;

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
    private String current;

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
            current = line;
            return line;
        }
        return null;
    }

    /** The line last returned by {@link #nextRecord}, for malformed-line reports. */
    String current() {
        return current;
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
