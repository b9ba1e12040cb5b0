package io.headroom.ingest.json;

/**
 * JSON string literals (RFC 8259), shared by every module that writes JSON by hand (error bodies, access logs, the
 * admin API, replay and evaluation results): quotes, backslashes and control characters escaped, U+2028/2029 and
 * lone surrogates written as {@code \\uXXXX} so the output survives UTF-8 and JavaScript alike.
 */
public final class JsonStrings {
    private JsonStrings() {
    }

    /** Appends {@code s} as a JSON string, or {@code null} when {@code s} is null. */
    public static StringBuilder append(StringBuilder sb, String s) {
        if (s == null) {
            return sb.append("null");
        }
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x7f || c == '\u2028' || c == '\u2029') {
                        unicode(sb, c);
                    } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                        sb.append(c).append(s.charAt(++i));
                    } else if (Character.isSurrogate(c)) {
                        unicode(sb, c); // a lone surrogate would not survive UTF-8 encoding
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"');
    }

    /** {@code s} as a JSON string literal, or {@code null}. */
    public static String quote(String s) {
        return append(new StringBuilder(s == null ? 4 : s.length() + 2), s).toString();
    }

    private static void unicode(StringBuilder sb, char c) {
        String h = Integer.toHexString(c);
        sb.append("\\u").append("0000", 0, 4 - h.length()).append(h);
    }
}
