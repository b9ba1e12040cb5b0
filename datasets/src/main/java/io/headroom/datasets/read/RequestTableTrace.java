package io.headroom.datasets.read;

import io.headroom.datasets.trace.AbstractTraceReader;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;

/**
 * One request per row in a delimited file with a header (TSV or CSV), columns found by name. Default
 * names fit the NASA Imhotep TSV ({@code host logname time method url response bytes referer useragent},
 * {@code time} in epoch seconds). Timestamps may also be ISO-8601 or local date-times in {@code zone}.
 * Without a method column every request is GET; without a path column every request goes to
 * {@code /} (e.g. the Azure LLM inference trace, {@code TIMESTAMP,ContextTokens,GeneratedTokens}).
 */
public final class RequestTableTrace extends RequestLogTrace {
    private static final int MAX_LINE = 16384;
    private final String timeColumn;
    private final String methodColumn;
    private final String pathColumn;
    private final ZoneId zone;
    private final char separator;

    private RequestTableTrace(Path path, char separator, String timeColumn, String methodColumn, String pathColumn, ZoneId zone) {
        super(path, null);
        this.separator = separator;
        this.timeColumn = timeColumn;
        this.methodColumn = methodColumn;
        this.pathColumn = pathColumn;
        this.zone = zone;
    }

    /** NASA TSV layout: {@code time} (epoch s), {@code method}, {@code url}. */
    public static RequestTableTrace of(Path path) {
        return new RequestTableTrace(path, '\t', "time", "method", "url", ZoneOffset.UTC);
    }

    /**
     * Explicit layout. {@code methodColumn} may be null (every request is GET); {@code pathColumn} may be
     * null (every request goes to /).
     */
    public static RequestTableTrace of(Path path, char separator, String timeColumn, String methodColumn,
                                       String pathColumn, ZoneId zone) {
        return new RequestTableTrace(path, separator, timeColumn, methodColumn, pathColumn, zone);
    }

    public static boolean looksLike(String header) {
        if (header.indexOf('\t') < 0) {
            return false;
        }
        List<String> h = List.of(header.toLowerCase(Locale.ROOT).strip().split("\t"));
        return h.contains("time") && (h.contains("url") || h.contains("path"));
    }

    @Override
    public String description() {
        return "requests, one per row (" + timeColumn + ", " + methodColumn + ", " + pathColumn + ") " + path;
    }

    @Override
    public TraceReader<RecordedRequest> openRequests() throws IOException {
        LineSource lines = new LineSource(Inputs.reader(path), MAX_LINE);
        ReadReport report = new ReadReport(path.toString());
        String headerLine = lines.next();
        if (headerLine == null) {
            CountCsvTrace.closeQuietly(lines);
            report.malformed(1, "empty file (expected: a tab-separated header row)", "");
            return CountCsvTrace.empty(report);
        }
        report.line();
        List<String> header = Csv.split(CountCsvTrace.stripBom(headerLine), separator);
        int ti = Csv.indexOf(header, timeColumn);
        int mi = methodColumn == null ? -1 : Csv.indexOf(header, methodColumn);
        int pi = pathColumn == null ? -1 : Csv.indexOf(header, pathColumn);
        if (ti < 0 || (pathColumn != null && pi < 0) || (methodColumn != null && mi < 0)) {
            CountCsvTrace.closeQuietly(lines);
            throw new IllegalArgumentException(path + ":1: header " + header + " lacks one of the columns '"
                    + timeColumn + "', '" + methodColumn + "', '" + pathColumn
                    + "'; name them with RequestTableTrace.of(path, separator, time, method, path, zone)");
        }
        int need = Math.max(ti, Math.max(mi, pi)) + 1;
        return new AbstractTraceReader<>() {
            @Override
            protected RecordedRequest computeNext() throws IOException {
                String line;
                while ((line = lines.next()) != null) {
                    report.line();
                    long n = lines.lineNumber();
                    if (line.isBlank()) {
                        continue;
                    }
                    if (lines.truncated()) {
                        report.malformed(n, "line longer than " + MAX_LINE + " characters", line);
                        continue;
                    }
                    List<String> f = Csv.split(line, separator);
                    if (f.size() < need) {
                        report.malformed(n, "expected at least " + need + " fields, found " + f.size(), line);
                        continue;
                    }
                    Instant at;
                    try {
                        at = Timestamps.parse(f.get(ti), zone);
                    } catch (RuntimeException e) {
                        report.malformed(n, e.getMessage(), line);
                        continue;
                    }
                    String method = mi < 0 ? "GET" : f.get(mi).strip().toUpperCase(Locale.ROOT);
                    if (method.isEmpty()) {
                        report.malformed(n, "empty method", line);
                        continue;
                    }
                    String p = pi < 0 ? "/" : AccessLogTrace.pathOf(f.get(pi).strip());
                    if (p == null) {
                        report.malformed(n, "'" + f.get(pi) + "' is not a path", line);
                        continue;
                    }
                    report.record();
                    return new RecordedRequest(at, method, p);
                }
                return null;
            }

            @Override
            public ReadReport report() {
                return report;
            }

            @Override
            public void close() {
                CountCsvTrace.closeQuietly(lines);
            }
        };
    }
}
