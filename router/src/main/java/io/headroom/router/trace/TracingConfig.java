package io.headroom.router.trace;

import io.headroom.config.ConfigNode;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;

/**
 * The {@code tracing:} section: the response header that tells a client its trace id, and the optional OTLP span
 * export.
 *
 * <pre>
 * tracing:
 *   response-header: x-trace-id      # none | x-trace-id (the 32-hex trace id) | traceparent (the router's) | any name
 *   otlp:                            # absent: no export (default), and no tracing library is loaded
 *     endpoint: http://127.0.0.1:4318/v1/traces   # OTLP/HTTP (protobuf)
 *     service-name: headroom-router
 *     timeout: 10s                   # one export call
 *     queue: 8192                    # spans waiting for export; more are dropped and counted
 *     sampled-only: true             # export only requests whose traceparent has the sampled flag (new traces do)
 * </pre>
 *
 * @param responseHeader the header name (lower case), or null for none
 * @param fullTraceparent whether the header carries the whole traceparent rather than the trace id
 * @param otlp           the export settings, or null when export is off
 */
public record TracingConfig(String responseHeader, boolean fullTraceparent, Otlp otlp) {
    public static final String DEFAULT_HEADER = "x-trace-id";
    /** {@code x-trace-id} on every response, no export. */
    public static final TracingConfig DEFAULT = new TracingConfig(DEFAULT_HEADER, false, null);

    /**
     * @param endpoint    the OTLP/HTTP traces URL
     * @param serviceName {@code service.name} of the exported spans
     * @param timeout     timeout of one export call
     * @param queue       spans waiting for export at most
     * @param sampledOnly export only sampled traces
     */
    public record Otlp(URI endpoint, String serviceName, Duration timeout, int queue, boolean sampledOnly) {
    }

    public static TracingConfig from(ConfigNode root) {
        if (!root.has("tracing")) {
            return DEFAULT;
        }
        ConfigNode t = root.child("tracing").requireOnly("response-header", "otlp");
        String h = t.string("response-header", DEFAULT_HEADER).strip().toLowerCase(Locale.ROOT);
        String header;
        if (h.equals("none")) {
            header = null;
        } else if (!h.matches("[a-z0-9!#$%&'*+.^_`|~-]+")) {
            throw t.errorAt("response-header", "'" + h + "' is not a header name",
                    "use none, x-trace-id, traceparent, or a header name of letters, digits and dashes");
        } else {
            header = h;
        }
        Otlp otlp = null;
        if (t.has("otlp")) {
            ConfigNode o = t.child("otlp").requireOnly("endpoint", "service-name", "timeout", "queue", "sampled-only");
            String e = o.requireString("endpoint", "write e.g. endpoint: http://127.0.0.1:4318/v1/traces (an OTLP/HTTP collector)").strip();
            URI endpoint;
            try {
                endpoint = URI.create(e);
            } catch (IllegalArgumentException ex) {
                throw o.errorAt("endpoint", "'" + e + "' is not a URL", "write e.g. http://127.0.0.1:4318/v1/traces");
            }
            if (!("http".equals(endpoint.getScheme()) || "https".equals(endpoint.getScheme())) || endpoint.getHost() == null) {
                throw o.errorAt("endpoint", "'" + e + "' is not an http(s) URL", "write e.g. http://127.0.0.1:4318/v1/traces");
            }
            Duration timeout = o.duration("timeout", Duration.ofSeconds(10));
            if (timeout.isZero() || timeout.isNegative()) {
                throw o.errorAt("timeout", "timeout must be positive", "write e.g. timeout: 10s");
            }
            otlp = new Otlp(endpoint, o.string("service-name", "headroom-router"), timeout,
                    o.integer("queue", 8192, 1, 1 << 20), o.bool("sampled-only", true));
        }
        return new TracingConfig(header, "traceparent".equals(header), otlp);
    }
}
