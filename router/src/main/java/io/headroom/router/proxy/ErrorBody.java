package io.headroom.router.proxy;

import java.nio.charset.StandardCharsets;

/** The small JSON body of a response the router makes itself: {@code {"error":"...","detail":"..."}}. */
final class ErrorBody {
    private ErrorBody() {
    }

    static byte[] json(String error, String detail) {
        StringBuilder sb = new StringBuilder(48 + detail.length());
        sb.append("{\"error\":\"");
        escape(sb, error);
        sb.append("\",\"detail\":\"");
        escape(sb, detail);
        sb.append("\"}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void escape(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
    }
}
