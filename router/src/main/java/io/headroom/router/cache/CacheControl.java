package io.headroom.router.cache;

import java.util.List;
import java.util.Locale;

/**
 * The {@code Cache-Control} directives a shared cache acts on (RFC 9111 section 5.2, RFC 5861), parsed from every
 * value of the header. Delta-seconds are kept in seconds; -1 means absent. A field-named {@code private="..."} or
 * {@code no-cache="..."} is read as the unqualified directive (the conservative reading).
 *
 * @param noStore             {@code no-store}
 * @param noCache             {@code no-cache} (and, in a request, {@code Pragma: no-cache} or {@code max-age=0})
 * @param isPrivate           {@code private}
 * @param isPublic            {@code public}
 * @param maxAge              {@code max-age}
 * @param sMaxAge             {@code s-maxage}
 * @param mustRevalidate      {@code must-revalidate} or {@code proxy-revalidate}
 * @param staleWhileRevalidate {@code stale-while-revalidate}
 * @param onlyIfCached        {@code only-if-cached} (requests)
 */
public record CacheControl(boolean noStore, boolean noCache, boolean isPrivate, boolean isPublic, long maxAge, long sMaxAge,
                           boolean mustRevalidate, long staleWhileRevalidate, boolean onlyIfCached) {
    public static final CacheControl NONE = new CacheControl(false, false, false, false, -1, -1, false, -1, false);

    /** Parses the values of one or more {@code Cache-Control} headers (null or empty: {@link #NONE}). */
    public static CacheControl parse(List<String> values) {
        if (values == null || values.isEmpty()) {
            return NONE;
        }
        boolean noStore = false;
        boolean noCache = false;
        boolean priv = false;
        boolean pub = false;
        long maxAge = -1;
        long sMaxAge = -1;
        boolean mustRevalidate = false;
        long swr = -1;
        boolean onlyIfCached = false;
        for (String value : values) {
            for (String part : splitOutsideQuotes(value)) {
                String d = part.strip();
                if (d.isEmpty()) {
                    continue;
                }
                int eq = d.indexOf('=');
                String name = (eq < 0 ? d : d.substring(0, eq)).strip().toLowerCase(Locale.ROOT);
                String arg = eq < 0 ? null : unquote(d.substring(eq + 1).strip());
                switch (name) {
                    case "no-store" -> noStore = true;
                    case "no-cache" -> noCache = true;
                    case "private" -> priv = true;
                    case "public" -> pub = true;
                    case "max-age" -> maxAge = min(maxAge, seconds(arg));
                    case "s-maxage" -> sMaxAge = min(sMaxAge, seconds(arg));
                    case "must-revalidate", "proxy-revalidate" -> mustRevalidate = true;
                    case "stale-while-revalidate" -> swr = min(swr, seconds(arg));
                    case "only-if-cached" -> onlyIfCached = true;
                    default -> {
                        // other directives (no-transform, immutable, ...) do not change what this cache does
                    }
                }
            }
        }
        return new CacheControl(noStore, noCache, priv, pub, maxAge, sMaxAge, mustRevalidate, swr, onlyIfCached);
    }

    /** Several occurrences of a directive: the most restrictive (smallest) valid one wins; a bad one reads as 0. */
    private static long min(long current, long next) {
        return current < 0 ? next : Math.min(current, next);
    }

    /** Delta-seconds; a malformed value reads as 0 (stale), as RFC 9111 section 4.2.1 advises. */
    static long seconds(String arg) {
        if (arg == null || arg.isEmpty()) {
            return 0;
        }
        long v = 0;
        for (int i = 0; i < arg.length(); i++) {
            char c = arg.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            v = v * 10 + (c - '0');
            if (v > Integer.MAX_VALUE) {
                return Integer.MAX_VALUE; // RFC 9111 section 1.2.2: 2^31 is "infinity"
            }
        }
        return v;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.charAt(0) == '"' && s.charAt(s.length() - 1) == '"' ? s.substring(1, s.length() - 1) : s;
    }

    private static List<String> splitOutsideQuotes(String v) {
        List<String> out = new java.util.ArrayList<>(4);
        boolean quoted = false;
        int from = 0;
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c == '"') {
                quoted = !quoted;
            } else if (c == ',' && !quoted) {
                out.add(v.substring(from, i));
                from = i + 1;
            }
        }
        out.add(v.substring(from));
        return out;
    }
}
