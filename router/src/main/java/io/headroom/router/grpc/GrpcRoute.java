package io.headroom.router.grpc;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.Any;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.headroom.ingest.json.JsonStrings;
import io.headroom.router.auth.Identity;
import io.headroom.router.control.PoolState;
import io.headroom.router.log.AccessLog;
import io.headroom.router.telemetry.RouteTelemetry;
import io.headroom.router.trace.TraceContext;
import io.headroom.router.transform.HeaderTransform;
import io.headroom.router.upstream.Backend;
import io.headroom.time.Ticker;
import io.helidon.common.socket.SocketWriterException;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A route with a {@code grpc:} block, serving two kinds of request.
 *
 * <p><b>JSON translation</b>: an HTTP request that matches one of the route's bindings becomes a call of the bound gRPC
 * method: path variables, query parameters and the JSON body fill the request message ({@link JsonFormat} over
 * {@link DynamicMessage}); the answer is the response message as JSON (a server-streaming method's messages as one JSON
 * array, streamed), or, when the call fails, the gRPC status as its HTTP status with {@code {"code", "message",
 * "details"}}. A client-streaming or bidirectional method takes the body as a stream of JSON messages (NDJSON, or a JSON
 * array), each sent as it is read, on the relay of passthrough calls ({@link JsonStream}).
 *
 * <p><b>Passthrough</b>: a native gRPC call ({@code content-type: application/grpc}, HTTP/2) goes to a member as it
 * came: its path, its metadata, its messages (bytes, never parsed) in both directions and the member's trailers.
 * Unary, server-, client- and bidirectional streaming.
 *
 * <p><b>gRPC-Web</b> (with {@code web}): a browser's call ({@code content-type: application/grpc-web*}, HTTP/1.1 or
 * HTTP/2) goes to a member as a native call by the passthrough's machinery; the answer comes back in gRPC-Web framing
 * ({@link GrpcWeb}). Unary and server streaming. Protobuf messages are relayed as bytes; with the {@code +json} codec
 * each message is translated by the route's descriptors, JSON to protobuf and back. The route's CORS is answered before
 * authentication ({@link #cors}).
 *
 * <p>All take members from the pool's balancer with its breaker and ejection, report each attempt's outcome to the
 * pool, bound the call by the pool's request timeout (as the gRPC deadline; a client's shorter {@code grpc-timeout}
 * wins), and retry on another member under the retry budget when a member refused the connection, since such a call
 * never reached it.
 */
public final class GrpcRoute {
    private static final HeaderName TRAILER = HeaderNames.create("Trailer");
    private static final HeaderName GRPC_STATUS = HeaderNames.create("grpc-status");
    private static final HeaderName GRPC_MESSAGE = HeaderNames.create("grpc-message");
    private static final HeaderName GRPC_ENCODING = HeaderNames.create("grpc-encoding");
    private static final HeaderName GRPC_TIMEOUT = HeaderNames.create("grpc-timeout");
    private static final HeaderName RATE_LIMIT = HeaderNames.create("RateLimit");
    private static final HeaderName RATE_LIMIT_POLICY = HeaderNames.create("RateLimit-Policy");
    private static final Metadata.Key<byte[]> STATUS_DETAILS = Metadata.Key.of("grpc-status-details-bin", Metadata.BINARY_BYTE_MARSHALLER);
    /** Request messages kept to replay on another member after a refused connection; past this a call is not retried. */
    static final int REPLAY_LIMIT = 64 << 10;
    /** How long past its deadline the request thread waits for a call's end before it cancels the call itself. */
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(2);

    /** Chooses the member of one attempt: not {@code previous} when another can take it; null when none can. */
    @FunctionalInterface
    public interface Picker {
        Backend pick(Backend previous);
    }

    /**
     * What the proxy hands over for one request.
     *
     * @param pool         the pool chosen for it (the primary, or a split's draw)
     * @param telemetry    the (route, pool) telemetry cell
     * @param path         the normalized request path
     * @param start        ticker time the request arrived
     * @param identity     the authenticated consumer (identity headers become metadata)
     * @param trace        the trace context sent on as {@code traceparent}
     * @param traceHeader  the router's trace response header (lower case), already on the response, or null: a member's
     *                     metadata of that name is not copied beside it
     * @param limitHeaders RateLimit and RateLimit-Policy values, or null
     * @param strip        lower-case names of request headers not forwarded (credentials, transform drops)
     * @param transform    the route's request header changes
     * @param log          the access-log entry, or null
     * @param picker       member choice with the pool's breaker and hashing
     * @param forwarding   what the client's forwarding headers become in the call's metadata
     */
    public record Exchange(PoolState pool, RouteTelemetry telemetry, String path, long start, Identity identity,
                           io.headroom.router.tls.ClientCertificate certificate, TraceContext trace, String traceHeader,
                           String[] limitHeaders, String[] strip, HeaderTransform transform, AccessLog.Entry log, Picker picker,
                           io.headroom.router.config.Forwarding forwarding) {
    }

    private final String route;
    private final GrpcRouteSpec spec;
    private final Map<PoolState, GrpcChannels.PoolChannels> channels;
    private final Ticker ticker;
    private final JsonFormat.Parser parser;
    private final JsonFormat.Printer printer;
    private final JsonFormat.Printer detailsPrinter;
    private final Map<Descriptors.MethodDescriptor, MethodDescriptor<DynamicMessage, DynamicMessage>> methods;
    /** gRPC-Web and its CORS, or null when the route has no {@code web}. */
    private final GrpcWeb web;

    /**
     * How the answer of a call relayed from a member is written: native gRPC (HTTP/2 trailers) or gRPC-Web (a trailer
     * frame in the body).
     */
    interface Wire {
        /** Begins the answer (status 200, the member's headers when they came); its body's stream. */
        OutputStream begin(ServerResponse res, Exchange x, Metadata headers);

        /**
         * Writes one message and flushes it; the bytes written.
         *
         * @throws Unrelayable when the message cannot be written in the client's codec: the call is cancelled at the
         *                     member and the answer ends with the exception's status
         */
        long message(OutputStream out, byte[] msg) throws IOException, Unrelayable;

        /** Ends a begun answer with the call's status and the member's trailers. */
        void end(ServerResponse res, OutputStream out, Status s, Metadata trailers) throws IOException;

        /** An answer without messages: the status (and trailers) in its headers. */
        void trailersOnly(ServerResponse res, Exchange x, Status s, Metadata trailers);
    }

    /** A member's answer message that the router cannot write in the client's codec, and the status the call ends with. */
    static final class Unrelayable extends Exception {
        final Status status;

        Unrelayable(Status status) {
            super(status.getDescription(), null, false, false);
            this.status = status;
        }
    }

    /** Native gRPC over HTTP/2: messages as DATA, the status and the member's trailers as HTTP/2 trailers. */
    private final Wire nativeWire = new Wire() {
        @Override
        public OutputStream begin(ServerResponse res, Exchange x, Metadata headers) {
            return beginGrpc(res, x, headers);
        }

        @Override
        public long message(OutputStream out, byte[] msg) throws IOException {
            out.write(new byte[]{0, (byte) (msg.length >>> 24), (byte) (msg.length >>> 16), (byte) (msg.length >>> 8), (byte) msg.length});
            out.write(msg);
            out.flush();
            return 5L + msg.length;
        }

        @Override
        public void end(ServerResponse res, OutputStream out, Status s, Metadata trailers) throws IOException {
            var t = res.trailers();
            t.set(GRPC_STATUS, Integer.toString(s.getCode().value()));
            if (s.getDescription() != null) {
                t.set(GRPC_MESSAGE, percentEncode(s.getDescription()));
            }
            GrpcMetadata.copy(trailers, (n, v) -> t.add(HeaderNames.create(n), v));
            out.close();
        }

        @Override
        public void trailersOnly(ServerResponse res, Exchange x, Status s, Metadata trailers) {
            GrpcRoute.trailersOnly(res, x, s, trailers);
        }
    };

    /**
     * @param route    the route's name (messages)
     * @param spec     its {@code grpc:} block
     * @param pools    every pool the route may send to
     * @param channels the router's channels
     */
    public GrpcRoute(String route, GrpcRouteSpec spec, List<PoolState> pools, GrpcChannels channels, Ticker ticker) {
        if (!spec.resolved()) {
            throw new IllegalStateException("route " + route + ": its descriptors by reflection were not fetched");
        }
        this.route = route;
        this.spec = spec;
        this.ticker = ticker;
        IdentityHashMap<PoolState, GrpcChannels.PoolChannels> byPool = new IdentityHashMap<>();
        for (PoolState p : pools) {
            byPool.put(p, channels.pool(p, spec.channel()));
        }
        this.channels = byPool;
        JsonFormat.TypeRegistry types = spec.descriptors() == null ? JsonFormat.TypeRegistry.getEmptyTypeRegistry()
                : spec.descriptors().types();
        this.parser = JsonFormat.parser().usingTypeRegistry(types);
        JsonFormat.Printer p = JsonFormat.printer().usingTypeRegistry(types).omittingInsignificantWhitespace();
        this.printer = spec.preserveProtoFieldNames() ? p.preservingProtoFieldNames() : p;
        JsonFormat.TypeRegistry.Builder details = JsonFormat.TypeRegistry.newBuilder()
                .add(com.google.rpc.ErrorDetailsProto.getDescriptor().getMessageTypes());
        if (spec.descriptors() != null) {
            spec.descriptors().services().values().forEach(s -> details.add(s.getFile().getMessageTypes()));
        }
        this.detailsPrinter = JsonFormat.printer().usingTypeRegistry(details.build()).omittingInsignificantWhitespace();
        Map<Descriptors.MethodDescriptor, MethodDescriptor<DynamicMessage, DynamicMessage>> m = new IdentityHashMap<>();
        for (HttpBinding b : spec.bindings()) {
            m.computeIfAbsent(b.method(), GrpcRoute::dynamic);
        }
        this.methods = m;
        this.web = spec.web() == null ? null : new GrpcWeb(route, spec.web());
    }

    /**
     * The route's CORS for gRPC-Web, called before authentication: answers a preflight (true), or sets the CORS headers
     * of an allowed origin's request (false). False at once for a route without CORS.
     */
    public boolean cors(ServerRequest req, ServerResponse res) {
        return web != null && web.cors(req, res);
    }

    /** The channels this route uses (the router keeps these open across a reload and shuts the others). */
    public java.util.Collection<GrpcChannels.PoolChannels> channels() {
        return channels.values();
    }

    public GrpcRouteSpec spec() {
        return spec;
    }

    /** Serves one request: passthrough for native gRPC, translation for the rest. */
    public void serve(ServerRequest req, ServerResponse res, Exchange x) {
        var h = req.headers();
        String ct = h.contains(HeaderNames.CONTENT_TYPE) ? h.get(HeaderNames.CONTENT_TYPE).get() : null;
        if (GrpcWeb.isWeb(ct)) {
            web(req, res, x, ct);
            return;
        }
        if (ct != null && ct.regionMatches(true, 0, "application/grpc", 0, 16)
                && (ct.length() == 16 || ct.charAt(16) == '+' || ct.charAt(16) == ';')) {
            if (spec.passthrough()) {
                passthrough(req, res, x);
            } else {
                // a gRPC client on a translating route: say so in gRPC terms
                refuse(res, x, Status.UNIMPLEMENTED.withDescription("route " + route
                        + " does not pass native gRPC calls through (set grpc.passthrough: true)"));
            }
            return;
        }
        if (spec.bindings().isEmpty()) {
            String serves = spec.passthrough() && web != null ? "native gRPC (content-type: application/grpc over HTTP/2) and gRPC-Web "
                    + "(content-type: application/grpc-web or application/grpc-web-text)"
                    : spec.passthrough() ? "native gRPC only: send content-type: application/grpc over HTTP/2"
                    : "gRPC-Web only: send content-type: application/grpc-web or application/grpc-web-text";
            refuseJson(res, 415, Status.Code.INVALID_ARGUMENT, "route " + route + " serves " + serves, x);
            return;
        }
        translate(req, res, x);
    }

    // ---- JSON translation ----------------------------------------------------------------------------------------

    private void translate(ServerRequest req, ServerResponse res, Exchange x) {
        String verb = req.prologue().method().text();
        HttpBinding binding = null;
        String[] values = null;
        boolean pathMatched = false;
        for (HttpBinding b : spec.bindings()) {
            String[] v = b.template().match(x.path());
            if (v == null) {
                continue;
            }
            pathMatched = true;
            if (b.httpMethod().equals(verb)) {
                binding = b;
                values = v;
                break;
            }
        }
        if (binding == null) {
            if (pathMatched) {
                refuseJson(res, 405, Status.Code.UNIMPLEMENTED, verb + " " + x.path() + " is bound to no gRPC method (other methods are)",
                        x);
            } else {
                refuseJson(res, 404, Status.Code.NOT_FOUND, "no gRPC method is bound to " + verb + " " + x.path(), x);
            }
            return;
        }
        if (binding.method().isClientStreaming()) {
            translateStream(req, res, x, binding, values);
            return;
        }
        DynamicMessage request;
        long bytesIn = 0;
        try {
            JsonObject root = new JsonObject();
            if (binding.body() != null && req.content().hasEntity()) {
                byte[] body = readBounded(req.content().inputStream(), spec.channel().maxMessageBytes());
                if (body == null) {
                    refuseJson(res, 413, Status.Code.INVALID_ARGUMENT, "the body is longer than the route's max-message-size of "
                            + spec.channel().maxMessageBytes() + " bytes", x);
                    return;
                }
                bytesIn = body.length;
                String text = new String(body, StandardCharsets.UTF_8).strip();
                if (!text.isEmpty()) {
                    JsonElement parsed = JsonParser.parseString(text);
                    if (binding.body().equals("*")) {
                        if (!parsed.isJsonObject()) {
                            throw new BadRequest("the body must be a JSON object (a " + binding.method().getInputType().getFullName() + ")");
                        }
                        root = parsed.getAsJsonObject();
                    } else {
                        put(root, binding.body(), parsed);
                    }
                }
            }
            fromRequest(root, binding, values, req);
            DynamicMessage.Builder b = DynamicMessage.newBuilder(binding.method().getInputType());
            parser.merge(root.toString(), b);
            request = b.build();
        } catch (BadRequest | JsonParseException | InvalidProtocolBufferException | IllegalArgumentException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            refuseJson(res, 400, Status.Code.INVALID_ARGUMENT, "the request does not fit " + binding.method().getInputType().getFullName()
                    + ": " + why, x);
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (x.log() != null) {
            x.log().bytesIn = bytesIn;
        }
        Metadata metadata = GrpcMetadata.fromRequest(req, x);
        MethodDescriptor<DynamicMessage, DynamicMessage> md = methods.get(binding.method());
        // a server-streaming answer is a JSON array, or NDJSON when the client asks for it
        boolean ndjson = binding.method().isServerStreaming() && req.headers().contains(HeaderNames.ACCEPT)
                && JsonStream.streamShape(req.headers().get(HeaderNames.ACCEPT).get(), JsonStream.Framing.JSON) == JsonStream.Shape.NDJSON;
        PoolState pool = x.pool();
        long deadline = x.start() + pool.requestTimeoutNanos();
        pool.retryBudget().deposit();
        int maxRetries = pool.config().resilience().retryAttempts();
        Backend previous = null;
        for (int attempt = 0; ; attempt++) {
            Backend backend = x.picker().pick(previous);
            if (backend == null) {
                jsonError(res, 503, Status.Code.UNAVAILABLE, "pool " + pool.config().name() + " has no available backend", null, x);
                x.telemetry().rejection(RouteTelemetry.Refusal.NO_BACKEND, bytesIn, 0, ticker.read() - x.start());
                return;
            }
            if (x.log() != null) {
                x.log().backend = backend.address();
            }
            boolean retry;
            backend.started();
            try {
                retry = translateOnce(res, x, binding, md, request, metadata, backend, deadline, bytesIn,
                        attempt < maxRetries, takesTrailers(req), ndjson);
            } finally {
                backend.finished();
            }
            if (!retry) {
                return;
            }
            previous = backend;
        }
    }

    /** Path variables and query parameters into a request message's JSON (query parameters only without body "*"). */
    private void fromRequest(JsonObject root, HttpBinding binding, String[] values, ServerRequest req) {
        PathTemplate.Variable[] vars = binding.template().variables();
        for (int i = 0; i < vars.length; i++) {
            put(root, vars[i].fieldPath(), new JsonPrimitive(values[i]));
        }
        if (!"*".equals(binding.body()) && req.prologue().hasQuery()) {
            query(root, binding, req.prologue().query().rawValue());
        }
    }

    /**
     * A client-streaming or bidirectional method: the body's JSON messages (NDJSON lines, or a JSON array's elements)
     * are translated and sent one by one as they arrive, on the relay of passthrough calls ({@link #call}); path
     * variables and query parameters fill the first message only. Never retried once a message was sent.
     */
    private void translateStream(ServerRequest req, ServerResponse res, Exchange x, HttpBinding binding, String[] values) {
        var h = req.headers();
        String ct = h.contains(HeaderNames.CONTENT_TYPE) ? h.get(HeaderNames.CONTENT_TYPE).get() : null;
        JsonStream.Framing framing = JsonStream.framing(ct);
        Descriptors.Descriptor in = binding.method().getInputType();
        if (framing == null) {
            refuseJson(res, 415, Status.Code.INVALID_ARGUMENT, "content-type " + ct + ": " + binding.method().getFullName() + " takes a stream "
                    + "of JSON messages: send application/x-ndjson (one message per line) or application/json (a JSON array of messages)", x);
            return;
        }
        try {
            // the path and query are checked before a member is called
            JsonObject probe = new JsonObject();
            fromRequest(probe, binding, values, req);
            parser.merge(probe.toString(), DynamicMessage.newBuilder(in));
        } catch (BadRequest | JsonParseException | InvalidProtocolBufferException | IllegalArgumentException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            refuseJson(res, 400, Status.Code.INVALID_ARGUMENT, "the request does not fit " + in.getFullName() + ": " + why, x);
            return;
        }
        JsonStream.Translator translator = (json, index) -> {
            try {
                JsonElement parsed = JsonParser.parseString(json);
                JsonObject root = new JsonObject();
                if (binding.body().equals("*")) {
                    if (!parsed.isJsonObject()) {
                        throw new BadRequest("a message must be a JSON object (a " + in.getFullName() + ")");
                    }
                    root = parsed.getAsJsonObject();
                } else {
                    put(root, binding.body(), parsed);
                }
                if (index == 0) {
                    fromRequest(root, binding, values, req);
                }
                DynamicMessage.Builder b = DynamicMessage.newBuilder(in);
                parser.merge(root.toString(), b);
                return b.build().toByteArray();
            } catch (BadRequest | JsonParseException | InvalidProtocolBufferException | IllegalArgumentException e) {
                String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                throw new Upload.BadMessage(Status.INVALID_ARGUMENT.withDescription("request message " + index + " does not fit "
                        + in.getFullName() + ": " + why), 400);
            }
        };
        Upload upload = new Upload(new JsonStream.Reader(req.content().inputStream(), framing, spec.channel().maxMessageBytes(), translator), 0);
        String accept = h.contains(HeaderNames.ACCEPT) ? h.get(HeaderNames.ACCEPT).get() : null;
        JsonStream.Shape shape = binding.method().isServerStreaming() ? JsonStream.streamShape(accept, framing) : JsonStream.Shape.OBJECT;
        JsonStream.Answer wire = new JsonStream.Answer(this, binding, shape, upload, !"2.0".equals(req.prologue().protocolVersion()),
                takesTrailers(req));
        call(req, res, x, binding.grpcPath(), x.start() + x.pool().requestTimeoutNanos(), upload, wire);
    }

    /** One attempt; true when it never reached {@code backend} and may go to another (nothing was sent to the client). */
    private boolean translateOnce(ServerResponse res, Exchange x, HttpBinding binding, MethodDescriptor<DynamicMessage, DynamicMessage> md,
                                  DynamicMessage request, Metadata metadata, Backend backend, long deadline, long bytesIn,
                                  boolean mayRetry, boolean trailers, boolean ndjson) {
        PoolState pool = x.pool();
        long attemptStart = ticker.read();
        long remaining = deadline - attemptStart;
        Events<DynamicMessage> events = new Events<>();
        ClientCall<DynamicMessage, DynamicMessage> call;
        try {
            ManagedChannel ch = channels.get(pool).channel(backend);
            call = ch.newCall(md, CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, remaining), TimeUnit.NANOSECONDS));
            call.start(events, metadata);
            call.request(1);
            call.sendMessage(request);
            call.halfClose();
        } catch (RuntimeException e) {
            // the channel was shut by a reload between the pick and the call (or cannot be built): the member was not reached
            pool.release(backend);
            jsonError(res, 503, Status.Code.UNAVAILABLE, backend.address() + ": " + e.getMessage(), null, x);
            x.telemetry().error(backend, bytesIn, 0, ticker.read() - x.start());
            return false;
        }
        boolean streaming = binding.method().isServerStreaming();
        Metadata headers = null;
        DynamicMessage single = null;
        OutputStream out = null;
        long bytesOut = 0;
        int sent = 0;
        try {
            while (true) {
                Object e = events.next(deadline + GRACE_NANOS, ticker);
                if (e == null) {
                    call.cancel("the router's deadline passed", null);
                    continue; // the cancel ends the call with CANCELLED, handled below
                }
                if (e instanceof Metadata m) {
                    headers = m;
                } else if (e instanceof End end) {
                    Status s = end.status();
                    long now = ticker.read();
                    if (s.isOk()) {
                        pool.succeeded(backend, 200, false, now - attemptStart, now);
                        if (streaming) {
                            if (out == null) {
                                out = beginStream(res, x, headers, trailers);
                                if (ndjson) {
                                    res.headers().set(HeaderNames.CONTENT_TYPE, "application/x-ndjson");
                                } else {
                                    out.write('[');
                                    bytesOut++;
                                }
                            }
                            if (!ndjson) {
                                out.write(']');
                                bytesOut++;
                            }
                            if (trailers) {
                                endTrailers(res, end.trailers());
                            }
                            out.close();
                        } else if (single == null) {
                            pool.failed(backend, "answered OK without a message", now - attemptStart);
                            jsonError(res, 502, Status.Code.INTERNAL, backend.address() + " ended a unary call without a message", null, x);
                            x.telemetry().response(backend, 502, bytesIn, 0, now - x.start());
                            return false;
                        } else {
                            byte[] body = responseJson(single, binding).getBytes(StandardCharsets.UTF_8);
                            bytesOut = body.length;
                            begin(res, x, headers);
                            trailersAsHeaders(res, end.trailers(), x.traceHeader());
                            res.send(body);
                        }
                        done(x, backend, 200, Status.Code.OK, bytesIn, bytesOut);
                        return false;
                    }
                    if (refused(s, headers != null) && sent == 0) {
                        pool.failed(backend, "connect failed: " + describe(s), now - attemptStart);
                        if (mayRetry && deadline - now > 0 && pool.retryBudget().tryWithdraw()) {
                            return true;
                        }
                    } else if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                        pool.timedOut(backend, now - attemptStart);
                    } else {
                        int health = GrpcStatuses.healthStatus(s.getCode());
                        pool.succeeded(backend, health, false, now - attemptStart, now);
                    }
                    int http = GrpcStatuses.httpStatus(s.getCode());
                    if (out != null) {
                        // the answer has begun: its last element says what went wrong, and the stream is cut so that the
                        // client sees it incomplete rather than a valid array
                        done(x, backend, http, s.getCode(), bytesIn, bytesOut);
                        byte[] error = ((ndjson ? "" : ",") + "{\"error\":" + errorJson(s.getCode(), s.getDescription() == null
                                ? s.getCode().name() : s.getDescription(), end.trailers()) + "}" + (ndjson ? "\n" : ""))
                                .getBytes(StandardCharsets.UTF_8);
                        out.write(error);
                        out.flush();
                        throw new JsonStream.Cut("gRPC stream from " + backend.address() + " failed after " + sent + " messages: "
                                + describe(s));
                    }
                    jsonError(res, http, s.getCode(), s.getDescription() == null ? s.getCode().name() : s.getDescription(),
                            end.trailers(), x);
                    done(x, backend, http, s.getCode(), bytesIn, 0);
                    return false;
                } else {
                    DynamicMessage msg = (DynamicMessage) e;
                    if (!streaming) {
                        single = msg;
                    } else {
                        if (out == null) {
                            out = beginStream(res, x, headers, trailers);
                            if (ndjson) {
                                res.headers().set(HeaderNames.CONTENT_TYPE, "application/x-ndjson");
                            } else {
                                out.write('[');
                                bytesOut++;
                            }
                        } else if (!ndjson) {
                            out.write(',');
                            bytesOut++;
                        }
                        byte[] json = responseJson(msg, binding).getBytes(StandardCharsets.UTF_8);
                        out.write(json);
                        if (ndjson) {
                            out.write('\n');
                            bytesOut++;
                        }
                        out.flush();
                        bytesOut += json.length;
                    }
                    sent++;
                    call.request(1);
                }
            }
        } catch (InvalidProtocolBufferException e) {
            call.cancel("cannot print the answer", e);
            if (out != null) {
                throw new UncheckedIOException(e);
            }
            jsonError(res, 502, Status.Code.INTERNAL, "the answer of " + backend.address() + " cannot be written as JSON: " + e.getMessage(),
                    null, x);
            x.telemetry().response(backend, 502, bytesIn, 0, ticker.read() - x.start());
            return false;
        } catch (IOException | UncheckedIOException | CloseConnectionException | SocketWriterException e) {
            // the client went away (Helidon's HTTP/1.1 connection throws ServerConnectionException when a write fails)
            call.cancel("the client went away", e);
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        } catch (RuntimeException | Error e) {
            call.cancel("the router failed", e); // never leave the call running at the member until its deadline
            throw e;
        }
    }

    private void done(Exchange x, Backend backend, int http, Status.Code code, long bytesIn, long bytesOut) {
        if (x.log() != null) {
            x.log().statusOverride = http; // a streamed answer cut after its first message went out as 200
            x.log().grpcStatus = code.value();
            x.log().bytesIn = bytesIn;
            x.log().bytesOut = bytesOut;
        }
        x.telemetry().response(backend, http, bytesIn, bytesOut, ticker.read() - x.start());
    }

    /**
     * A unary answer's trailers (the member's custom trailing metadata) as response headers, after its headers: the JSON
     * answer is sent whole once the call has ended, so they can still go with the head. The status and its details are
     * the body's {@code code}, {@code message} and {@code details}, so {@code grpc-status-details-bin} is not repeated.
     * A streamed answer has sent its head with its first message, before the trailers exist: it ends with them as HTTP
     * trailers for a client that sent {@code TE: trailers} ({@link #endTrailers}; docs/grpc.md, "Trailers").
     */
    static void trailersAsHeaders(ServerResponse res, Metadata trailers, String skip) {
        GrpcMetadata.copy(trailers, (n, v) -> {
            if (!n.equals("grpc-status-details-bin") && !n.equals(skip)) {
                res.headers().add(HeaderNames.create(n), v);
            }
        });
    }

    /** Status 200, JSON, the member's response metadata as headers. */
    static void begin(ServerResponse res, Exchange x, Metadata headers) {
        res.status(200);
        GrpcMetadata.toHeaders(res, headers, x.traceHeader());
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        limitHeaders(res, x.limitHeaders());
    }

    /**
     * As {@link #begin}, for a streamed answer: its body's stream. With {@code trailers} (the client sent
     * {@code TE: trailers}) the answer announces {@code Trailer}, and {@link #endTrailers} sends the call's status and
     * the member's trailers after the last message (HTTP/1.1: in the chunked body's trailer section; HTTP/2: a final
     * HEADERS frame).
     */
    static OutputStream beginStream(ServerResponse res, Exchange x, Metadata headers, boolean trailers) {
        begin(res, x, headers);
        OutputStream out = res.outputStream();
        if (trailers) {
            // set after outputStream(), which puts its own "Trailer: stream-result" for a request with "TE: trailers"
            res.headers().set(TRAILER, "grpc-status, grpc-message");
        }
        return out;
    }

    /** A streamed JSON answer's HTTP trailers, for a client that sent {@code TE: trailers}: grpc-status 0 and the member's. */
    static void endTrailers(ServerResponse res, Metadata trailers) {
        var t = res.trailers();
        t.set(GRPC_STATUS, "0");
        GrpcMetadata.copy(trailers, (n, v) -> t.add(HeaderNames.create(n), v));
    }

    /** Whether the client takes HTTP trailers ({@code TE: trailers}). */
    static boolean takesTrailers(ServerRequest req) {
        return req.headers().containsToken(io.helidon.http.HeaderValues.TE_TRAILERS);
    }

    String responseJson(DynamicMessage m, HttpBinding b) throws InvalidProtocolBufferException {
        String json = printer.print(m);
        if (b.responseBody() == null) {
            return json;
        }
        JsonElement e = JsonParser.parseString(json);
        for (String part : b.responseBody().split("\\.")) {
            Descriptors.FieldDescriptor f = HttpBinding.field(m.getDescriptorForType(), part);
            String key = spec.preserveProtoFieldNames() ? f.getName() : f.getJsonName();
            if (!e.isJsonObject() || !e.getAsJsonObject().has(key)) {
                return defaultJson(f);
            }
            e = e.getAsJsonObject().get(key);
            if (f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE && !f.isRepeated()) {
                m = (DynamicMessage) m.getField(f);
            }
        }
        return e.toString();
    }

    /** The JSON of a field the printer left out because it holds its default value. */
    private static String defaultJson(Descriptors.FieldDescriptor f) {
        if (f.isRepeated()) {
            return f.isMapField() ? "{}" : "[]";
        }
        return switch (f.getJavaType()) {
            case MESSAGE -> "{}";
            case BOOLEAN -> "false";
            case STRING, BYTE_STRING -> "\"\"";
            case ENUM -> "\"" + f.getEnumType().getValues().get(0).getName() + "\"";
            case LONG -> "\"0\"";
            default -> "0";
        };
    }

    /** Query parameters into the request's JSON: by field path, or by the binding's explicit names. */
    private void query(JsonObject root, HttpBinding b, String raw) {
        Descriptors.Descriptor in = b.method().getInputType();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = formDecode(eq < 0 ? pair : pair.substring(0, eq));
            String value = eq < 0 ? "" : formDecode(pair.substring(eq + 1));
            String fieldPath = b.queryFields().getOrDefault(name, name);
            Descriptors.FieldDescriptor[] path;
            try {
                path = HttpBinding.fieldPath(in, fieldPath);
            } catch (IllegalArgumentException e) {
                if (spec.ignoreUnknownQuery()) {
                    continue;
                }
                throw new BadRequest("query parameter '" + name + "' names no field: " + e.getMessage()
                        + " (or set grpc.ignore-unknown-query: true)");
            }
            Descriptors.FieldDescriptor last = path[path.length - 1];
            if (last.isRepeated()) {
                JsonObject parent = parent(root, fieldPath);
                String key = fieldPath.substring(fieldPath.lastIndexOf('.') + 1);
                JsonElement have = parent.get(key);
                JsonArray arr = have != null && have.isJsonArray() ? have.getAsJsonArray() : new JsonArray();
                arr.add(value);
                parent.add(key, arr);
            } else {
                put(root, fieldPath, new JsonPrimitive(value));
            }
        }
    }

    private static String formDecode(String s) {
        return PathTemplate.decode(s.replace('+', ' '));
    }

    /** Sets {@code value} at a dotted field path, creating the objects on the way. */
    private static void put(JsonObject root, String fieldPath, JsonElement value) {
        JsonObject parent = parent(root, fieldPath);
        parent.add(fieldPath.substring(fieldPath.lastIndexOf('.') + 1), value);
    }

    private static JsonObject parent(JsonObject root, String fieldPath) {
        JsonObject o = root;
        int from = 0;
        int dot;
        while ((dot = fieldPath.indexOf('.', from)) >= 0) {
            String k = fieldPath.substring(from, dot);
            JsonElement next = o.get(k);
            if (next == null || !next.isJsonObject()) {
                JsonObject created = new JsonObject();
                o.add(k, created);
                next = created;
            }
            o = next.getAsJsonObject();
            from = dot + 1;
        }
        return o;
    }

    /** {@code {"code": 5, "message": "...", "details": [...]}} with the HTTP status of the code. */
    void jsonError(ServerResponse res, int http, Status.Code code, String message, Metadata trailers, Exchange x) {
        String body = errorJson(code, message, trailers);
        if (x.log() != null) {
            x.log().grpcStatus = code.value();
        }
        trailersAsHeaders(res, trailers, x.traceHeader());
        res.status(http);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        if (http == 503) {
            res.headers().set(HeaderNames.RETRY_AFTER, "1");
        }
        limitHeaders(res, x.limitHeaders());
        res.send(body.getBytes(StandardCharsets.UTF_8));
    }

    /** The router's own refusal of a translated request (no member called), counted as a refusal in the route's telemetry. */
    private void refuseJson(ServerResponse res, int http, Status.Code code, String message, Exchange x) {
        jsonError(res, http, code, message, null, x);
        x.telemetry().rejection(0, 0, ticker.read() - x.start());
    }

    /** {@code {"code": 5, "message": "...", "details": [...]}}: the details from the member's grpc-status-details-bin. */
    String errorJson(Status.Code code, String message, Metadata trailers) {
        StringBuilder sb = new StringBuilder(64 + message.length());
        sb.append("{\"code\":").append(code.value()).append(",\"message\":");
        JsonStrings.append(sb, message);
        sb.append(",\"details\":[");
        byte[] details = trailers == null ? null : trailers.get(STATUS_DETAILS);
        if (details != null) {
            try {
                com.google.rpc.Status st = com.google.rpc.Status.parseFrom(details);
                for (int i = 0; i < st.getDetailsCount(); i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    sb.append(detail(st.getDetails(i)));
                }
            } catch (InvalidProtocolBufferException e) {
                // a member's malformed details: the code and message still hold
            }
        }
        return sb.append("]}").toString();
    }

    private String detail(Any any) {
        try {
            return detailsPrinter.print(any);
        } catch (InvalidProtocolBufferException e) {
            // a type neither the descriptor set nor google.rpc knows: its type and bytes, as JSON of Any would carry them
            StringBuilder sb = new StringBuilder("{\"@type\":");
            JsonStrings.append(sb, any.getTypeUrl());
            sb.append(",\"value\":");
            JsonStrings.append(sb, Base64.getEncoder().encodeToString(any.getValue().toByteArray()));
            return sb.append('}').toString();
        }
    }

    static void limitHeaders(ServerResponse res, String[] limitHeaders) {
        if (limitHeaders != null) {
            res.headers().set(RATE_LIMIT, limitHeaders[0]);
            res.headers().set(RATE_LIMIT_POLICY, limitHeaders[1]);
        }
    }

    /** A request the translation cannot make a message of. */
    private static final class BadRequest extends RuntimeException {
        BadRequest(String message) {
            super(message, null, false, false);
        }
    }

    // ---- passthrough ------------------------------------------------------------------------------------------------

    private void passthrough(ServerRequest req, ServerResponse res, Exchange x) {
        if (!"2.0".equals(req.prologue().protocolVersion())) {
            refuseJson(res, 505, Status.Code.UNIMPLEMENTED, "gRPC needs HTTP/2 (h2 by ALPN, or h2c with prior knowledge)", x);
            return;
        }
        String path = x.path();
        int slash = path.indexOf('/', 1);
        if (!req.prologue().method().text().equals("POST") || slash < 2 || slash == path.length() - 1 || path.indexOf('/', slash + 1) >= 0) {
            refuse(res, x, Status.UNIMPLEMENTED.withDescription("not a gRPC call: expected POST /package.Service/Method, got "
                    + req.prologue().method().text() + " " + path));
            return;
        }
        var h = req.headers();
        String encoding = h.contains(GRPC_ENCODING) ? h.get(GRPC_ENCODING).get().strip().toLowerCase(Locale.ROOT) : "identity";
        if (!encoding.equals("identity") && !encoding.equals("gzip")) {
            refuse(res, x, Status.UNIMPLEMENTED.withDescription("grpc-encoding " + encoding + " is not supported by the router "
                    + "(identity, gzip)"));
            return;
        }
        long deadline = deadline(req, x);
        if (deadline == Long.MIN_VALUE) {
            refuse(res, x, Status.INTERNAL.withDescription("malformed grpc-timeout " + h.get(GRPC_TIMEOUT).get()));
            return;
        }
        Upload upload = new Upload(req.content().inputStream(), encoding.equals("gzip"), spec.channel().maxMessageBytes());
        call(req, res, x, path, deadline, upload, nativeWire);
    }

    /**
     * The deadline of a relayed call (ticker time): the pool's request timeout, or the client's shorter
     * {@code grpc-timeout} less the deadline offset; {@link Long#MIN_VALUE} when {@code grpc-timeout} is malformed.
     */
    private long deadline(ServerRequest req, Exchange x) {
        var h = req.headers();
        long timeout = x.pool().requestTimeoutNanos();
        if (h.contains(GRPC_TIMEOUT)) {
            long t = parseTimeout(h.get(GRPC_TIMEOUT).get());
            if (t < 0) {
                return Long.MIN_VALUE;
            }
            if (t < timeout) {
                // end the call a little before the client's own deadline, so that its status reaches the client before the
                // client resets the stream: Helidon 4.5 answers the client's reset of a stream it has already ended with a
                // GOAWAY for the whole connection (docs/grpc.md)
                timeout = t - Math.min(spec.deadlineOffset().toNanos(), t / 10);
            }
        }
        return x.start() + timeout;
    }

    /**
     * A call of {@code path} relayed to the members (passthrough and gRPC-Web): member picking under the pool's breaker,
     * retries of refused connections on another member, the request messages from {@code upload}, the answer by
     * {@code wire}.
     */
    private void call(ServerRequest req, ServerResponse res, Exchange x, String path, long deadline, Upload upload, Wire wire) {
        PoolState pool = x.pool();
        MethodDescriptor<byte[], byte[]> md = MethodDescriptor.newBuilder(BYTES, BYTES)
                .setType(MethodDescriptor.MethodType.UNKNOWN)
                .setFullMethodName(path.substring(1))
                .build();
        Metadata metadata = GrpcMetadata.fromRequest(req, x);
        pool.retryBudget().deposit();
        int maxRetries = pool.config().resilience().retryAttempts();
        Backend previous = null;
        Thread pump = null;
        try {
            for (int attempt = 0; ; attempt++) {
                Backend backend = x.picker().pick(previous);
                if (backend == null) {
                    upload.abort();
                    wire.trailersOnly(res, x, Status.UNAVAILABLE.withDescription("pool " + pool.config().name() + " has no available backend"), null);
                    x.telemetry().rejection(RouteTelemetry.Refusal.NO_BACKEND, upload.bytes(), 0, ticker.read() - x.start());
                    return;
                }
                if (x.log() != null) {
                    x.log().backend = backend.address();
                }
                Events<byte[]> events = new Events<>();
                long attemptStart = ticker.read();
                ClientCall<byte[], byte[]> call;
                backend.started();
                try {
                    try {
                        ManagedChannel ch = channels.get(pool).channel(backend);
                        call = ch.newCall(md, CallOptions.DEFAULT.withDeadlineAfter(Math.max(1, deadline - attemptStart), TimeUnit.NANOSECONDS));
                        call.start(events, metadata);
                        call.request(1);
                    } catch (RuntimeException e) {
                        // the channel was shut by a reload between the pick and the call (or cannot be built): the member
                        // was not reached
                        pool.release(backend);
                        upload.abort();
                        wire.trailersOnly(res, x, Status.UNAVAILABLE.withDescription(backend.address() + ": " + e.getMessage()), null);
                        x.telemetry().error(backend, 0, 0, ticker.read() - x.start());
                        return;
                    }
                    if (!upload.attach(call, events)) {
                        call.cancel("the request stream can no longer be replayed", null);
                        upload.abort();
                        wire.trailersOnly(res, x, Status.UNAVAILABLE.withDescription("the request could not be replayed to another member"), null);
                        return;
                    }
                    if (pump == null && upload.streaming()) {
                        pump = Thread.ofVirtual().name("headroom-grpc-upload").start(upload);
                    }
                    Attempt a = relay(res, x, call, events, backend, attemptStart, deadline, upload, wire);
                    if (a == Attempt.RETRY && attempt < maxRetries && deadline - ticker.read() > 0 && upload.replayable()
                            && pool.retryBudget().tryWithdraw()) {
                        previous = backend;
                        continue;
                    }
                    if (a == Attempt.RETRY) {
                        wire.trailersOnly(res, x, upload.lastStatus(), null);
                        x.telemetry().error(backend, upload.bytes(), 0, ticker.read() - x.start());
                    }
                    return;
                } finally {
                    backend.finished();
                }
            }
        } finally {
            upload.abort();
        }
    }

    // ---- gRPC-Web --------------------------------------------------------------------------------------------------

    /**
     * A gRPC-Web call: checked and decoded whole (a {@code +json} call's messages translated to protobuf by the route's
     * descriptors), then relayed as a passthrough call with the answer in gRPC-Web framing (and JSON messages).
     */
    private void web(ServerRequest req, ServerResponse res, Exchange x, String ct) {
        GrpcWeb.Kind kind = GrpcWeb.kind(ct);
        GrpcWeb.Wire wire = new GrpcWeb.Wire(kind == null ? GrpcWeb.Kind.BINARY : kind, null);
        if (web == null) {
            refuse(wire, res, x, 415, Status.UNIMPLEMENTED.withDescription("route " + route + " does not serve gRPC-Web "
                    + "(set grpc.web: true)"), null);
            return;
        }
        if (kind == null) {
            refuse(wire, res, x, 415, Status.UNIMPLEMENTED.withDescription("content-type " + ct + ": the router takes protobuf and "
                    + "JSON messages only (application/grpc-web, application/grpc-web-text, +proto or +json)"), null);
            return;
        }
        String path = x.path();
        int slash = path.indexOf('/', 1);
        if (!req.prologue().method().text().equals("POST")) {
            refuse(wire, res, x, 405, Status.UNIMPLEMENTED.withDescription("gRPC-Web calls are POST /package.Service/Method, got "
                    + req.prologue().method().text()), null);
            return;
        }
        if (slash < 2 || slash == path.length() - 1 || path.indexOf('/', slash + 1) >= 0) {
            refuse(wire, res, x, 404, Status.UNIMPLEMENTED.withDescription("not a gRPC method path: expected /package.Service/Method, got "
                    + path), null);
            return;
        }
        GrpcWeb.JsonCodec json = null;
        if (kind.json) {
            DescriptorSet ds = spec.descriptors();
            if (ds == null) {
                refuse(wire, res, x, 415, Status.UNIMPLEMENTED.withDescription("content-type " + ct + ": route " + route + " has no "
                        + "descriptors to translate JSON messages to protobuf with: set grpc.descriptor-set (or grpc.reflection: true) "
                        + "on the route, or send application/grpc-web+proto"), null);
                return;
            }
            Descriptors.MethodDescriptor method = ds.method(path.substring(1));
            if (method == null) {
                refuse(wire, res, x, 404, Status.UNIMPLEMENTED.withDescription("method " + path.substring(1) + " is not in the "
                        + "descriptors of route " + route + " (" + ds.source() + "), which the +json codec needs to translate its "
                        + "messages: add its service to the descriptor set (or serve it by reflection), or send "
                        + "application/grpc-web+proto"), null);
                return;
            }
            json = new GrpcWeb.JsonCodec(method, parser, printer);
            wire = new GrpcWeb.Wire(kind, json);
        }
        var h = req.headers();
        String encoding = h.contains(GRPC_ENCODING) ? h.get(GRPC_ENCODING).get().strip().toLowerCase(Locale.ROOT) : "identity";
        if (!encoding.equals("identity") && !encoding.equals("gzip")) {
            refuse(wire, res, x, 415, Status.UNIMPLEMENTED.withDescription("grpc-encoding " + encoding + " is not supported by the router "
                    + "(identity, gzip)"), null);
            return;
        }
        long deadline = deadline(req, x);
        if (deadline == Long.MIN_VALUE) {
            refuse(wire, res, x, 400, Status.INVALID_ARGUMENT.withDescription("malformed grpc-timeout " + h.get(GRPC_TIMEOUT).get()
                    + " (expected up to 8 digits and a unit H, M, S, m, u or n)"), null);
            return;
        }
        GrpcWeb.Request request;
        List<byte[]> messages;
        try {
            request = GrpcWeb.read(req.content().inputStream(), kind, encoding.equals("gzip"), spec.channel().maxMessageBytes());
            messages = json == null ? request.messages() : json.requests(request.messages(), spec.channel().maxMessageBytes());
        } catch (GrpcWeb.Malformed e) {
            refuse(wire, res, x, e.http, e.status, null);
            return;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        call(req, res, x, path, deadline, new Upload(messages, request.bytes()), wire);
    }

    /**
     * The router's own refusal of a native gRPC request (no member picked): a trailers-only answer, counted as a refusal
     * in the route's telemetry as gRPC-Web's are.
     */
    private void refuse(ServerResponse res, Exchange x, Status status) {
        trailersOnly(res, x, status, null);
        x.telemetry().rejection(0, 0, ticker.read() - x.start());
    }

    /** The router's own refusal of a gRPC-Web request (no member picked), counted as a refusal in the route's telemetry. */
    private void refuse(GrpcWeb.Wire wire, ServerResponse res, Exchange x, int http, Status status, Metadata trailers) {
        wire.reject(res, x, http, status, trailers);
        x.telemetry().rejection(0, 0, ticker.read() - x.start());
    }

    private enum Attempt { DONE, RETRY }

    /** Relays one call's answer to the client; {@link Attempt#RETRY} when the member refused the connection. */
    private Attempt relay(ServerResponse res, Exchange x, ClientCall<byte[], byte[]> call, Events<byte[]> events, Backend backend,
                          long attemptStart, long deadline, Upload upload, Wire wire) {
        PoolState pool = x.pool();
        OutputStream out = null;
        Metadata headers = null;
        long bytesOut = 0;
        Status unrelayable = null; // an answer message the wire could not write: the call was cancelled, and ends with this
        try {
            while (true) {
                Object e = events.next(deadline + GRACE_NANOS, ticker);
                if (e == null) {
                    call.cancel("the router's deadline passed", null);
                    continue;
                }
                if (e instanceof Metadata m) {
                    headers = m;
                    out = wire.begin(res, x, headers);
                    out.flush(); // the headers go now, as a gRPC server sends them before its first message
                } else if (e instanceof End end) {
                    Status s = unrelayable != null ? unrelayable : upload.failure() != null ? upload.failure() : end.status();
                    long now = ticker.read();
                    if (refused(end.status(), headers != null)) {
                        pool.failed(backend, "connect failed: " + describe(end.status()), now - attemptStart);
                        upload.lastStatus(end.status());
                        if (out == null) {
                            return Attempt.RETRY;
                        }
                    } else if (s.getCode() == Status.Code.DEADLINE_EXCEEDED) {
                        pool.timedOut(backend, now - attemptStart);
                    } else {
                        pool.succeeded(backend, GrpcStatuses.healthStatus(s.getCode()), false, now - attemptStart, now);
                    }
                    if (x.log() != null) {
                        x.log().bytesIn = upload.bytes();
                        x.log().bytesOut = bytesOut;
                    }
                    // a translated stream's malformed message answers its own HTTP status (413 for one over max-message-size)
                    int http = upload.failure() != null && upload.failureHttp() != 0 ? upload.failureHttp() : GrpcStatuses.httpStatus(s.getCode());
                    x.telemetry().response(backend, http, upload.bytes(), bytesOut, now - x.start());
                    outcome(x, s.getCode());
                    if (x.log() != null) {
                        x.log().statusOverride = http;
                    }
                    if (out == null) {
                        wire.trailersOnly(res, x, s, end.trailers());
                    } else {
                        wire.end(res, out, s, end.trailers());
                    }
                    return Attempt.DONE;
                } else if (unrelayable == null) {
                    byte[] msg = (byte[]) e;
                    if (out == null) {
                        out = wire.begin(res, x, null);
                    }
                    try {
                        bytesOut += wire.message(out, msg);
                    } catch (Unrelayable u) {
                        unrelayable = u.status;
                        call.cancel("the router cannot relay the answer: " + u.getMessage(), null); // its end comes as an End
                        continue;
                    }
                    call.request(1);
                }
            }
        } catch (JsonStream.Cut e) {
            call.cancel("the answer was cut", null); // a translated stream that failed after its answer began: accounted above
            throw e;
        } catch (IOException | UncheckedIOException | CloseConnectionException | SocketWriterException e) {
            // the client went away (Helidon's HTTP/1.1 connection throws ServerConnectionException when a write fails)
            call.cancel("the client went away", e);
            outcome(x, Status.Code.CANCELLED);
            x.telemetry().error(backend, upload.bytes(), bytesOut, ticker.read() - x.start());
            throw e instanceof RuntimeException r ? r : new UncheckedIOException((IOException) e);
        } catch (RuntimeException | Error e) {
            call.cancel("the router failed", e); // never leave the call running at the member until its deadline
            throw e;
        }
    }

    /** Status 200, application/grpc, the member's headers, and a {@code Trailer} header so that Helidon sends trailers. */
    private OutputStream beginGrpc(ServerResponse res, Exchange x, Metadata headers) {
        res.status(200);
        GrpcMetadata.toHeaders(res, headers, x.traceHeader());
        res.headers().set(HeaderNames.CONTENT_TYPE, "application/grpc");
        limitHeaders(res, x.limitHeaders());
        OutputStream out = res.outputStream();
        // Helidon 4.5 HTTP/2 sends the response trailers only when the headers carry Trailer (docs/grpc.md); set after
        // outputStream(), which adds its own "Trailer: stream-result" for a request with "TE: trailers"
        res.headers().set(TRAILER, "grpc-status, grpc-message");
        return out;
    }

    /**
     * Records a passthrough call's outcome for the access log, spans and usage analytics: its gRPC status, and the HTTP
     * status of that status in place of the 200 every gRPC answer carries.
     */
    static void outcome(Exchange x, Status.Code code) {
        if (x.log() != null) {
            x.log().statusOverride = GrpcStatuses.httpStatus(code);
            x.log().grpcStatus = code.value();
        }
    }

    /** A gRPC answer without messages: the status (and the trailers) in the one HEADERS frame that ends the stream. */
    private static void trailersOnly(ServerResponse res, Exchange x, Status s, Metadata trailers) {
        outcome(x, s.getCode());
        res.status(200);
        res.headers().set(HeaderNames.CONTENT_TYPE, "application/grpc");
        GrpcMetadata.toHeaders(res, trailers, x.traceHeader()); // the trailers go in the one HEADERS frame
        res.headers().set(GRPC_STATUS, Integer.toString(s.getCode().value()));
        if (s.getDescription() != null) {
            res.headers().set(GRPC_MESSAGE, percentEncode(s.getDescription()));
        }
        // Not send(): Helidon 4.5 writes send()'s answer as HEADERS and a DATA frame, even an empty one, and gRPC clients
        // take an empty DATA frame that ends the stream as a broken answer. An output stream left empty, without a Trailer
        // header, is committed as one HEADERS frame with END_STREAM: gRPC's trailers-only answer. Helidon sets
        // "Trailer: stream-result" in outputStream() for a request with "TE: trailers" (as every gRPC client sends): removed.
        res.outputStream();
        res.headers().remove(TRAILER);
    }

    /** grpc-message encoding: printable ASCII except '%' as is, everything else as %XX of its UTF-8 bytes. */
    static String percentEncode(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(b.length);
        for (byte c : b) {
            int u = c & 0xff;
            if (u >= 0x20 && u <= 0x7e && u != '%') {
                sb.append((char) u);
            } else {
                sb.append('%').append(Character.toUpperCase(Character.forDigit(u >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(u & 15, 16)));
            }
        }
        return sb.toString();
    }

    /** {@code grpc-timeout}: up to 8 digits and a unit (H, M, S, m, u, n); -1 when malformed. */
    static long parseTimeout(String v) {
        String t = v.strip();
        if (t.length() < 2 || t.length() > 9) {
            return -1;
        }
        long n = 0;
        for (int i = 0; i < t.length() - 1; i++) {
            char c = t.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            n = n * 10 + (c - '0');
        }
        return switch (t.charAt(t.length() - 1)) {
            case 'H' -> TimeUnit.HOURS.toNanos(n);
            case 'M' -> TimeUnit.MINUTES.toNanos(n);
            case 'S' -> TimeUnit.SECONDS.toNanos(n);
            case 'm' -> TimeUnit.MILLISECONDS.toNanos(n);
            case 'u' -> TimeUnit.MICROSECONDS.toNanos(n);
            case 'n' -> n;
            default -> -1;
        };
    }

    // ---- shared --------------------------------------------------------------------------------------------------

    /**
     * Whether a call failed because the member refused or could not take the connection: UNAVAILABLE caused by a
     * connect failure, before any response header. Such a call never reached the member, so another may take it.
     */
    static boolean refused(Status s, boolean headersSeen) {
        if (headersSeen || s.getCode() != Status.Code.UNAVAILABLE) {
            return false;
        }
        for (Throwable t = s.getCause(); t != null; t = t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.NoRouteToHostException
                    || t instanceof java.net.UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    private static String describe(Status s) {
        String d = s.getCode() + (s.getDescription() == null ? "" : ": " + s.getDescription());
        return s.getCause() == null ? d : d + " (" + s.getCause().getMessage() + ")";
    }

    private static byte[] readBounded(InputStream in, int max) throws IOException {
        byte[] b = in.readNBytes(max + 1);
        return b.length > max ? null : b;
    }

    private static MethodDescriptor<DynamicMessage, DynamicMessage> dynamic(Descriptors.MethodDescriptor m) {
        return MethodDescriptor.newBuilder(new DynamicMarshaller(m.getInputType()), new DynamicMarshaller(m.getOutputType()))
                .setType(m.isServerStreaming() ? MethodDescriptor.MethodType.SERVER_STREAMING : MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(m.getService().getFullName(), m.getName()))
                .build();
    }

    /** Messages of a type known from the descriptor set, with no generated class. */
    static final class DynamicMarshaller implements MethodDescriptor.Marshaller<DynamicMessage> {
        private final Descriptors.Descriptor type;

        DynamicMarshaller(Descriptors.Descriptor type) {
            this.type = type;
        }

        @Override
        public InputStream stream(DynamicMessage value) {
            return value.toByteString().newInput();
        }

        @Override
        public DynamicMessage parse(InputStream stream) {
            try {
                return DynamicMessage.parseFrom(type, stream);
            } catch (IOException e) {
                throw Status.INTERNAL.withDescription("the member's message is not a " + type.getFullName() + ": " + e.getMessage())
                        .withCause(e).asRuntimeException();
            }
        }
    }

    /** Messages as bytes, never parsed (passthrough). */
    static final MethodDescriptor.Marshaller<byte[]> BYTES = new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
            return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
            try {
                return stream.readAllBytes();
            } catch (IOException e) {
                throw Status.INTERNAL.withCause(e).asRuntimeException();
            }
        }
    };
}
