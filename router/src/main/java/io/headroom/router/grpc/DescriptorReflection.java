package io.headroom.router.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.DescriptorProtos;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.headroom.router.control.PoolState;
import io.headroom.router.upstream.Backend;
import io.headroom.time.Ticker;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Descriptors by gRPC server reflection: the router asks a member of the route's pool for the files that define the
 * route's services ({@code grpc.reflection.v1.ServerReflection}, or {@code v1alpha} when a member does not serve v1),
 * with every file they import, and builds a {@link DescriptorSet} of them as if read from a descriptor set file.
 *
 * <p>One instance serves one build of the router's routes (start, or a reload): routes on the same pool asking for
 * the same services share one fetch. Members are tried healthy first (not ejected, breaker not open), the next one
 * when a member cannot answer, all within the block's timeout. A failure names the pool, the services, each member
 * tried and why, and what to do.
 */
public final class DescriptorReflection {
    private static final Logger LOG = Logger.getLogger(DescriptorReflection.class.getName());
    static final String V1 = "grpc.reflection.v1.ServerReflection";
    static final String V1ALPHA = "grpc.reflection.v1alpha.ServerReflection";

    private record Key(PoolState pool, GrpcRouteSpec.ChannelSettings settings, List<String> services) {
    }

    private final Map<Key, DescriptorSet> fetched = new HashMap<>();
    private final Ticker ticker;

    public DescriptorReflection(Ticker ticker) {
        this.ticker = ticker;
    }

    /**
     * {@code spec} with its descriptors fetched from {@code pool} and its bindings checked against them. When the fetch
     * fails and {@code previous} (the route's block as the router serves it now, at a reload) is the same block, the
     * route keeps the descriptors it has, with a warning: a reload for another reason does not fail on a member that is
     * down for the moment.
     *
     * @throws io.headroom.config.ConfigException at the block's {@code reflection} key when no member gave the descriptors,
     *                                            or at the offending key when the bindings do not fit them
     */
    public GrpcRouteSpec resolve(String route, GrpcRouteSpec spec, PoolState pool, GrpcRouteSpec previous) {
        GrpcRouteSpec.Reflection r = Objects.requireNonNull(spec.reflection(), "not a reflected block");
        Key key = new Key(pool, spec.channel(), r.services());
        DescriptorSet ds = fetched.get(key);
        if (ds == null) {
            try {
                ds = fetch(pool, spec.channel(), r.services(), r.timeout().toNanos());
            } catch (FetchException e) {
                if (previous != null && previous.descriptors() != null && spec.sameBlock(previous)) {
                    LOG.warning("route " + route + ": " + e.getMessage() + "; the route keeps the descriptors it was serving with");
                    return previous;
                }
                throw r.binder().error("route " + route + ": " + e.getMessage(), e.fix());
            }
            fetched.put(key, ds);
        }
        return spec.withDescriptors(ds, r.binder().bind(ds));
    }

    /** No member of the pool gave the descriptors; the message says why for each member tried. */
    static final class FetchException extends RuntimeException {
        private final String fix;

        FetchException(String message, String fix) {
            super(message, null, false, false);
            this.fix = fix;
        }

        String fix() {
            return fix;
        }
    }

