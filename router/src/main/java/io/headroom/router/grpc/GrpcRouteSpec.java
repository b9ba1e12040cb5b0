package io.headroom.router.grpc;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * The {@code grpc:} block of a route, checked against its descriptors: the JSON translation bindings (from
 * {@code google.api.http} annotations or explicit mappings), whether native gRPC calls pass through, and how the
 * router talks to the pool's members. docs/grpc.md has every key.
 *
 * @param descriptors             the descriptor set, or null for a passthrough-only route
 * @param bindings                HTTP method and path to gRPC method, most specific first; empty for passthrough only
 * @param passthrough             requests with {@code content-type: application/grpc} are forwarded as they are
 * @param channel                 HTTP/2 to the members: plaintext (h2c) or TLS, and the message size limit
 * @param preserveProtoFieldNames answers use the proto field names ({@code user_id}) instead of JSON names ({@code userId})
 * @param ignoreUnknownQuery      query parameters that name no field are ignored instead of answered with 400
 * @param deadlineOffset          on passthrough, how much earlier than a client's {@code grpc-timeout} the router ends the
 *                                call (at most a tenth of the timeout), so that its DEADLINE_EXCEEDED reaches the client
 *                                before the client cancels the stream itself (as Envoy's grpc_timeout_header_offset)
 * @param reflection              where the descriptors come from when the pool's members give them by server reflection,
 *                                or null (a descriptor set file, or passthrough only). Until {@link #resolved()} the
 *                                descriptors are null and the bindings empty: the router fetches the descriptors when it
 *                                builds the route (at start and at each reload) and checks the bindings against them
 * @param web                     gRPC-Web ({@code application/grpc-web*} requests from browsers) and its CORS, or null: off
 */
public record GrpcRouteSpec(DescriptorSet descriptors, List<HttpBinding> bindings, boolean passthrough, ChannelSettings channel,
                            boolean preserveProtoFieldNames, boolean ignoreUnknownQuery, java.time.Duration deadlineOffset,
                            Reflection reflection, Web web) {
    public static final java.time.Duration DEFAULT_DEADLINE_OFFSET = java.time.Duration.ofMillis(100);
    public static final java.time.Duration DEFAULT_REFLECTION_TIMEOUT = java.time.Duration.ofSeconds(5);

    public GrpcRouteSpec {
        Objects.requireNonNull(deadlineOffset, "deadlineOffset");
        bindings = bindings.stream().sorted(HttpBinding.PRECEDENCE).toList();
        Objects.requireNonNull(channel, "channel");
        if (bindings.isEmpty() && !passthrough && web == null && (reflection == null || descriptors != null)) {
            throw new IllegalArgumentException("a gRPC route needs bindings, passthrough or web");
        }
    }

    /** Whether the route can be built: its descriptors are known (from a file, or fetched), or it needs none. */
    public boolean resolved() {
        return reflection == null || descriptors != null;
    }

    /** This block with the descriptors fetched by reflection and the bindings checked against them. */
    public GrpcRouteSpec withDescriptors(DescriptorSet fetched, List<HttpBinding> checked) {
        return new GrpcRouteSpec(Objects.requireNonNull(fetched, "fetched"), checked, passthrough, channel, preserveProtoFieldNames,
                ignoreUnknownQuery, deadlineOffset, reflection, web);
    }

    /**
     * Whether {@code other} is the same {@code grpc:} block as this one, descriptors aside: after a reload whose fetch
     * failed, a route whose block did not change may keep the descriptors it was serving with.
     */
    public boolean sameBlock(GrpcRouteSpec other) {
        return other != null && passthrough == other.passthrough && channel.equals(other.channel)
                && preserveProtoFieldNames == other.preserveProtoFieldNames && ignoreUnknownQuery == other.ignoreUnknownQuery
                && deadlineOffset.equals(other.deadlineOffset) && Objects.equals(reflection, other.reflection)
                && Objects.equals(web, other.web);
    }

    /**
     * Descriptors by server reflection ({@code grpc.reflection.v1.ServerReflection}, else v1alpha) from the members of
     * the route's pool.
     *
     * @param services  the services to fetch: those the mappings call, or those named by {@code services}; empty: every
     *                  service the member lists
     * @param timeout   the deadline of one fetch, over every member tried
     * @param signature the block's mappings and services as written, to tell an unchanged block at a reload
     * @param binder    checks the block's bindings against fetched descriptors, with the configuration's file:line errors
     */
    public record Reflection(List<String> services, java.time.Duration timeout, String signature, Binder binder) {
        public Reflection {
            services = List.copyOf(services);
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(signature, "signature");
            Objects.requireNonNull(binder, "binder");
        }

        /** Equal when the same services, timeout and mappings are written (the binder is the parser's, not compared). */
        @Override
        public boolean equals(Object o) {
            return o instanceof Reflection r && services.equals(r.services) && timeout.equals(r.timeout) && signature.equals(r.signature);
        }

        @Override
        public int hashCode() {
            return Objects.hash(services, timeout, signature);
        }
    }

    /** The configuration's side of a reflected block: its bindings against the fetched descriptors, and its errors. */
    public interface Binder {
        /**
         * The block's bindings (mappings, or the annotations of its services) checked against {@code descriptors}.
         *
         * @throws io.headroom.config.ConfigException at the offending key's file:line, as for a descriptor set file
         */
        List<HttpBinding> bind(DescriptorSet descriptors);

        /** An error at the block's {@code reflection} key: file:line, {@code problem} and {@code fix}. */
        io.headroom.config.ConfigException error(String problem, String fix);
    }

    /**
     * gRPC-Web on the route (docs/grpc.md, "gRPC-Web"): requests with {@code content-type: application/grpc-web},
     * {@code application/grpc-web-text} (and {@code +proto}) over HTTP/1.1 or HTTP/2 become gRPC calls to the members.
     *
     * @param corsOrigins      origins ({@code scheme://host[:port]}, lower case) whose browsers may call the route from
     *                         another origin, {@code *} for any; empty: no CORS answers (same-origin pages only)
     * @param exposeHeaders    response headers besides grpc-status, grpc-message and grpc-status-details-bin that the
     *                         browser's script may read (lower case)
     * @param maxAge           how long a browser may keep a preflight's answer
     * @param allowCredentials whether the browser may send cookies and HTTP authentication (never with origin {@code *})
     */
    public record Web(List<String> corsOrigins, List<String> exposeHeaders, java.time.Duration maxAge, boolean allowCredentials) {
        public static final java.time.Duration DEFAULT_MAX_AGE = java.time.Duration.ofMinutes(10);
        /** gRPC-Web without CORS. */
        public static final Web SAME_ORIGIN = new Web(List.of(), List.of(), DEFAULT_MAX_AGE, false);

        public Web {
            corsOrigins = List.copyOf(corsOrigins);
            exposeHeaders = List.copyOf(exposeHeaders);
            Objects.requireNonNull(maxAge, "maxAge");
            if (allowCredentials && corsOrigins.contains("*")) {
                throw new IllegalArgumentException("allowCredentials with origin *");
            }
        }
    }

    /**
     * How the router's channels reach the members of a pool.
     *
     * @param tls             false: HTTP/2 over plain TCP (h2c, prior knowledge); true: TLS with ALPN h2
     * @param trustedCa       PEM file of the CAs that sign the members' certificates, or null for the JDK's trust store
     * @param authority       the name the members' certificates carry, or null for the member's host
     * @param maxMessageBytes largest message taken from a member (and from a client on passthrough)
     */
    public record ChannelSettings(boolean tls, Path trustedCa, String authority, int maxMessageBytes) {
        public static final int DEFAULT_MAX_MESSAGE = 4 << 20;
        public static final ChannelSettings PLAINTEXT = new ChannelSettings(false, null, null, DEFAULT_MAX_MESSAGE);

        public ChannelSettings {
            if (maxMessageBytes < 1) {
                throw new IllegalArgumentException("maxMessageBytes: " + maxMessageBytes + " (expected: >= 1)");
            }
        }
    }
}
