package io.headroom.datasets.read;

import io.headroom.datasets.trace.AbstractTraceReader;
import io.headroom.datasets.trace.InferenceRequest;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The Azure LLM inference trace 2023 ({@code TIMESTAMP,ContextTokens,GeneratedTokens}, one request per
 * row, timestamps without an offset read as UTC). {@link #openInferences()} keeps the token counts;
 * {@link #openRequests()} replays each row as one request to a fixed method and path (default
 * {@code GET /}). Rows whose time or token counts do not parse are reported with their line numbers.
 */
public final class AzureLlmTrace extends RequestLogTrace {
    static final List<String> COLUMNS = List.of("TIMESTAMP", "ContextTokens", "GeneratedTokens");
    private static final int MAX_LINE = 4096;
    private final String method;
    private final String requestPath;

    private AzureLlmTrace(Path path, String method, String requestPath) {
        super(path, null);
        this.method = Objects.requireNonNull(method, "method").toUpperCase(Locale.ROOT);
        this.requestPath = Objects.requireNonNull(requestPath, "requestPath");
        if (!requestPath.startsWith("/")) {
            throw new IllegalArgumentException("requestPath: '" + requestPath + "' (expected: starts with /)");
        }
    }

    public static AzureLlmTrace of(Path path) {
        return new AzureLlmTrace(path, "GET", "/");
    }

    /** Every row replays as {@code method requestPath}, e.g. {@code POST /v1/completions}. */
    public static AzureLlmTrace of(Path path, String method, String requestPath) {
        return new AzureLlmTrace(path, method, requestPath);
    }

    /** The header names the three columns (any order, any case). */
    public static boolean looksLike(String header) {
        List<String> h = Csv.split(CsvTable.stripBom(header), ',');
        return COLUMNS.stream().allMatch(c -> Csv.indexOf(h, c) >= 0);
    }

    @Override
    public String description() {
        return "Azure LLM inference trace (one request per row with context/generated tokens, UTC; replayed as "
                + method + " " + requestPath + ") " + path;
    }

    @Override
    public TraceReader<RecordedRequest> openRequests() throws IOException {
        TraceReader<InferenceRequest> in = openInferences();
        return new AbstractTraceReader<>() {
            @Override
            protected RecordedRequest computeNext() {
                return in.hasNext() ? new RecordedRequest(in.next().at(), method, requestPath) : null;
            }

            @Override
            public ReadReport report() {
                return in.report();
            }

            @Override
            public void close() {
                in.close();
            }
        };
    }

    /** The rows with their token counts, in file order. */
    public TraceReader<InferenceRequest> openInferences() throws IOException {
        CsvTable table = CsvTable.open(path, MAX_LINE, ',', "a header " + String.join(",", COLUMNS));
        if (table.empty()) {
            return CsvTable.empty(table.report());
        }
        List<String> header = table.header();
        int ti = Csv.indexOf(header, COLUMNS.get(0));
        int ci = Csv.indexOf(header, COLUMNS.get(1));
        int gi = Csv.indexOf(header, COLUMNS.get(2));
        if (ti < 0 || ci < 0 || gi < 0) {
            throw table.rejectHeader(" lacks one of " + COLUMNS);
        }
        return table.rows(row -> {
            Instant at;
            try {
                at = Timestamps.parse(row.get(ti), ZoneOffset.UTC);
            } catch (RuntimeException e) {
                return row.malformed(e.getMessage());
            }
            long context = tokens(row.get(ci));
            long generated = tokens(row.get(gi));
            if (context < 0 || generated < 0) {
                return row.malformed("token counts '" + row.get(ci).strip() + "', '" + row.get(gi).strip()
                        + "' (expected: non-negative integers)");
            }
            return new InferenceRequest(at, context, generated);
        }, ti, ci, gi);
    }

    private static long tokens(String s) {
        try {
            return Long.parseLong(s.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
