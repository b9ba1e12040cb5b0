package io.headroom.datasets.read;

import io.headroom.datasets.trace.AbstractTraceReader;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.TraceReader;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A delimited file with a header row, opened for streaming: {@link #open} reads and splits the header, the reader of
 * {@link #rows} then parses one data row at a time. Every line read is counted in {@link #report()}; blank lines are
 * skipped; over-long lines, rows with fewer fields than the columns asked for, and rows the parser rejects are reported
 * as malformed with their line numbers and skipped. An empty file is reported as malformed line 1.
 */
final class CsvTable implements Closeable {
    private final Path path;
    private final LineSource lines; // null for an empty file (already closed)
    private final ReadReport report;
    private final char separator;
    private final List<String> header;

    private CsvTable(Path path, LineSource lines, ReadReport report, char separator, List<String> header) {
        this.path = path;
        this.lines = lines;
        this.report = report;
        this.separator = separator;
        this.header = header;
    }

    /**
     * Opens {@code path} (plain or gzip) and reads its header row. An empty file gives an {@link #empty()} table, reported
     * as {@code empty file (expected: <expectedHeader>)} at line 1.
     *
     * @param separator the field separator; null: a tab when the header has one, else a comma
     */
    static CsvTable open(Path path, int maxLine, Character separator, String expectedHeader) throws IOException {
        return open(path, maxLine, separator, expectedHeader, new ReadReport(path.toString()));
    }

    /** {@link #open(Path, int, Character, String)} counting into an existing {@code report}. */
    static CsvTable open(Path path, int maxLine, Character separator, String expectedHeader, ReadReport report)
            throws IOException {
        LineSource lines = new LineSource(Inputs.reader(path), maxLine);
        String headerLine = lines.next();
        if (headerLine == null) {
            closeQuietly(lines);
            report.malformed(1, "empty file (expected: " + expectedHeader + ")", "");
            return new CsvTable(path, null, report, separator != null ? separator : ',', List.of());
        }
        report.line();
        char sep = separator != null ? separator : headerLine.indexOf('\t') >= 0 ? '\t' : ',';
        return new CsvTable(path, lines, report, sep, Csv.split(stripBom(headerLine), sep));
    }

    /** True when the file had no header row (nor anything else): there are no rows to read. */
    boolean empty() {
        return lines == null;
    }

    /** The header's fields as written (not stripped); empty for an empty file. */
    List<String> header() {
        return header;
    }

    char separator() {
        return separator;
    }

    ReadReport report() {
        return report;
    }

    /**
     * A header that lacks what the reader needs: closes the file and returns the error to throw, naming {@code file:1}
     * and the header, followed by {@code why} (which says what was expected and how to fix it).
     */
    IllegalArgumentException rejectHeader(String why) {
        if (lines != null) {
            closeQuietly(lines);
        }
        return new IllegalArgumentException(path + ":1: header " + header + why);
    }

    /**
     * The data rows, parsed one at a time by {@code parser}, which returns null for a row it rejects (after reporting it
     * with {@link Row#malformed}). A row needs at least the fields up to the highest of {@code columns} (a negative
     * index is an absent column); a shorter one is reported and skipped. Closing the reader closes the file.
     */
    <T> TraceReader<T> rows(RowParser<T> parser, int... columns) {
        if (empty()) {
            throw new IllegalStateException("an empty file has no rows; check empty() first");
        }
        int highest = -1;
        for (int c : columns) {
            highest = Math.max(highest, c);
        }
        int need = highest + 1;
        return lines.records(report, (line, n) -> {
            List<String> f = Csv.split(line, separator);
            if (f.size() < need) {
                report.malformed(n, "expected at least " + need + " fields, found " + f.size(), line);
                return null;
            }
            return parser.parse(new Row(f, n, line, report));
        });
    }

    /** The next non-blank line within the length cap (see {@link LineSource#nextRecord}), or null at the end. */
    String nextLine() throws IOException {
        return empty() ? null : lines.nextRecord(report);
    }

    /** 1-based number of the line last returned by {@link #nextLine()}. */
    long lineNumber() {
        return empty() ? 0 : lines.lineNumber();
    }

    @Override
    public void close() throws IOException {
        if (lines != null) {
            lines.close();
        }
    }

    /** Parses one data row. */
    @FunctionalInterface
    interface RowParser<T> {
        /** The record the row holds, or null when it is malformed (reported with {@link Row#malformed}). */
        T parse(Row row);
    }

    /** One data row: its fields, and the line number and text that a malformed-row report names. */
    record Row(List<String> fields, long number, String line, ReadReport report) {
        String get(int i) {
            return fields.get(i);
        }

        /** Reports this row as malformed because of {@code reason}; returns null, what a parser returns for it. */
        <T> T malformed(String reason) {
            report.malformed(number, reason, line);
            return null;
        }
    }

    static String stripBom(String s) {
        return !s.isEmpty() && s.charAt(0) == '\uFEFF' ? s.substring(1) : s;
    }

    static void closeQuietly(Closeable c) {
        try {
            c.close();
        } catch (IOException ignored) {
            // read-only input
        }
    }

    /** A reader with no records, over a report already filled in (an empty file). */
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
}
