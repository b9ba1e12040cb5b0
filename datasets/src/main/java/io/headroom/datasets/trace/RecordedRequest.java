package io.headroom.datasets.trace;

import java.time.Instant;
import java.util.Objects;

/** One request as recorded: when it arrived, its method, and its path (with query, as logged). */
public record RecordedRequest(Instant at, String method, String path) {
    public RecordedRequest {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(method, "method");
        Objects.requireNonNull(path, "path");
    }
}
