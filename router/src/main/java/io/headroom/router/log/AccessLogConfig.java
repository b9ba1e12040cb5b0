package io.headroom.router.log;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * {@code router.access-log}: one JSON line per request, written off the request thread.
 *
 * @param enabled       off by default
 * @param fields        the fields of each line, in this order
 * @param file          the file appended to, or null for standard output
 * @param queueCapacity entries waiting for the writer; beyond it entries are dropped and counted
 */
public record AccessLogConfig(boolean enabled, List<Field> fields, Path file, int queueCapacity) {
    public static final int DEFAULT_QUEUE = 8192;
    public static final AccessLogConfig OFF = new AccessLogConfig(false, List.of(Field.values()), null, DEFAULT_QUEUE);

    public AccessLogConfig {
        fields = List.copyOf(fields);
        if (queueCapacity < 1) {
            throw new IllegalArgumentException("queueCapacity: " + queueCapacity + " (expected: >= 1)");
        }
        Objects.requireNonNull(fields, "fields");
    }

    /**
     * A field of an access-log line; {@link #key()} is both the YAML name and the JSON key. {@code grpc_status} is the
     * gRPC status code of a gRPC route's call (null for other requests). The {@code upstream_*} times are those of the
     * last attempt, from its start (taking or opening a connection) to: the connection opened
     * ({@code upstream_connect_ms}, null when a kept-alive connection was reused), the response head read
     * ({@code upstream_header_ms}) and the response's last byte passed on ({@code upstream_response_ms}); each null
     * when the request never got that far with a backend. {@code attempts} counts the backends tried (0: none).
     */
    public enum Field {
        TIME, ROUTE, POOL, BACKEND, METHOD, PATH, STATUS, DURATION_MS, BYTES_IN, BYTES_OUT, CLIENT, CONSUMER, TRACE_ID, GRPC_STATUS,
        UPSTREAM_CONNECT_MS, UPSTREAM_HEADER_MS, UPSTREAM_RESPONSE_MS, ATTEMPTS;

        private final String key = name().toLowerCase(Locale.ROOT);

        public String key() {
            return key;
        }

        /** The field named {@code key}, or null. */
        public static Field of(String key) {
            for (Field f : values()) {
                if (f.key.equals(key)) {
                    return f;
                }
            }
            return null;
        }
    }
}
