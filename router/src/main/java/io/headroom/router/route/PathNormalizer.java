package io.headroom.router.route;

/**
 * Puts a raw request path into the one form that route matching and the backend both see, so that a path cannot
 * match one route here and mean another path there ({@code /api/../admin}, {@code /api/%2e%2e/admin}, {@code /%61dmin}).
 *
 * <ul>
 *   <li>percent-encoded unreserved characters ({@code A-Z a-z 0-9 - . _ ~}) are decoded, other escapes upper-cased;</li>
 *   <li>dot segments are removed (RFC 3986 §5.2.4), never above the root;</li>
 *   <li>rejected (null): a malformed escape ({@code %zz}, {@code %2}), an encoded slash or backslash ({@code %2F},
 *       {@code %5C}: the backend may or may not decode it into a separator), an encoded control character, a
 *       backslash, or a path that does not start with {@code /}.</li>
 * </ul>
 *
 * The common path (no {@code %}, no dot segment, no backslash) is checked in one scan and returned as is, without
 * allocation.
 */
public final class PathNormalizer {
    private PathNormalizer() {
    }

    /** The normalised path, {@code raw} itself when it needs no change, or null when the request must be refused. */
    public static String normalize(String raw) {
        int n = raw.length();
        if (n == 0 || raw.charAt(0) != '/') {
            return null;
        }
        boolean work = false;
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c == '%' || c == '\\' || c < 0x20 || c == 0x7f) {
                work = true;
                break;
            }
            if (c == '.' && raw.charAt(i - 1) == '/') { // i > 0: raw starts with '/'
                int end = i + 1;
                if (end < n && raw.charAt(end) == '.') {
                    end++;
                }
                if (end == n || raw.charAt(end) == '/') {
                    work = true;
                    break;
                }
            }
        }
        if (!work) {
            return raw;
        }
        StringBuilder decoded = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            char c = raw.charAt(i);
            if (c == '\\' || c < 0x20 || c == 0x7f) {
                return null;
            }
            if (c != '%') {
                decoded.append(c);
                continue;
            }
            if (i + 2 >= n) {
                return null;
            }
            int hi = Character.digit(raw.charAt(i + 1), 16);
            int lo = Character.digit(raw.charAt(i + 2), 16);
            if (hi < 0 || lo < 0) {
                return null;
            }
            int b = hi << 4 | lo;
            if (b < 0x20 || b == 0x7f || b == '/' || b == '\\') {
                return null;
            }
            if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~') {
                decoded.append((char) b);
            } else {
                decoded.append('%').append(Character.toUpperCase(raw.charAt(i + 1))).append(Character.toUpperCase(raw.charAt(i + 2)));
            }
            i += 2;
        }
        return removeDotSegments(decoded);
    }

    /** RFC 3986 §5.2.4 on an absolute path (segments of {@code .} and {@code ..}); {@code /..} stays at the root. */
    private static String removeDotSegments(CharSequence in) {
        int n = in.length();
        StringBuilder out = new StringBuilder(n);
        int i = 0;
        while (i < n) {
            // in[i] == '/' here: one segment runs to the next '/'
            int end = i + 1;
            while (end < n && in.charAt(end) != '/') {
                end++;
            }
            int len = end - i - 1;
            boolean last = end == n;
            if (len == 1 && in.charAt(i + 1) == '.') {
                if (last) {
                    out.append('/');
                }
            } else if (len == 2 && in.charAt(i + 1) == '.' && in.charAt(i + 2) == '.') {
                int slash = out.lastIndexOf("/");
                out.setLength(Math.max(slash, 0));
                if (last) {
                    out.append('/');
                }
            } else {
                out.append(in, i, end);
            }
            i = end;
        }
        return out.isEmpty() ? "/" : out.toString();
    }
}
