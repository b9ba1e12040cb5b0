package io.headroom.router.lane;

/**
 * RFC 3986 character classes for the fast checks of request targets and {@code Host} headers, and RFC 9110's
 * {@code tchar} for header names: the lane's {@link HeadParser}, the router's {@code RequestChecks} and the upstream
 * head parser accept the same characters from these tables.
 */
public final class UriChars {
    /** RFC 3986 {@code unreserved}. */
    private static final boolean[] UNRESERVED = new boolean[128];
    /** RFC 3986 {@code pchar} without {@code %} and {@code ;}, plus {@code /}. */
    private static final boolean[] PATH = new boolean[128];
    /** RFC 9110 {@code tchar}: the characters of a header name. */
    private static final boolean[] TCHAR = new boolean[128];

    static {
        for (char c = '0'; c <= '9'; c++) {
            UNRESERVED[c] = true;
        }
        for (char c = 'a'; c <= 'z'; c++) {
            UNRESERVED[c] = true;
            UNRESERVED[c - 'a' + 'A'] = true;
        }
        for (char c : "-._~".toCharArray()) {
            UNRESERVED[c] = true;
        }
        System.arraycopy(UNRESERVED, 0, PATH, 0, 128);
        for (char c : "!$&'()*+,=:@/".toCharArray()) {
            PATH[c] = true;
        }
        for (int c = 0; c < 128; c++) {
            TCHAR[c] = UNRESERVED[c] || "!#$%&'*+^`|".indexOf(c) >= 0;
        }
    }

    private UriChars() {
    }

    /** Whether {@code c} is an RFC 3986 unreserved character. */
    public static boolean unreserved(int c) {
        return c >= 0 && c < 128 && UNRESERVED[c];
    }

    /** Whether {@code c} may stand in a path without escaping: a {@code pchar} but {@code %} and {@code ;}, or {@code /}. */
    public static boolean path(int c) {
        return c >= 0 && c < 128 && PATH[c];
    }

    /** Whether {@code c} may stand in a header name: an RFC 9110 {@code tchar} (a byte above 0x7F as a negative int is not). */
    public static boolean tchar(int c) {
        return c >= 0 && c < 128 && TCHAR[c];
    }

    /** Whether {@code c} is a hexadecimal digit, either case. */
    public static boolean hex(int c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    }
}
