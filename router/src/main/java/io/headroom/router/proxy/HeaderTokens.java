package io.headroom.router.proxy;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.Headers;

import java.util.List;

/**
 * Token lists in header values ({@code Connection: keep-alive, Upgrade}): whether one holds a given token, read in place.
 * Helidon's {@code Headers.containsToken} does the same through a stream pipeline that splits every value into new
 * strings, which cost more than the rest of the check on every answer.
 */
public final class HeaderTokens {
    private HeaderTokens() {
    }

    /**
     * Whether {@code headers} has {@code name} with {@code token} among the comma-separated tokens of its values,
     * compared without regard to case (RFC 9110 §5.6.1; optional whitespace around each token).
     *
     * @param token the token, in lower case
     */
    public static boolean contains(Headers headers, HeaderName name, String token) {
        if (!headers.contains(name)) {
            return false;
        }
        Header h = headers.get(name);
        if (h.valueCount() == 1) {
            return listed(h.get(), token);
        }
        List<String> values = h.allValues();
        for (int i = 0; i < values.size(); i++) {
            if (listed(values.get(i), token)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the comma-separated list {@code value} holds {@code token} (lower case), ignoring case and surrounding space. */
    static boolean listed(String value, String token) {
        int n = value.length();
        int i = 0;
        while (i < n) {
            int end = value.indexOf(',', i);
            if (end < 0) {
                end = n;
            }
            int a = i;
            int b = end;
            while (a < b && isOws(value.charAt(a))) {
                a++;
            }
            while (b > a && isOws(value.charAt(b - 1))) {
                b--;
            }
            if (b - a == token.length() && value.regionMatches(true, a, token, 0, token.length())) {
                return true;
            }
            i = end + 1;
        }
        return false;
    }

    private static boolean isOws(char c) {
        return c == ' ' || c == '\t';
    }
}
