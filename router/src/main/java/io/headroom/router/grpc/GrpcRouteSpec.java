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
 */
public record GrpcRouteSpec(DescriptorSet descriptors, List<HttpBinding> bindings, boolean passthrough, ChannelSettings channel,
                            boolean preserveProtoFieldNames, boolean ignoreUnknownQuery, java.time.Duration deadlineOffset) {
    public static final java.time.Duration DEFAULT_DEADLINE_OFFSET = java.time.Duration.ofMillis(100);

    public GrpcRouteSpec {
        Objects.requireNonNull(deadlineOffset, "deadlineOffset");
        bindings = bindings.stream().sorted(HttpBinding.PRECEDENCE).toList();
        Objects.requireNonNull(channel, "channel");
        if (bindings.isEmpty() && !passthrough) {
            throw new IllegalArgumentException("a gRPC route needs bindings or passthrough");
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
