package io.headroom.datasets.read;

import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Common and Combined Log Format (Apache, nginx, the NASA/ITA logs):
 * {@code host ident user [dd/MMM/yyyy:HH:mm:ss +hhmm] "METHOD /path PROTO" status bytes ["referer" "agent"]}.
 * Each line's own offset is honoured. Request lines without a protocol ({@code "GET /x"}, common in
 * 1990s logs) are accepted; an absolute URI keeps only its path. Anything else is reported malformed.
 */
public final class AccessLogTrace extends RequestLogTrace {
    static final Pattern LINE = Pattern.compile(
            "^(\\S+) (\\S+) (\\S+) \\[([^\\]]+)] \"((?:[^\"\\\\]|\\\\.)*)\" (\\d{3}|-) (\\S+)(?: \"((?:[^\"\\\\]|\\\\.)*)\" \"((?:[^\"\\\\]|\\\\.)*)\")?.*$");
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss[.SSS] Z", Locale.ENGLISH);
    private static final int MAX_LINE = 16384;

    private AccessLogTrace(Path path, String name) {
        super(path, name);
    }

    public static AccessLogTrace of(Path path) {
        return new AccessLogTrace(path, null);
    }

    public static AccessLogTrace of(Path path, String name) {
        return new AccessLogTrace(path, name);
    }

    @Override
    public String description() {
        return "access log (Common/Combined Log Format) " + path;
    }

    public static boolean looksLike(String line) {
        return LINE.matcher(line).matches();
    }

    @Override
    public TraceReader<RecordedRequest> openRequests() throws IOException {
        LineSource lines = new LineSource(Inputs.reader(path), MAX_LINE);
        ReadReport report = new ReadReport(path.toString());
        return lines.records(report, (line, n) -> parse(line, n, report));
    }

    static RecordedRequest parse(String line, long n, ReadReport report) {
        Matcher m = LINE.matcher(line);
        if (!m.matches()) {
            report.malformed(n, "not Common/Combined Log Format", line);
            return null;
        }
        Instant at;
        try {
            at = OffsetDateTime.parse(m.group(4), TIME).toInstant();
        } catch (DateTimeParseException e) {
            report.malformed(n, "bad time [" + m.group(4) + "] (expected: dd/MMM/yyyy:HH:mm:ss +hhmm)", line);
            return null;
        }
        String[] req = m.group(5).strip().split("\\s+");
        if (req.length < 2 || !isToken(req[0])) {
            report.malformed(n, "bad request line \"" + m.group(5) + "\" (expected: METHOD /path [PROTOCOL])", line);
            return null;
        }
        int end = req.length;
        if (end >= 3 && req[end - 1].startsWith("HTTP/")) {
            end--;
        }
        // a path with unescaped spaces was split: put it back together
        String path = end - 1 == 1 ? req[1] : String.join(" ", java.util.Arrays.copyOfRange(req, 1, end));
        path = pathOf(path);
        if (path == null) {
            report.malformed(n, "request target '" + req[1] + "' is not a path", line);
            return null;
        }
        return new RecordedRequest(at, req[0].toUpperCase(Locale.ROOT), path);
    }

    static String pathOf(String target) {
        if (target.startsWith("/")) {
            return target;
        }
        int scheme = target.indexOf("://");
        if (scheme > 0) {
            int slash = target.indexOf('/', scheme + 3);
            return slash < 0 ? "/" : target.substring(slash);
        }
        return null;
    }

    private static boolean isToken(String s) {
        if (s.isEmpty() || s.length() > 20) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(Character.isLetter(c) || c == '-' || c == '_')) {
                return false;
            }
        }
        return true;
    }
}