    /**
     * Fetches the files of {@code services} (every service the member lists when empty) and their imports from a member
     * of {@code pool}, trying members healthy first until one answers, within {@code timeoutNanos} in all.
     */
    DescriptorSet fetch(PoolState pool, GrpcRouteSpec.ChannelSettings settings, List<String> services, long timeoutNanos) {
        long deadline = ticker.read() + timeoutNanos;
        String what = "the descriptors of " + (services.isEmpty() ? "every service" : String.join(", ", services)) + " from pool "
                + pool.config().name() + " by server reflection";
        List<Backend> members = preferHealthy(pool);
        if (members.isEmpty()) {
            throw new FetchException("cannot fetch " + what + ": the pool has no member", "give the pool backends, or write "
                    + "descriptor-set: FILE");
        }
        List<String> failures = new ArrayList<>();
        boolean noReflection = false;
        boolean unknownService = false;
        for (Backend b : members) {
            if (deadline - ticker.read() <= 0) {
                failures.add(b.address() + ": not tried, the timeout of " + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms passed");
                continue;
            }
            ManagedChannel ch = GrpcChannels.open(b, settings, pool.config().idleTimeout().toMillis());
            try {
                Attempt a = session(ch, V1, services, deadline);
                if (a.unimplemented) {
                    a = session(ch, V1ALPHA, services, deadline);
                }
                if (a.unimplemented) {
                    noReflection = true;
                    failures.add(b.address() + ": serves no server reflection (" + V1 + " and " + V1ALPHA + " are UNIMPLEMENTED)");
                    continue;
                }
                if (a.failure != null) {
                    unknownService |= a.unknownService;
                    failures.add(b.address() + ": " + a.failure);
                    continue;
                }
                Map<String, DescriptorProtos.FileDescriptorProto> files = a.files;
                String source = "server reflection of pool " + pool.config().name() + " (" + b.address() + ")";
                try {
                    return DescriptorSet.of(source, DescriptorProtos.FileDescriptorSet.newBuilder().addAllFile(files.values()).build());
                } catch (IllegalArgumentException e) {
                    failures.add(b.address() + ": its descriptors do not build: " + e.getMessage());
                }
            } finally {
                ch.shutdownNow();
            }
        }
        String fix = noReflection
                ? "register the reflection service on the members (grpc-java: ProtoReflectionServiceV1.newInstance(); grpc-go: "
                + "reflection.Register), or write descriptor-set: FILE instead of reflection"
                : unknownService
                ? "name services the members serve (rpc: package.Service/Method, services: [package.Service]), or check that the "
                + "pool's members are the right servers"
                : "start the pool's members (they must serve " + V1 + " or " + V1ALPHA + "), raise reflection: {timeout: ...}, "
                + "or write descriptor-set: FILE instead of reflection";
        throw new FetchException("cannot fetch " + what + ": " + String.join("; ", failures), fix);
    }

    /** The pool's members, those that can take calls now first (not ejected, breaker not open), in the pool's order. */
    private List<Backend> preferHealthy(PoolState pool) {
        List<Backend> all = pool.snapshot().balancer().members();
        List<Backend> healthy = new ArrayList<>();
        List<Backend> rest = new ArrayList<>();
        long now = ticker.read();
        IdentityHashMap<Backend, Boolean> seen = new IdentityHashMap<>();
        for (Backend b : all) {
            if (seen.put(b, Boolean.TRUE) != null) {
                continue;
            }
            var h = b.health();
            boolean open = h.breaker() != null && h.breaker().getState() == io.github.resilience4j.circuitbreaker.CircuitBreaker.State.OPEN;
            (h.healthy() && !h.ejectedAt(now) && !open ? healthy : rest).add(b);
        }
        healthy.addAll(rest);
        return healthy;
    }

    /** What one reflection stream with one member gave. */
    private static final class Attempt {
        boolean unimplemented;
        boolean unknownService;
        String failure;
        final Map<String, DescriptorProtos.FileDescriptorProto> files = new LinkedHashMap<>();
    }

    /** A call that ended before its answer. */
    private static final class Ended extends RuntimeException {
        final Status status;

        Ended(Status status) {
            super(status.toString(), null, false, false);
            this.status = status;
        }
    }

    /**
     * One {@code ServerReflectionInfo} stream: list the services when none are named, then the file of each service,
     * then any import the answers lacked, by file name. The v1 and v1alpha messages are the same on the wire, so the
     * v1 classes serve both.
     */
    private Attempt session(ManagedChannel ch, String service, List<String> services, long deadline) {
        Attempt a = new Attempt();
        MethodDescriptor<ServerReflectionRequest, ServerReflectionResponse> md = MethodDescriptor
                .<ServerReflectionRequest, ServerReflectionResponse>newBuilder()
                .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(service, "ServerReflectionInfo"))
                .setRequestMarshaller(ProtoUtils.marshaller(ServerReflectionRequest.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(ServerReflectionResponse.getDefaultInstance()))
                .build();
        Events<ServerReflectionResponse> events = new Events<>();
        ClientCall<ServerReflectionRequest, ServerReflectionResponse> call = ch.newCall(md,
                CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, deadline - ticker.read()), TimeUnit.NANOSECONDS));
        call.start(events, new Metadata());
        boolean answered = false;
        try {
            List<String> wanted = services;
            if (wanted.isEmpty()) {
                ServerReflectionResponse r = ask(call, events, deadline, ServerReflectionRequest.newBuilder().setListServices("*").build());
                answered = true;
                wanted = new ArrayList<>();
                for (var s : r.getListServicesResponse().getServiceList()) {
                    if (!s.getName().startsWith("grpc.reflection.")) {
                        wanted.add(s.getName());
                    }
                }
            }
            for (String s : wanted) {
                ServerReflectionResponse r = ask(call, events, deadline, ServerReflectionRequest.newBuilder().setFileContainingSymbol(s).build());
                answered = true;
                if (r.hasErrorResponse()) {
                    a.unknownService = r.getErrorResponse().getErrorCode() == Status.Code.NOT_FOUND.value();
                    a.failure = "does not know service " + s + " (" + Status.fromCodeValue(r.getErrorResponse().getErrorCode()).getCode()
                            + ": " + r.getErrorResponse().getErrorMessage() + ")" + listed(call, events, deadline);
                    return a;
                }
                add(a, r);
            }
            // the answers should carry every import; ask by name for any they lacked
            for (String missing = missingImport(a.files); missing != null; missing = missingImport(a.files)) {
                ServerReflectionResponse r = ask(call, events, deadline, ServerReflectionRequest.newBuilder().setFileByFilename(missing).build());
                if (r.hasErrorResponse()) {
                    a.failure = "does not give " + missing + ", imported by its files (" + r.getErrorResponse().getErrorMessage() + ")";
                    return a;
                }
                int before = a.files.size();
                add(a, r);
                if (!a.files.containsKey(missing) || a.files.size() == before) {
                    a.failure = "answered the request for " + missing + " without it";
                    return a;
                }
            }
            return a;
        } catch (Ended e) {
            if (!answered && e.status.getCode() == Status.Code.UNIMPLEMENTED) {
                a.unimplemented = true;
            } else {
                a.failure = e.status.getCode() + (e.status.getDescription() == null ? "" : ": " + e.status.getDescription())
                        + (e.status.getCause() == null ? "" : " (" + e.status.getCause().getMessage() + ")");
            }
            return a;
        } catch (InvalidProtocolBufferException e) {
            a.failure = "sent a file descriptor that does not parse: " + e.getMessage();
            return a;
        } finally {
            call.cancel("the router has what it asked for", null);
        }
    }

    /** " (it serves [...])", or nothing when the listing fails too. */
    private String listed(ClientCall<ServerReflectionRequest, ServerReflectionResponse> call, Events<ServerReflectionResponse> events,
                          long deadline) {
        try {
            ServerReflectionResponse r = ask(call, events, deadline, ServerReflectionRequest.newBuilder().setListServices("*").build());
            List<String> names = new ArrayList<>();
            r.getListServicesResponse().getServiceList().forEach(s -> names.add(s.getName()));
            return "; it serves " + names;
        } catch (RuntimeException e) {
            return "";
        }
    }

    private static void add(Attempt a, ServerReflectionResponse r) throws InvalidProtocolBufferException {
        for (ByteString b : r.getFileDescriptorResponse().getFileDescriptorProtoList()) {
            DescriptorProtos.FileDescriptorProto f = DescriptorProtos.FileDescriptorProto.parseFrom(b, DescriptorSet.registry());
            a.files.putIfAbsent(f.getName(), f);
        }
    }

    private static String missingImport(Map<String, DescriptorProtos.FileDescriptorProto> files) {
        for (DescriptorProtos.FileDescriptorProto f : files.values()) {
            for (String d : f.getDependencyList()) {
                if (!files.containsKey(d)) {
                    return d;
                }
            }
        }
        return null;
    }

    /** Sends one request and waits for its answer; {@link Ended} when the call ends first. */
    private ServerReflectionResponse ask(ClientCall<ServerReflectionRequest, ServerReflectionResponse> call,
                                         Events<ServerReflectionResponse> events, long deadline, ServerReflectionRequest request) {
        call.request(1);
        call.sendMessage(request);
        long wait = deadline;
        boolean cancelled = false;
        while (true) {
            Object e = events.next(wait, ticker);
            if (e == null) {
                if (cancelled) {
                    throw new Ended(Status.DEADLINE_EXCEEDED.withDescription("no answer within the reflection timeout"));
                }
                // the call's own deadline ends it about now; cancel it in any case, and give its end a moment to come
                call.cancel("the reflection timeout passed", null);
                cancelled = true;
                wait = ticker.read() + TimeUnit.SECONDS.toNanos(1);
                continue;
            }
            if (e instanceof ServerReflectionResponse r) {
                return r;
            }
            if (e instanceof End end) {
                throw new Ended(end.status());
            }
            // response headers: wait on
        }
    }
}
