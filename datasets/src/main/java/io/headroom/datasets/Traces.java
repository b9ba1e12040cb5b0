package io.headroom.datasets;

import io.headroom.datasets.read.AccessLogTrace;
import io.headroom.datasets.read.AzureFunctionsTrace;
import io.headroom.datasets.read.AzureLlmTrace;
import io.headroom.datasets.read.CountCsvTrace;
import io.headroom.datasets.read.CountSeriesTrace;
import io.headroom.datasets.read.Inputs;
import io.headroom.datasets.read.RequestTableTrace;
import io.headroom.datasets.synthetic.SyntheticWorkload;
import io.headroom.datasets.trace.Trace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Locale;

/** Entry point: open a trace file by detecting its format, or fall back to the synthetic workload. */
public final class Traces {
    /**
     * Where the shared real traces live: {@code $HEADROOM_DATASETS}, else {@code -Dheadroom.shared.dir}/datasets, else
     * {@code ../shared/datasets} beside the Headroom checkout ({@code -Dheadroom.home}, or the working directory).
     */
    public static final Path SHARED_ROOT = sharedRoot();

    private static Path sharedRoot() {
        String env = System.getenv("HEADROOM_DATASETS");
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String shared = System.getProperty("headroom.shared.dir");
        if (shared != null && !shared.isBlank()) {
            return Path.of(shared, "datasets").toAbsolutePath().normalize();
        }
        Path home = Path.of(System.getProperty("headroom.home", ".")).toAbsolutePath();
        // From the checkout root, or from a module directory when a test runs there.
        for (Path p = home; p != null; p = p.getParent()) {
            Path candidate = p.resolveSibling("shared").resolve("datasets");
            if (Files.isDirectory(candidate)) {
                return candidate.normalize();
            }
        }
        return home.resolveSibling("shared").resolve("datasets").normalize();
    }

    private Traces() {
    }

    /**
     * Detects the format from the name and first line: a whitespace-separated count series (the NASA
     * per-second file gets its July/August time mapping; others start at the epoch, so prefer
     * {@link CountSeriesTrace#perSecond} with a real start), the Azure Functions invocation matrix
     * ({@code HashFunction} and minute columns; the aggregate, a {@link io.headroom.datasets.trace.MultiSeriesTrace}),
     * the Azure LLM inference trace ({@code TIMESTAMP,ContextTokens,GeneratedTokens}), a counts CSV with a
     * header, a request TSV with {@code time} and {@code url} columns, a CSV with a time column and no
     * count column (one request per row), or a Common/Combined access log. Other request tables are opened
     * with {@link RequestTableTrace#builder}.
     *
     * @throws IllegalArgumentException when the format is not recognised (the message says what was seen)
     */
    /**
     * Whether {@code line} reads as a count series: a number, then numbers (or {@code -} for a gap) separated by blanks.
     * A loop, not a regular expression: a repeated group recurses once per value in java.util.regex, and a first line
     * of thousands of values overflowed the stack.
     */
    static boolean isCountSeriesLine(String line) {
        int n = line.length();
        int i = 0;
        int start = i;
        while (i < n && line.charAt(i) >= '0' && line.charAt(i) <= '9') {
            i++;
        }
        if (i == start) {
            return false;
        }
        while (i < n) {
            int blanks = i;
            while (i < n && (line.charAt(i) == ' ' || line.charAt(i) == '\t')) {
                i++;
            }
            if (i == blanks) {
                return false;
            }
            int value = i;
            while (i < n && ((line.charAt(i) >= '0' && line.charAt(i) <= '9') || line.charAt(i) == '-')) {
                i++;
            }
            if (i == value) {
                return false;
            }
        }
        return true;
    }

    public static Trace open(Path path) throws IOException {
        if (!Files.isRegularFile(path)) {
            throw new java.nio.file.NoSuchFileException(path.toString(), null, "trace file not found");
        }
        String file = path.getFileName().toString().toLowerCase(Locale.ROOT);
        String first = Inputs.firstLine(path, 4096);
        if (isCountSeriesLine(first.strip())) {
            if (file.startsWith("nasa_1995_per_second")) {
                return CountSeriesTrace.nasa1995(path);
            }
            return CountSeriesTrace.builder(path).start(Instant.EPOCH)
                    .description("count series (1 s per value) from " + path
                            + "; start time unknown, index 0 placed at 1970-01-01T00:00Z")
                    .build();
        }
        if (RequestTableTrace.looksLike(first)) {
            return RequestTableTrace.of(path);
        }
        if (AccessLogTrace.looksLike(first)) {
            return AccessLogTrace.of(path);
        }
        if (first.indexOf(',') >= 0 && !Character.isDigit(first.strip().charAt(0))) {
            if (AzureFunctionsTrace.looksLike(first)) {
                return AzureFunctionsTrace.of(path);
            }
            if (AzureLlmTrace.looksLike(first)) {
                return AzureLlmTrace.of(path);
            }
            if (file.startsWith("nasa_1995_per_minute")) {
                return CountCsvTrace.builder(path)
                        .description("NASA-HTTP 1995 requests per minute (real; derived, outage=1 marks gaps) " + path).build();
            }
            if (file.startsWith("wc98_")) {
                return CountCsvTrace.builder(path)
                        .description("1998 World Cup web site requests per minute (real; GMT) " + path).build();
            }
            java.util.List<String> header = java.util.Arrays.stream(first.split(","))
                    .map(h -> h.strip().toLowerCase(Locale.ROOT)).toList();
            String time = firstOf(header, CountCsvTrace.TIME_NAMES);
            if (time != null && firstOf(header, CountCsvTrace.COUNT_NAMES) == null) {
                // a timestamp per row and no count: one request per row (e.g. the Azure LLM inference trace)
                return RequestTableTrace.of(path, ',', time, header.contains("method") ? "method" : null,
                        header.contains("path") ? "path" : header.contains("url") ? "url" : null, java.time.ZoneOffset.UTC);
            }
            return CountCsvTrace.of(path);
        }
        String seen = first.length() > 80 ? first.substring(0, 80) + "..." : first;
        throw new IllegalArgumentException(path + ": unrecognised trace format (first line: '" + seen
                + "'); expected a count series, a counts CSV with a header, a request TSV, or a Common/Combined access log");
    }

    private static String firstOf(java.util.List<String> header, java.util.List<String> names) {
        return names.stream().filter(header::contains).findFirst().orElse(null);
    }

    /** The shared real trace at {@code relative} under {@link #SHARED_ROOT}, or the synthetic workload when absent. */
    public static Trace openOrSynthetic(String relative, SyntheticWorkload fallback) throws IOException {
        Path p = SHARED_ROOT.resolve(relative);
        return Files.isRegularFile(p) ? open(p) : fallback;
    }
}
