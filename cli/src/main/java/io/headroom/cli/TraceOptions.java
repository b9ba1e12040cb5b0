package io.headroom.cli;

import io.headroom.datasets.Traces;
import io.headroom.datasets.read.RequestTableTrace;
import io.headroom.datasets.read.TimeFormat;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code --dataset FILE} and, for a per-request CSV/TSV of the user's own, the column mapping: shared by
 * {@code replay}, {@code report} and {@code autoscale evaluate}. Without {@code --columns} the format is detected
 * ({@link Traces#open}); with it the file is a table with a header row whose columns are named by the mapping.
 */
final class TraceOptions {
    /** Data rows read before a replay or evaluation starts, to catch a mapping that reads nothing. */
    static final int PREFLIGHT_ROWS = 1000;
    static final int SAMPLES_SHOWN = 5;

    @Option(names = "--dataset", required = true,
            description = "Trace file: an access log (Common/Combined), a request TSV/CSV, a per-second or per-minute count series, "
                    + "an Azure trace (gzip by the .gz suffix).")
    Path dataset;

    @Option(names = "--columns", paramLabel = "KEY=COLUMN,...",
            description = "Read the dataset as a CSV/TSV with a header row, one request per row: time=COLUMN (required), "
                    + "method=COLUMN (or - for GET), path=COLUMN (or - for /); also format=, sep=, zone= as below. "
                    + "E.g. time=ts,method=verb,path=url")
    String columns;

    @Option(names = "--time-format", paramLabel = "FORMAT",
            description = "With --columns: how the time column is written: auto (default), epoch_s, epoch_ms, epoch_us, iso, "
                    + "or a java.time pattern such as 'dd/MMM/yyyy:HH:mm:ss Z' or 'yyyy-MM-dd HH:mm:ss.SSS'.")
    String timeFormat;

    @Option(names = "--separator", paramLabel = "SEP",
            description = "With --columns: tab, comma, semicolon, pipe or one character (default: tab if the header has one, else comma).")
    String separator;

    @Option(names = "--zone", paramLabel = "ZONE",
            description = "With --columns: zone of times written without an offset, e.g. Europe/Paris or -04:00 (default: UTC).")
    String zone;

    /**
     * The trace, checked: with a column mapping, the first {@value #PREFLIGHT_ROWS} rows are read once, and a mapping
     * under which none of them is a request is an error naming the lines, the columns and what was wrong.
     *
     * @throws IllegalArgumentException a bad mapping or a file it cannot read (message names the column and line)
     */
    Trace open() throws IOException {
        if (columns == null) {
            for (String[] o : new String[][]{{"--time-format", timeFormat}, {"--separator", separator}, {"--zone", zone}}) {
                if (o[1] != null) {
                    throw new IllegalArgumentException(o[0] + " applies to a CSV/TSV read with --columns: add e.g. --columns time=ts,path=url");
                }
            }
            return Traces.open(dataset);
        }
        if (!java.nio.file.Files.isRegularFile(dataset)) {
            throw new java.nio.file.NoSuchFileException(dataset.toString(), null, "trace file not found");
        }
        RequestTableTrace.Builder b = RequestTableTrace.builder(dataset);
        try {
            b.mapping(columns);
            if (timeFormat != null) {
                b.timeFormat(TimeFormat.of(timeFormat));
            }
            if (separator != null) {
                b.mapping("sep=" + separator);
            }
            if (zone != null) {
                b.mapping("zone=" + zone);
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--columns " + columns + ": " + e.getMessage());
        }
        RequestTableTrace trace = b.build();
        preflight(trace);
        return trace;
    }

    private void preflight(Trace trace) throws IOException {
        ReadReport report;
        long read = 0;
        try (TraceReader<RecordedRequest> r = trace.openRequests()) {
            while (read < PREFLIGHT_ROWS && r.hasNext()) {
                r.next();
                read++;
            }
            report = r.report();
        }
        if (read == 0) {
            StringBuilder sb = new StringBuilder(dataset + ": no request could be read with --columns " + columns
                    + (timeFormat == null ? "" : " --time-format '" + timeFormat + "'"));
            if (report.malformedCount() == 0) {
                sb.append(": the file has a header and no rows");
            }
            report.malformedSamples().stream().limit(SAMPLES_SHOWN).forEach(m -> sb.append("\n  ").append(m));
            sb.append("\n  fix: name the columns as the header does, and give the time's format with --time-format");
            throw new IllegalArgumentException(sb.toString());
        }
    }

    /** A few lines for the user about malformed input: count, then the first lines with their numbers. */
    static String malformedSummary(ReadReport report) {
        if (report.malformedCount() == 0) {
            return "";
        }
        StringBuilder sb = new StringBuilder("input: " + report.linesRead() + " lines, " + report.recordsRead() + " requests, "
                + report.malformedCount() + " malformed (skipped):");
        report.malformedSamples().stream().limit(SAMPLES_SHOWN).forEach(m -> sb.append("\n  ").append(m));
        if (report.malformedCount() > SAMPLES_SHOWN) {
            sb.append("\n  ... ").append(report.malformedCount() - SAMPLES_SHOWN).append(" more");
        }
        return sb.toString();
    }
}
