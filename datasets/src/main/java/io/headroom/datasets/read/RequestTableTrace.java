package io.headroom.datasets.read;

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
 * {@code /}. Any other layout is named with {@link #builder(Path)}, or with a mapping string
 * ({@link Builder#mapping(String)}: {@code time=ts,format=epoch_ms,method=verb,path=uri}) that a command line
 * can pass through. The separator is a tab when the header has one, else a comma, unless given.
 */
public final class RequestTableTrace extends RequestLogTrace {
    private static final int MAX_LINE = 16384;
    /** The keys of {@link Builder#mapping(String)}. */
    public static final List<String> MAPPING_KEYS = List.of("time", "format", "method", "path", "sep", "zone");
    /** A comma followed by {@code word=} starts the next pair (so an unknown key is reported, not folded into a value). */
    private static final java.util.regex.Pattern MAPPING_SPLIT = java.util.regex.Pattern.compile(",(?=\\s*[A-Za-z_-]+\\s*=)");
    private final String timeColumn;
    private final TimeFormat timeFormat;
    private final String methodColumn;
    private final String pathColumn;
    private final ZoneId zone;
    private final Character separator; // null = tab if the header has one, else comma
    private final boolean pathExplicit;
    private static final List<String> PATH_NAMES = List.of("url", "path", "uri");

    private RequestTableTrace(Builder b) {
        super(b.path, b.name);
        this.separator = b.separator;
        this.timeColumn = b.timeColumn;
        this.timeFormat = b.timeFormat;
        this.methodColumn = b.methodColumn;
        this.pathColumn = b.pathColumn;
        this.zone = b.zone;
        this.pathExplicit = b.pathExplicit;
    }

    /** NASA TSV layout: {@code time} (epoch s), {@code method}, {@code url}. */
    public static RequestTableTrace of(Path path) {
        return builder(path).separator('\t').build();
    }

    /**
     * Explicit layout. {@code methodColumn} may be null (every request is GET); {@code pathColumn} may be
     * null (every request goes to /).
     */
    public static RequestTableTrace of(Path path, char separator, String timeColumn, String methodColumn,
                                       String pathColumn, ZoneId zone) {
        return builder(path).separator(separator).timeColumn(timeColumn).methodColumn(methodColumn)
                .pathColumn(pathColumn).zone(zone).build();
    }

    /**
     * Defaults: columns {@code time}, {@code method}, and {@code url} (else {@code path}, else {@code uri}); time
     * format auto; UTC; separator from the header.
     */
    public static Builder builder(Path path) {
        return new Builder(path);
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
        return "requests, one per row (time " + timeColumn + " as " + timeFormat + ", method "
                + (methodColumn == null ? "GET" : methodColumn) + ", path " + (pathColumn == null ? "/" : pathColumn)
                + (timeFormat == TimeFormat.EPOCH_S || timeFormat == TimeFormat.EPOCH_MS ? "" : ", local times in " + zone)
                + ") " + path;
    }

    private int pathIndex(List<String> header) {
        int pi = pathColumn == null ? -1 : Csv.indexOf(header, pathColumn);
        for (int k = 0; pi < 0 && !pathExplicit && k < PATH_NAMES.size(); k++) {
            pi = Csv.indexOf(header, PATH_NAMES.get(k)); // url by default, else the usual other names
        }
        return pi;
    }

    @Override
    public TraceReader<RecordedRequest> openRequests() throws IOException {
        CsvTable table = CsvTable.open(path, MAX_LINE, separator, "a header row naming the columns");
        if (table.empty()) {
            return CsvTable.empty(table.report());
        }
        List<String> header = table.header();
        char separator = table.separator();
        int ti = Csv.indexOf(header, timeColumn);
        int mi = methodColumn == null ? -1 : Csv.indexOf(header, methodColumn);
        int pi = pathIndex(header);
        if (ti < 0 || (pathColumn != null && pi < 0) || (methodColumn != null && mi < 0)) {
            String missing = ti < 0 ? timeColumn : pi < 0 && pathColumn != null ? pathColumn : methodColumn;
            throw table.rejectHeader(" has no column '" + missing
                    + "' (separator " + (separator == '\t' ? "tab" : "'" + separator + "'")
                    + "); map the columns, e.g. time=ts,format=epoch_ms,method=verb,path=uri");
        }
        return table.rows(row -> {
            Instant at;
            try {
                at = timeFormat.parse(row.get(ti), zone);
            } catch (RuntimeException e) {
                return row.malformed("column '" + header.get(ti) + "': " + e.getMessage());
            }
            String method = mi < 0 ? "GET" : row.get(mi).strip().toUpperCase(Locale.ROOT);
            if (method.isEmpty()) {
                return row.malformed("column '" + header.get(mi) + "': empty method");
            }
            String p = pi < 0 ? "/" : AccessLogTrace.pathOf(row.get(pi).strip());
            if (p == null) {
                return row.malformed("column '" + header.get(pi) + "': '" + row.get(pi) + "' is not a path");
            }
            return new RecordedRequest(at, method, p);
        }, ti, mi, pi);
    }

    /** Which column holds what; columns are found by header name (case-insensitive). */
    public static final class Builder {
        private final Path path;
        private Character separator;
        private String timeColumn = "time";
        private TimeFormat timeFormat = TimeFormat.AUTO;
        private String methodColumn = "method";
        private String pathColumn = "url";
        private ZoneId zone = ZoneOffset.UTC;
        private String name;
        private boolean pathExplicit;

        private Builder(Path path) {
            this.path = java.util.Objects.requireNonNull(path, "path");
        }

        public Builder separator(char separator) {
            this.separator = separator;
            return this;
        }

        public Builder timeColumn(String column) {
            this.timeColumn = java.util.Objects.requireNonNull(column, "timeColumn");
            return this;
        }

        public Builder timeFormat(TimeFormat format) {
            this.timeFormat = java.util.Objects.requireNonNull(format, "timeFormat");
            return this;
        }

        /** Null: every request is GET. */
        public Builder methodColumn(String column) {
            this.methodColumn = column;
            return this;
        }

        /** Null: every request goes to /. */
        public Builder pathColumn(String column) {
            this.pathColumn = column;
            this.pathExplicit = true;
            return this;
        }

        /** Zone of times written without an offset (default UTC). */
        public Builder zone(ZoneId zone) {
            this.zone = java.util.Objects.requireNonNull(zone, "zone");
            return this;
        }

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /**
         * Applies a mapping such as {@code time=ts,format=dd/MMM/yyyy:HH:mm:ss Z,method=verb,path=uri,sep=tab,zone=Europe/Paris}.
         * Keys: {@link #MAPPING_KEYS}; {@code method=-} or {@code path=-} means no such column; {@code sep} is
         * {@code tab}, {@code comma}, {@code semicolon}, {@code pipe} or one character. A comma inside a value
         * is kept when what follows it is not {@code word=}.
         *
         * @throws IllegalArgumentException naming the bad key or value
         */
        public Builder mapping(String spec) {
            for (String pair : MAPPING_SPLIT.split(spec.strip())) {
                int eq = pair.indexOf('=');
                String key = eq < 0 ? pair.strip() : pair.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                String value = eq < 0 ? "" : pair.substring(eq + 1).strip();
                if (eq < 0 || !MAPPING_KEYS.contains(key)) {
                    throw new IllegalArgumentException("column mapping: '" + pair.strip() + "' (expected: key=value with key one of "
                            + String.join(", ", MAPPING_KEYS) + ", e.g. time=ts,format=epoch_ms,method=verb,path=uri)");
                }
                if (value.isEmpty()) {
                    throw new IllegalArgumentException("column mapping: " + key + " has no value");
                }
                switch (key) {
                    case "time" -> timeColumn(value);
                    case "format" -> timeFormat(TimeFormat.of(value));
                    case "method" -> methodColumn(value.equals("-") ? null : value);
                    case "path" -> pathColumn(value.equals("-") ? null : value);
                    case "zone" -> {
                        try {
                            zone(ZoneId.of(value));
                        } catch (java.time.DateTimeException e) {
                            throw new IllegalArgumentException("column mapping: zone '" + value + "': " + e.getMessage()
                                    + " (expected: e.g. UTC, -04:00, Europe/Paris)");
                        }
                    }
                    default -> separator(separatorOf(value));
                }
            }
            return this;
        }

        private static char separatorOf(String v) {
            return switch (v.toLowerCase(Locale.ROOT)) {
                case "tab", "\\t" -> '\t';
                case "comma" -> ',';
                case "semicolon" -> ';';
                case "pipe" -> '|';
                default -> {
                    if (v.length() != 1) {
                        throw new IllegalArgumentException("column mapping: sep '" + v
                                + "' (expected: tab, comma, semicolon, pipe or one character)");
                    }
                    yield v.charAt(0);
                }
            };
        }

        public RequestTableTrace build() {
            return new RequestTableTrace(this);
        }
    }
}
