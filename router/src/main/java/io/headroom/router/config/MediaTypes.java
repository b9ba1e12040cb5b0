package io.headroom.router.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Media type parsing for version matching ({@code type/subtype; name=value}); used at config time and per request. */
public final class MediaTypes {
    private MediaTypes() {
    }

    /**
     * A parsed media type: lower-case {@code type/subtype} and lower-case parameter names with their values.
     *
     * @param essence    {@code type/subtype}
     * @param parameters name, value, name, value, ...
     */
    public record MediaType(String essence, List<String> parameters) {
    }

    /** Parses one media type, or null if it is not one. */
    public static MediaType parse(String text) {
        String[] parts = text.split(";");
        String essence = parts[0].strip().toLowerCase(Locale.ROOT);
        int slash = essence.indexOf('/');
        if (slash <= 0 || slash == essence.length() - 1 || essence.indexOf('/', slash + 1) >= 0 || essence.indexOf(' ') >= 0) {
            return null;
        }
        List<String> params = new ArrayList<>();
        for (int i = 1; i < parts.length; i++) {
            String p = parts[i].strip();
            int eq = p.indexOf('=');
            if (eq <= 0) {
                return null;
            }
            String v = p.substring(eq + 1).strip();
            if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
                v = v.substring(1, v.length() - 1);
            }
            params.add(p.substring(0, eq).strip().toLowerCase(Locale.ROOT));
            params.add(v);
        }
        return new MediaType(essence, List.copyOf(params));
    }

    /**
     * Whether an {@code Accept} header value lists {@code wanted}: an entry with the same {@code type/subtype} that has
     * every parameter of {@code wanted} with the same value (names case-insensitive, values exact). Wildcards in the
     * header do not select a version.
     */
    public static boolean accepts(String acceptHeader, MediaType wanted) {
        int n = acceptHeader.length();
        int i = 0;
        while (i < n) {
            int end = acceptHeader.indexOf(',', i);
            if (end < 0) {
                end = n;
            }
            if (entryMatches(acceptHeader, i, end, wanted)) {
                return true;
            }
            i = end + 1;
        }
        return false;
    }

    private static boolean entryMatches(String h, int from, int to, MediaType wanted) {
        while (from < to && h.charAt(from) == ' ') {
            from++;
        }
        int semi = h.indexOf(';', from);
        int essEnd = semi < 0 || semi > to ? to : semi;
        int e = essEnd;
        while (e > from && h.charAt(e - 1) == ' ') {
            e--;
        }
        String ess = wanted.essence();
        if (e - from != ess.length() || !h.regionMatches(true, from, ess, 0, ess.length())) {
            return false;
        }
        List<String> ps = wanted.parameters();
        if (ps.isEmpty()) {
            return true;
        }
        MediaType entry = parse(h.substring(from, to));
        if (entry == null) {
            return false;
        }
        List<String> have = entry.parameters();
        for (int k = 0; k < ps.size(); k += 2) {
            boolean found = false;
            for (int m = 0; m < have.size(); m += 2) {
                if (have.get(m).equals(ps.get(k)) && have.get(m + 1).equals(ps.get(k + 1))) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }
}
