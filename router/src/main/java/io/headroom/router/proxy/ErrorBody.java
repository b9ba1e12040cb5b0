package io.headroom.router.proxy;

import io.headroom.ingest.json.JsonStrings;

import java.nio.charset.StandardCharsets;

/** The small JSON body of a response the router makes itself: {@code {"error":"...","detail":"..."}}. */
final class ErrorBody {
    private ErrorBody() {
    }

    static byte[] json(String error, String detail) {
        StringBuilder sb = new StringBuilder(48 + detail.length());
        sb.append("{\"error\":");
        JsonStrings.append(sb, error);
        sb.append(",\"detail\":");
        JsonStrings.append(sb, detail);
        sb.append('}');
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }
}
