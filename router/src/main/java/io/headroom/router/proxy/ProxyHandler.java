package io.headroom.router.proxy;

import io.headroom.router.balance.Balancer;
import io.headroom.router.balance.Hashing;
import io.headroom.router.analytics.UsageAnalytics;
import io.headroom.router.balance.RequestContext;
import io.headroom.router.cache.ResponseCache;
import io.headroom.router.balance.Rng;
import io.headroom.router.config.AffinityCookieConfig;
import io.headroom.router.config.BalancerConfig;
import io.headroom.router.control.PoolSnapshot;
import io.headroom.router.control.PoolState;
import io.headroom.router.route.Mirror;
import io.headroom.router.auth.AuthResult;
import io.headroom.router.auth.Identity;
import io.headroom.router.tls.ClientCertificate;
import io.headroom.router.limit.RouteLimiter;
import io.headroom.router.log.AccessLog;
import io.headroom.router.resilience.ConcurrencyLimiter;
import io.headroom.router.route.PathNormalizer;
import io.headroom.router.telemetry.RouteTelemetry;
import io.headroom.router.trace.SpanSink;
import io.headroom.router.trace.TraceContext;
import io.headroom.router.transform.HeaderTransform;
import io.headroom.router.trace.TracingConfig;
import io.headroom.router.ReadYield;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.ResponseHead;
import io.headroom.router.upstream.UpstreamConnection;
import io.headroom.time.Ticker;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.RequestException;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * The reverse proxy: matches a route, picks a backend from the pool's current snapshot, forwards the request over a
 * pooled keep-alive connection and streams the response back, recording the outcome for telemetry.
 *
 * <p>Headers are copied once; hop-by-hop headers (Connection and the names it lists, Keep-Alive, Proxy-*, TE,
 * Trailer, Transfer-Encoding, Upgrade) are dropped both ways; X-Forwarded-For is appended to,
 * X-Forwarded-Proto/-Host are replaced and {@code Forwarded} is appended to. Bodies are streamed, never buffered whole.
 * Errors the router produces: 404 no route, 503 no backend, 502 connect failure or bad upstream response,
 * 504 timeout, each with {@code {"error":...,"detail":...}}. Nothing here logs.
 *
 * <p>A failed attempt (connect failure; for idempotent requests without a body also a broken exchange) is retried
 * on another member under the pool's retry budget with jittered back-off, as long as nothing reached the client.
 * Each attempt's outcome goes to the pool (outlier detection, circuit breaker, peak-EWMA latency); telemetry
 * records the request once, with its final outcome.
 */
public final class ProxyHandler implements Handler {
    private static final HeaderName CONTENT_TYPE = HeaderNames.CONTENT_TYPE;
    private static final String JSON = "application/json";
    private static final HeaderName RETRY_AFTER = HeaderNames.RETRY_AFTER;
    private static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");
    /** {@code traceparent: } as the upstream request head writes it, the value after it as the context's bytes. */
    private static final byte[] TRACEPARENT_PREFIX = "traceparent: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    /** The per-thread entry that carries a request's outcome to usage analytics when no log or span export wants one. */
    private static final ThreadLocal<AccessLog.Entry> USAGE_ENTRY = ThreadLocal.withInitial(AccessLog.Entry::new);
    /** The client strings written upstream, kept per thread: a connection's requests repeat them (see {@link ClientStrings}). */
    private static final ThreadLocal<ClientStrings> CLIENT_STRINGS = ThreadLocal.withInitial(ClientStrings::new);
    /** Response bodies with a Content-Length up to this many bytes are read whole, then sent with the head in one write. */
    static final int SMALL_BODY = 8 * 1024;

    private final RouteTable routes;
    private final Ticker ticker;
    private final Rng jitter;
    private final AccessLog accessLog;
    private final LongSupplier traceIds;
    /** The response header carrying the trace id (or the router's traceparent), or null for none. */
    private final HeaderName traceHeader;
    /** {@link #traceHeader}'s name in lower case, or null. */
    private final String traceHeaderLower;
    private final boolean traceHeaderFull;
    /** What the forwarding headers of a request become on the way to the member. */
    private final io.headroom.router.config.Forwarding forwarding;
    private final SpanSink spans;
    private final UsageAnalytics usage;
    /** Reads verified client certificates; null when {@code router.tls} asks for none (then nothing is done per request). */
    private final io.headroom.router.tls.ClientCertificates clientCertificates;

    public ProxyHandler(RouteTable routes, Ticker ticker) {
        this(routes, ticker, System.nanoTime());
    }

    /** @param seed seed of the retry back-off jitter */
    public ProxyHandler(RouteTable routes, Ticker ticker, long seed) {
        this(routes, ticker, seed, null, new Rng(seed ^ 0x5DEECE66DL)::nextLong);
    }

    /**
     * @param seed      seed of the retry back-off jitter
     * @param accessLog where each request's entry goes, or null when the access log is off
     * @param traceIds  random 64-bit values for new trace and span ids
     */
    public ProxyHandler(RouteTable routes, Ticker ticker, long seed, AccessLog accessLog, LongSupplier traceIds) {
        this(routes, ticker, seed, accessLog, traceIds, TracingConfig.DEFAULT, null, null);
    }

    /** As above, counting each routed request in {@code usage} (null: no usage analytics). */
    public ProxyHandler(RouteTable routes, Ticker ticker, long seed, AccessLog accessLog, LongSupplier traceIds, UsageAnalytics usage) {
        this(routes, ticker, seed, accessLog, traceIds, TracingConfig.DEFAULT, null, usage);
    }

    /**
     * @param tracing the response header that returns the trace id
     * @param spans   where finished requests go for span export, or null when export is off
     * @param usage   per-consumer and per-route usage analytics, or null for none
     */
    public ProxyHandler(RouteTable routes, Ticker ticker, long seed, AccessLog accessLog, LongSupplier traceIds,
                        TracingConfig tracing, SpanSink spans, UsageAnalytics usage) {
        this(routes, ticker, seed, accessLog, traceIds, tracing, spans, usage, null);
    }

    /**
     * As above, with the connections' verified client certificates read by {@code clientCertificates} (null: mTLS off)
     * for {@code auth: client-certificate} and the certificate headers sent to backends.
     */
    public ProxyHandler(RouteTable routes, Ticker ticker, long seed, AccessLog accessLog, LongSupplier traceIds,
                        TracingConfig tracing, SpanSink spans, UsageAnalytics usage,
                        io.headroom.router.tls.ClientCertificates clientCertificates) {
        this(routes, ticker, seed, accessLog, traceIds, tracing, spans, usage, clientCertificates,
                io.headroom.router.config.Forwarding.APPEND);
    }

    /** As above, with the client's forwarding headers treated as {@code forwarding} says ({@code router.forwarding}). */
    public ProxyHandler(RouteTable routes, Ticker ticker, long seed, AccessLog accessLog, LongSupplier traceIds,
                        TracingConfig tracing, SpanSink spans, UsageAnalytics usage,
                        io.headroom.router.tls.ClientCertificates clientCertificates,
                        io.headroom.router.config.Forwarding forwarding) {
        this.forwarding = java.util.Objects.requireNonNull(forwarding, "forwarding");
        this.clientCertificates = clientCertificates;
        this.usage = usage;
        this.routes = routes;
        this.ticker = ticker;
        this.jitter = new Rng(seed);
        this.accessLog = accessLog;
        this.traceIds = traceIds;
        this.traceHeader = tracing.responseHeader() == null ? null : HeaderNames.create(tracing.responseHeader());
        this.traceHeaderLower = traceHeader == null ? null : traceHeader.lowerCase();
        this.traceHeaderFull = tracing.fullTraceparent();
        this.spans = spans;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        long start = ticker.read();
        var headers = req.headers();
        String traceparent = null;
        if (headers.contains(TRACEPARENT)) {
            Header h = headers.get(TRACEPARENT);
            traceparent = h.valueCount() == 1 ? h.get() : null; // several traceparents: start a new trace
        }
        TraceContext trace = TraceContext.of(traceparent, traceIds);
        if (traceHeader != null) {
            if (res instanceof io.headroom.router.lane.HeaderAppender lane) {
                // the lane's answer: a line of its own, never in the header map, written from the context's bytes
                byte[] tp = trace.traceparentBytes();
                if (traceHeaderFull) {
                    lane.append(traceHeader, tp, 0, TraceContext.TRACEPARENT_LENGTH);
                } else {
                    lane.append(traceHeader, tp, TraceContext.TRACE_ID_AT, TraceContext.TRACE_ID_LENGTH);
                }
            } else {
                res.headers().set(io.helidon.http.HeaderValues.create(traceHeader, traceHeaderFull ? trace.traceparent() : trace.traceId()));
            }
        }
        // the request's Connection tokens, read once: hop-by-hop names for the forwarding, "close" for the end
        String[] connection = headers.contains(HeaderNames.CONNECTION) ? tokens(headers.get(HeaderNames.CONNECTION).values()) : null;
        if (accessLog == null && spans == null && usage == null) {
            serve(req, res, start, trace, null, connection);
            closeIfAnsweredWithClose(req, res, connection);
            beforeNextRequest(req);
            return;
        }
        AccessLog.Entry entry;
        if (accessLog == null && spans == null) {
            // Usage analytics alone: the entry only carries this request's outcome to usage.record below, on this thread,
            // so the thread's (a connection's, or an HTTP/2 stream's) entry is reused rather than one made per request.
            entry = USAGE_ENTRY.get();
            entry.clear();
        } else {
            entry = new AccessLog.Entry(); // queued for the log writer or the span exporter: one per request
        }
        if (accessLog != null || spans != null) {
            entry.timeMillis = System.currentTimeMillis();
            entry.method = req.prologue().method().text();
            entry.path = req.prologue().uriPath().rawPath();
            entry.client = clientAddress(req.remotePeer().address());
            entry.traceId = trace.traceId();
            entry.trace = trace;
        }
        int failedWith = 500;
        boolean failed = true;
        try {
            serve(req, res, start, trace, entry, connection);
            failed = false;
            closeIfAnsweredWithClose(req, res, connection);
        } catch (RequestException e) {
            failedWith = e.status().code();
            throw e;
        } finally {
            // a gRPC route's own verdict (a passthrough call's gRPC status as HTTP) over the response's 200
            entry.status = entry.statusOverride != 0 ? entry.statusOverride : failed && !res.isSent() ? failedWith : res.status().code();
            entry.durationNanos = ticker.read() - start;
            if (usage != null && entry.route != null) {
                usage.record(entry.route, entry.consumer == null ? Identity.ANONYMOUS_ID : entry.consumer, entry.status, entry.bytesIn,
                        entry.bytesOut, entry.durationNanos);
            }
            if (accessLog != null) {
                accessLog.log(entry);
            }
            if (spans != null) {
                spans.offer(entry);
            }
        }
        beforeNextRequest(req);
    }

    /** An HTTP/1.x connection that stays open reads its next request now: see {@link ReadYield#beforeNextRequest}. */
    private static void beforeNextRequest(ServerRequest req) {
        if (http1(req)) {
            ReadYield.beforeNextRequest();
        }
    }

    /**
     * After an answer given without reading the body of an {@code Expect: 100-continue} request (which carries
     * {@code Connection: close}, see {@link #serve}), ends the connection: Helidon would otherwise read the client's
     * next bytes, body or next request, as a new request.
     */
    private static void closeIfBodyUnread(ServerRequest req) {
        if (req.headers().contains(HeaderNames.EXPECT) && req.content().hasEntity() && !req.content().consumed()) {
            throw new CloseConnectionException("answered without reading the body of an Expect: 100-continue request");
        }
    }

    /**
     * Ends the client connection after an answer that carries {@code Connection: close} (RFC 9112 §9.6): the client
     * asked for it (Helidon then adds the header to the answer), or the router decided it (ambiguous framing, a refused
     * {@code Expect: 100-continue}). Helidon 4.5's HTTP/1.1 connection writes the header but, for a request without a
     * body, goes on to read the next request, so a client waiting for the end of the stream would wait until the idle
     * timeout. A backend's own {@code Connection: close} is hop-by-hop: it closes the upstream connection only.
     */
    private static void closeIfAnsweredWithClose(ServerRequest req, ServerResponse res, String[] connection) {
        if (!http1(req)) {
            return; // HTTP/2: a stream ends with its answer; the connection carries other streams
        }
        closeIfBodyUnread(req);
        if (listed(connection, "close")
                || HeaderTokens.contains(res.headers(), HeaderNames.CONNECTION, "close")) {
            if (res instanceof io.helidon.webserver.http.RoutingResponse r) {
                // Helidon writes a streamed answer's last chunk when routing returns, which a close would skip
                r.commit();
            }
            throw new CloseConnectionException("answered with Connection: close");
        }
    }

    /** Whether the request came over HTTP/1.x (else HTTP/2, where connection-specific headers are not allowed). */
    private static boolean http1(ServerRequest req) {
        return !"2.0".equals(req.prologue().protocolVersion());
    }

    private void serve(ServerRequest req, ServerResponse res, long start, TraceContext trace, AccessLog.Entry entry,
                       String[] connection) {
        String rawPath = req.prologue().uriPath().rawPath();
        Method method = req.prologue().method();
        String framing = ambiguousFraming(req.headers());
        if (framing != null) {
            // Request smuggling defence: never forward a request whose length two parsers could read differently, and
            // close the connection, since we cannot know where the next request would start.
            if (http1(req)) {
                res.header(HeaderNames.CONNECTION, "close");
            }
            sendError(res, Status.BAD_REQUEST_400, "ambiguous_framing", framing);
            return;
        }
        if (req.headers().contains(HeaderNames.EXPECT) && req.content().hasEntity() && http1(req)) {
            // Expect: 100-continue. Helidon sends the 100 when the body is first read, which only the forwarding does. An
            // answer given before that (401, 429, 503, 404...) goes out without reading the body, and the client may then
            // never send it: close the connection after such an answer rather than read its next request as this body.
            // The forwarding removes this header before it reads the body.
            res.header(HeaderNames.CONNECTION, "close");
        }
        String path = PathNormalizer.normalize(rawPath);
        if (path == null) {
            sendError(res, Status.BAD_REQUEST_400, "bad_path",
                    "the path has an encoded slash, backslash or control character, or a malformed %-escape");
            return;
        }
        Route route = routes.match(new HelidonRequestView(req, path, method));
        if (route == null) {
            sendError(res, Status.NOT_FOUND_404, "no_route", "no route matches " + method.text() + " " + path);
            return;
        }
        if (entry != null) {
            entry.route = route.name();
        }
        RoutePolicy policy = route.policy();
        if (policy.grpc() != null && policy.grpc().cors(req, res)) {
            return; // a gRPC-Web route's CORS preflight, answered before authentication: browsers send it without credentials
        }
        Identity identity = Identity.ANONYMOUS;
        ClientCertificate certificate = clientCertificates == null ? null : clientCertificates.of(req.remotePeer());
        if (policy.auth() != null) {
            AuthResult a = authenticate(policy, req, certificate);
            if (!a.ok()) {
                for (String c : a.challenges()) {
                    res.headers().add(HeaderNames.WWW_AUTHENTICATE, c);
                }
                sendError(res, Status.create(a.status()), a.error(), a.detail());
                route.telemetry().rejection(RouteTelemetry.Refusal.AUTH, 0, 0, ticker.read() - start);
                return;
            }
            identity = a.identity();
            if (entry != null) {
                entry.consumer = identity.consumer();
            }
        }
        RouteLimiter.Decision limits = null;
        if (policy.limits() != null) {
            RouteLimiter.Decision d = policy.limits().acquire(identity.consumer());
            if (d != null) {
                // per-consumer counts in telemetry: the predictor splits each consumer's global limit by its own shares
                route.telemetry().consumer(identity.consumer(), !d.allowed());
                if (!d.allowed()) {
                    res.headers().set(RETRY_AFTER, Long.toString(d.retryAfterSeconds()));
                    res.headers().set(d.rateLimitHeader());
                    res.headers().set(d.policyHeader());
                    sendError(res, Status.TOO_MANY_REQUESTS_429, "rate_limited", d.policyName() + " limit reached for "
                            + identity.consumer() + "; retry after " + d.retryAfterSeconds() + " s");
                    route.telemetry().rejection(RouteTelemetry.Refusal.RATE_LIMITED, 0, 0, ticker.read() - start);
                    return;
                }
                limits = d;
            }
        }
        ResponseCache.Lookup cached = null;
        if (policy.cache() != null && (method == Method.GET || method == Method.HEAD) && !req.content().hasEntity()) {
            cached = lookup(policy, route, req, method, path, identity, certificate);
            if (cached.answersFromCache()) {
                long sent = cached.answer(res, limitStrings(limits), ticker.read());
                if (entry != null) {
                    entry.backend = "cache";
                    entry.bytesOut = sent;
                }
                return;
            }
        }
        if (policy.aggregator() != null) {
            policy.aggregator().serve(res, method == Method.HEAD, path, req.prologue().hasQuery() ? req.prologue().query().rawValue() : null,
                    copy(req, Method.GET, path, policy.strip(), policy.transform(), identity, certificate, false).headers(), limitStrings(limits), entry);
            return;
        }
        Route.Target target = route.pick();
        PoolState pool = target.pool();
        if (entry != null) {
            entry.pool = pool.config().name();
        }
        ConcurrencyLimiter limiter = pool.concurrencyLimiter();
        if (limiter != null && !limiter.tryAcquire()) {
            // Shed at once rather than queue: the pool is at its adaptive limit (its latency says it is saturated).
            sendError(res, Status.SERVICE_UNAVAILABLE_503, "concurrency_limit", "pool " + pool.config().name()
                    + " is at its concurrency limit of " + limiter.limit() + " requests in flight; retry after 1 s");
            target.telemetry().rejection(RouteTelemetry.Refusal.CONCURRENCY_LIMIT, 0, 0, ticker.read() - start);
            return;
        }
        try {
            if (policy.grpc() != null) {
                grpc(req, res, start, entry, route, policy, identity, certificate, limitStrings(limits), target, pool, path, trace);
            } else {
                forward(req, res, start, entry, route, policy, identity, certificate, limits, target, pool, path, method, trace, cached,
                        connection);
            }
        } finally {
            if (limiter != null) {
                limiter.release();
            }
        }
    }

    private void forward(ServerRequest req, ServerResponse res, long start, AccessLog.Entry entry, Route route, RoutePolicy policy,
                         Identity identity, ClientCertificate certificate, RouteLimiter.Decision limits, Route.Target target, PoolState pool,
                         String path,
                         Method method, TraceContext trace, ResponseCache.Lookup cached, String[] connection) {
        String upstreamPath = route.upstreamPath(path);
        boolean hasBody = req.content().hasEntity();
        Mirror mirror = route.mirror();
        if (mirror != null && !hasBody && mirror.wants()) {
            mirror.offer(copy(req, method, upstreamPath, policy.strip(), policy.transform(), identity, certificate, true));
        }
        RequestContext ctx = context(pool, route.name(), path, req);
        String setCookie = null;
        AffinityCookieConfig affinity = pool.config().affinityCookie();
        if (affinity != null && !ctx.hashed()) {
            // no affinity cookie yet: a fresh token, routed by its hash like every later request that carries it
            String token = Long.toHexString(traceIds.getAsLong()) + Long.toHexString(traceIds.getAsLong());
            ctx = new RequestContext(route.name(), path, Hashing.hash64(token), true);
            setCookie = affinity.name() + "=" + token + pool.affinityAttributes() + (req.isSecure() && !affinity.secure() ? "; Secure" : "");
        }
        Exchange x = new Exchange(target, upstreamPath, policy.strip(), identity, certificate, limits, trace, entry, setCookie, policy.transform(), cached,
                connection);
        pool.retryBudget().deposit();
        boolean idempotentNoBody = !hasBody && idempotent(method);
        long deadline = start + pool.requestTimeoutNanos();
        int maxRetries = pool.config().resilience().retryAttempts();
        Backend previous = null;
        for (int attempt = 0; ; attempt++) {
            PoolSnapshot snap = pool.snapshot();
            Backend backend = pick(pool, snap, ctx, previous);
            if (backend == null) {
                sendError(res, Status.SERVICE_UNAVAILABLE_503, "no_backend", "pool " + snap.pool() + " has no available backend");
                target.telemetry().rejection(RouteTelemetry.Refusal.NO_BACKEND, 0, 0, ticker.read() - start);
                return;
            }
            if (entry != null) {
                entry.backend = backend.address();
                entry.attempts = attempt + 1;
            }
            Failure f = proxy(req, res, x, pool, backend, method, hasBody, start, deadline);
            if (f == null) {
                return;
            }
            // Nothing reached the client yet. A connect failure never reached the backend either, so any request may go
            // elsewhere; otherwise only idempotent requests without a body (which we have not consumed) may.
            boolean retry = attempt < maxRetries && (f.connect || idempotentNoBody) && !f.timedOut
                    && deadline - ticker.read() > 0 && pool.retryBudget().tryWithdraw();
            if (!retry) {
                sendError(res, f.status, f.error, f.detail);
                if (entry != null) {
                    entry.bytesIn = f.bytesIn;
                }
                target.telemetry().error(backend, f.bytesIn, 0, ticker.read() - start);
                return;
            }
            previous = backend;
            backoff(pool, attempt, deadline);
        }
    }

    /** A route with a {@code grpc:} block: JSON translation or passthrough, on members picked as for any request. */
    private void grpc(ServerRequest req, ServerResponse res, long start, AccessLog.Entry entry, Route route, RoutePolicy policy,
                      Identity identity, ClientCertificate certificate, String[] limitHeaders, Route.Target target, PoolState pool, String path, TraceContext trace) {
        RequestContext ctx = context(pool, route.name(), path, req);
        policy.grpc().serve(req, res, new io.headroom.router.grpc.GrpcRoute.Exchange(pool, target.telemetry(), path, start, identity, certificate,
                trace, traceHeaderLower, limitHeaders, policy.strip(), policy.transform(), entry, previous -> pick(pool, pool.snapshot(), ctx, previous),
                forwarding));
    }

    /**
     * What one request carries through its attempts.
     *
     * @param target       the pool (and telemetry cell) chosen for it
     * @param upstreamPath the path sent upstream (rewritten, or the request's own)
     * @param strip        lower-case names of credential headers not forwarded
     * @param identity     who sent it (the consumer id is kept for per-consumer telemetry)
     * @param certificate  the connection's verified client certificate, or null
     * @param limits       the limit decision whose RateLimit and RateLimit-Policy headers go on the response, or null
     * @param trace        the W3C trace context forwarded upstream
     * @param log          the access-log entry, or null when the log is off
     * @param setCookie    a {@code Set-Cookie} value for a new affinity cookie, or null
     * @param transform    the route's header changes (renames, set headers, identity headers)
     * @param cache        the response cache's dealings with this request, or null
     * @param connection   the request's Connection tokens (lower case), or null without that header
     */
    private record Exchange(Route.Target target, String upstreamPath, String[] strip, Identity identity, ClientCertificate certificate,
                            RouteLimiter.Decision limits,
                            TraceContext trace, AccessLog.Entry log, String setCookie, HeaderTransform transform,
                            ResponseCache.Lookup cache, String[] connection) {
    }

    /** The cache lookup of a GET or HEAD; a stale entry served meanwhile is revalidated in the background. */
    private ResponseCache.Lookup lookup(RoutePolicy policy, Route route, ServerRequest req, Method method, String path, Identity identity,
                                        ClientCertificate certificate) {
        String upstream = route.upstreamPath(path);
        var h = req.headers();
        String host = h.contains(HeaderNames.HOST) ? h.get(HeaderNames.HOST).get().toLowerCase(Locale.ROOT) : "";
        String key = host + " " + upstream + (req.prologue().hasQuery() ? "?" + req.prologue().query().rawValue() : "");
        ResponseCache.Lookup l = policy.cache().lookup(req, method == Method.HEAD, key, identity, ticker.read());
        if (l.state() == ResponseCache.State.STALE) {
            Mirror.Copy c = copy(req, Method.GET, upstream, policy.strip(), policy.transform(), identity, certificate, false);
            l.revalidateInBackground(route.primary().pool(), "GET", c.target(), c.headers(), ticker);
        }
        return l;
    }

    /**
     * Why the request's framing is ambiguous (RFC 9112 §6.1, §6.3), or null: Transfer-Encoding together with
     * Content-Length (CL.TE / TE.CL), a Transfer-Encoding other than one {@code chunked}, several differing or
     * non-numeric Content-Length values.
     */
    static String ambiguousFraming(io.helidon.http.Headers headers) {
        boolean cl = headers.contains(HeaderNames.CONTENT_LENGTH);
        if (headers.contains(HeaderNames.TRANSFER_ENCODING)) {
            if (cl) {
                return "both Transfer-Encoding and Content-Length";
            }
            Header te = headers.get(HeaderNames.TRANSFER_ENCODING);
            if (te.valueCount() != 1 || !te.get().strip().equalsIgnoreCase("chunked")) {
                return "Transfer-Encoding other than a single chunked";
            }
            return null;
        }
        if (cl) {
            Header h = headers.get(HeaderNames.CONTENT_LENGTH);
            List<String> values = h.allValues();
            String first = null;
            for (int i = 0; i < values.size(); i++) {
                String v = values.get(i).strip();
                if (v.isEmpty() || v.length() > 18) {
                    return "malformed Content-Length";
                }
                for (int j = 0; j < v.length(); j++) {
                    char c = v.charAt(j);
                    if (c < '0' || c > '9') {
                        return "malformed Content-Length";
                    }
                }
                if (first == null) {
                    first = v;
                } else if (!first.equals(v)) {
                    return "conflicting Content-Length values";
                }
            }
        }
        return null;
    }

    /** The RateLimit and RateLimit-Policy values of {@code d} for the cache, aggregation and gRPC answers, or null. */
    private static String[] limitStrings(RouteLimiter.Decision d) {
        return d == null ? null : new String[]{d.rateLimit(), d.policies()};
    }

    private static AuthResult authenticate(RoutePolicy policy, ServerRequest req, ClientCertificate certificate) {
        var h = req.headers();
        String key = policy.apiKeyHeader() != null && h.contains(policy.apiKeyHeader()) ? h.get(policy.apiKeyHeader()).get() : null;
        String authz = h.contains(HeaderNames.AUTHORIZATION) ? h.get(HeaderNames.AUTHORIZATION).get() : null;
        return policy.authenticator().authenticate(policy.auth(), key, authz, certificate);
    }

    /** A failed attempt whose answer has not been sent (the caller retries it or sends it). */
    private record Failure(Status status, String error, String detail, long bytesIn, boolean connect, boolean timedOut) {
    }

    /**
     * A member for this attempt: not {@code previous} when the pool has another, and admitted by its circuit breaker.
     * Null when the pool is empty or every breaker refuses.
     */
    private static Backend pick(PoolState pool, PoolSnapshot snap, RequestContext ctx, Backend previous) {
        Balancer balancer = snap.balancer();
        List<Backend> members = balancer.members();
        int tries = members.size() + 2;
        RequestContext c = ctx;
        for (int i = 0; i < tries; i++) {
            Backend b = balancer.pick(c);
            if (b == null) {
                return null;
            }
            if (b != previous && pool.admit(b)) {
                return b;
            }
            c = rehash(c, i);
        }
        // The derived keys kept landing on the failed or refusing members (likely on a small pool: three members give
        // each derived key a third of a chance to land on the failed one). Walk the members from a point fixed by the key,
        // so a sticky client still falls over to the same member every time; the failed one comes last.
        int n = members.size();
        int start = ctx.hashed() ? (int) Math.floorMod(ctx.hash(), (long) n) : 0;
        for (int k = 0; k < n; k++) {
            Backend b = members.get((start + k) % n);
            if (b != previous && pool.admit(b)) {
                return b;
            }
        }
        return previous != null && pool.admit(previous) ? previous : null;
    }

    /**
     * A hashed request whose member cannot take it (the attempt that failed, or a refusing breaker) tries the member of
     * a derived key: the same key always falls over to the same member, so a sticky client stays sticky meanwhile.
     */
    private static RequestContext rehash(RequestContext c, int round) {
        return c.hashed() ? new RequestContext(c.route(), c.path(), Rng.mix(c.hash() + (round + 1) * 0x9E3779B97F4A7C15L), true) : c;
    }

    /** Full-jitter exponential back-off: a random time in [0, min(max, base × 2^attempt)], never past the deadline. */
    private void backoff(PoolState pool, int attempt, long deadline) {
        long base = pool.config().resilience().backoff().toNanos();
        if (base <= 0) {
            return;
        }
        long cap = Math.min(pool.config().resilience().maxBackoff().toNanos(), base << Math.min(attempt, 20));
        long sleep = Math.min((long) (jitter.nextDouble() * cap), deadline - ticker.read());
        if (sleep > 0) {
            try {
                Thread.sleep(sleep / 1_000_000, (int) (sleep % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The balancer's view of the request: with the hash key when the pool hashes on one. */
    private static RequestContext context(PoolState pool, String route, String path, ServerRequest req) {
        BalancerConfig.HashOn on = pool.hashOn();
        if (on == null) {
            return new RequestContext(route, path);
        }
        switch (on.source()) {
            case CLIENT_IP -> {
                SocketAddress a = req.remotePeer().address();
                if (a instanceof InetSocketAddress isa && isa.getAddress() != null) {
                    return RequestContext.hashed(route, path, isa.getAddress().getHostAddress());
                }
                return new RequestContext(route, path);
            }
            case HEADER -> {
                var h = req.headers();
                if (h.contains(pool.hashHeader())) {
                    return RequestContext.hashed(route, path, h.get(pool.hashHeader()).get());
                }
                return new RequestContext(route, path);
            }
            default -> {
                var h = req.headers();
                if (h.contains(pool.hashHeader())) {
                    List<String> cookies = h.get(pool.hashHeader()).allValues();
                    for (int i = 0; i < cookies.size(); i++) {
                        long hash = cookieHash(cookies.get(i), on.name());
                        if (hash != NO_COOKIE) {
                            return new RequestContext(route, path, hash, true);
                        }
                    }
                }
                return new RequestContext(route, path);
            }
        }
    }

    static final long NO_COOKIE = 0x8000_0000_0000_0001L;

    /** Hash of cookie {@code name}'s value in a {@code Cookie} header ({@code a=1; b=2}), or {@link #NO_COOKIE}. */
    static long cookieHash(String header, String name) {
        int n = header.length();
        int i = 0;
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ';')) {
                i++;
            }
            int end = header.indexOf(';', i);
            if (end < 0) {
                end = n;
            }
            int eq = header.indexOf('=', i);
            if (eq > i && eq < end && eq - i == name.length() && header.regionMatches(i, name, 0, name.length())) {
                int vs = eq + 1;
                int ve = end;
                while (ve > vs && header.charAt(ve - 1) == ' ') {
                    ve--;
                }
                return Hashing.hash64(header, vs, ve);
            }
            i = end + 1;
        }
        return NO_COOKIE;
    }

    private static boolean idempotent(Method m) {
        return m == Method.GET || m == Method.HEAD || m == Method.OPTIONS || m == Method.PUT || m == Method.DELETE
                || m == Method.TRACE;
    }

    /** One attempt on {@code backend}; null when the response went to the client, else the failure (not yet sent). */
    private Failure proxy(ServerRequest req, ServerResponse res, Exchange x, PoolState pool, Backend backend, Method method,
                          boolean hasBody, long start, long deadline) {
        backend.started();
        try {
            return exchange(req, res, x, pool, backend, method, hasBody, start, deadline);
        } finally {
            backend.finished();
        }
    }

    private Failure exchange(ServerRequest req, ServerResponse res, Exchange x, PoolState pool, Backend backend, Method method,
                             boolean hasBody, long start, long deadline) {
        long contentLength = hasBody ? req.headers().contentLength().orElse(-1) : -1;
        boolean retryable = !hasBody && idempotent(method);
        long bytesIn = 0;
        UpstreamConnection conn = null;
        ResponseHead head;
        boolean fresh = false;
        long attemptStart = ticker.read();
        long headAt = 0;
        byte[] smallBody = null;
        int smallAt = 0; // smallBody[smallAt, smallAt + smallLength) is the body
        int smallLength = 0;
        AccessLog.Entry log = x.log();
        if (log != null) { // this attempt's times replace an earlier attempt's
            log.upstreamConnectNanos = -1;
            log.upstreamHeaderNanos = -1;
            log.upstreamResponseNanos = -1;
        }
        // Phase 1: send the request and read the response head (and a small body); nothing has gone to the client yet.
        while (true) {
            long now = fresh ? ticker.read() : attemptStart; // the retry on a fresh connection comes later
            conn = fresh ? null : backend.connections().pollIdle(now);
            boolean pooled = conn != null;
            if (conn == null) {
                try {
                    conn = backend.connections().open(deadline - now);
                    if (log != null) {
                        log.upstreamConnectNanos = ticker.read() - now;
                    }
                } catch (SocketTimeoutException e) {
                    pool.failed(backend, "connect timeout", ticker.read() - attemptStart);
                    return new Failure(Status.GATEWAY_TIMEOUT_504, "connect_timeout",
                            "connecting to " + backend.address() + " timed out", bytesIn, true, false);
                } catch (IOException e) {
                    pool.failed(backend, "connect failed: " + e.getMessage(), ticker.read() - attemptStart);
                    return new Failure(Status.BAD_GATEWAY_502, "connect_failed",
                            "connecting to " + backend.address() + " failed: " + e.getMessage(), bytesIn, true, false);
                }
            }
            conn.begin(deadline);
            long firstByteDeadline = 0;
            try {
                writeHead(conn, req, x, method, hasBody, contentLength, forwarding);
                if (hasBody) {
                    if (req.headers().contains(HeaderNames.EXPECT)) {
                        res.headers().remove(HeaderNames.CONNECTION); // the body is read now: keep-alive is safe again
                    }
                    bytesIn = conn.copyRequestBody(req.content().inputStream(), contentLength < 0);
                } else {
                    conn.flush();
                }
                long fb = pool.firstByteTimeoutNanos();
                if (fb > 0) {
                    long d = ticker.read() + fb;
                    if (d - deadline < 0) { // else the request deadline comes first anyway
                        firstByteDeadline = d;
                        conn.deadline(d);
                    }
                }
                head = conn.readHead();
                headAt = ticker.read();
                if (log != null) {
                    log.upstreamHeaderNanos = headAt - attemptStart;
                }
                if (firstByteDeadline != 0) {
                    conn.deadline(deadline);
                }
                long length = head.contentLength();
                if (x.cache() == null && length >= 0 && length <= SMALL_BODY && head.hasBody(method == Method.HEAD)) {
                    // A small body is read whole before anything goes to the client, so it leaves with its head in one
                    // write (Helidon's streaming path costs a buffer and more per response); a failure here is still
                    // an upstream failure the client has not seen, handled below like one before the head.
                    smallLength = (int) length;
                    // on the lane, whose send copies the body into its answer before it returns, a body that came
                    // whole with the head is sent from the connection's read buffer (valid until its release, after
                    // the send); elsewhere (Helidon's writer may still hold the array after send) in an array of its own
                    smallAt = res instanceof io.headroom.router.lane.HeaderAppender ? conn.bufferedBody(smallLength) : -1;
                    if (smallAt >= 0) {
                        smallBody = conn.readBuffer();
                    } else {
                        smallBody = conn.readBody(smallLength);
                        smallAt = 0;
                    }
                }
                break;
            } catch (UpstreamConnection.ClientBodyException e) {
                conn.close();
                pool.release(backend);
                if (e.getCause() instanceof RequestException re) {
                    throw re; // Helidon's own verdict on the body (413 over max-request-body, 400 bad chunking)
                }
                if (e.getCause() instanceof io.helidon.http.HttpException he) {
                    throw he; // the same verdict over HTTP/2 (413 from its entity size limiter)
                }
                throw new UncheckedIOException(e);
            } catch (IOException e) {
                conn.close();
                if (conn.timedOut()) {
                    pool.timedOut(backend, ticker.read() - attemptStart);
                    if (firstByteDeadline != 0) {
                        return new Failure(Status.GATEWAY_TIMEOUT_504, "first_byte_timeout", backend.address()
                                + " sent no response within the first-byte timeout of " + pool.config().firstByteTimeout().toMillis()
                                + " ms", bytesIn, false, true);
                    }
                    return new Failure(Status.GATEWAY_TIMEOUT_504, "upstream_timeout",
                            backend.address() + " did not answer within the request timeout", bytesIn, false, true);
                }
                if (pooled && retryable && !fresh && !(e instanceof UpstreamConnection.BadResponseException)) {
                    fresh = true; // a stale keep-alive connection: retry once on a new one
                    continue;
                }
                boolean bad = e instanceof UpstreamConnection.BadResponseException;
                pool.failed(backend, (bad ? "bad response: " : "upstream failed: ") + e.getMessage(), ticker.read() - attemptStart);
                return new Failure(Status.BAD_GATEWAY_502, bad ? "bad_response" : "upstream_failed",
                        backend.address() + ": " + e.getMessage(), bytesIn, false, false);
            }
        }
        int status = head.status();
        pool.succeeded(backend, status, head.hasRetryAfter(), headAt - attemptStart, headAt);

        if (x.cache() != null && status == 304 && x.cache().revalidationEtag() != null) {
            // our own revalidation: the stored body is current; the client gets it (or its own 304)
            x.cache().refreshed(head, headAt);
            if (conn.reusableAfter(head, false)) {
                conn.release(ticker.read());
            } else {
                conn.close();
            }
            long sent = x.cache().answer(res, limitStrings(x.limits()), ticker.read());
            if (log != null) {
                log.bytesOut = sent;
                log.upstreamResponseNanos = headAt - attemptStart;
            }
            x.target().telemetry().response(backend, status, 0, 0, ticker.read() - start);
            return null;
        }

        // Phase 2: status and headers to the client, then stream the body.
        res.status(Status.create(status));
        // the trace header, set when the request came in, is ours: a same-named header of the backend's is not copied
        io.headroom.router.lane.HeaderAppender appender = null;
        if (res instanceof io.headroom.router.lane.HeaderAppender lane && x.cache() == null && !x.transform().touchesResponses()) {
            // the lane's answer: the backend's headers go to a list written as they are, past the header map
            appender = lane;
            appendResponseHeaders(head, lane, traceHeaderLower, x.limits() != null);
        } else {
            copyResponseHeaders(head, res, x.transform(), traceHeaderLower);
        }
        // the cache stores the backend's headers only: the trace id and a new affinity cookie belong to this request alone
        ResponseCache.Writer store = x.cache() == null ? null : x.cache().writer(status, res, headAt, traceHeader);
        if (x.setCookie() != null) {
            res.headers().add(HeaderNames.SET_COOKIE, x.setCookie());
        }
        if (traceHeader != null && x.transform().touchesResponses()) {
            // a response rename or set header of the route's may have written that name: ours wins
            if (res instanceof io.headroom.router.lane.HeaderAppender) {
                res.headers().remove(traceHeader); // ours is already a line of the lane's answer
            } else {
                res.headers().set(io.helidon.http.HeaderValues.create(traceHeader, traceHeaderFull ? x.trace().traceparent() : x.trace().traceId()));
            }
        }
        if (x.limits() != null) {
            // the decision's own header objects: encoded once per value, not per response
            if (appender != null) {
                appender.append(x.limits().rateLimitHeader()); // the backend's own were not appended (limited)
                appender.append(x.limits().policyHeader());
            } else {
                res.headers().set(x.limits().rateLimitHeader());
                res.headers().set(x.limits().policyHeader());
            }
        }
        boolean body = head.hasBody(method == Method.HEAD);
        long bytesOut = 0;
        try {
            if (smallBody != null) {
                res.send(smallBody, smallAt, smallLength);
                bytesOut = smallLength;
            } else if (body) {
                if (head.contentLength() >= 0) {
                    res.headers().set(HeaderNames.CONTENT_LENGTH, head.contentLength());
                }
                OutputStream out = res.outputStream();
                bytesOut = conn.transferBody(head, store == null ? out : store.tee(out));
                out.close();
                if (store != null) {
                    store.commit();
                }
            } else {
                if (method == Method.HEAD && head.contentLength() >= 0 && status >= 200 && status != 204) {
                    // a HEAD answer carries the length a GET would have had (RFC 9110 §9.3.2), not 0
                    res.headers().set(HeaderNames.CONTENT_LENGTH, head.contentLength());
                }
                res.send();
            }
        } catch (IOException | UncheckedIOException e) {
            // The response is committed: all we can do is cut the client connection so it sees a truncated body.
            conn.close();
            if (log != null) {
                log.bytesIn = bytesIn;
                log.bytesOut = bytesOut;
                log.upstreamResponseNanos = ticker.read() - attemptStart; // until the relay failed
            }
            x.target().telemetry().error(backend, bytesIn, bytesOut, ticker.read() - start);
            throw e instanceof UncheckedIOException u ? u : new UncheckedIOException((IOException) e);
        }
        long end = ticker.read(); // one reading for the pool, the log and telemetry
        if (conn.reusableAfter(head, body)) {
            conn.release(end);
        } else {
            conn.close();
        }
        if (log != null) {
            log.bytesIn = bytesIn;
            log.bytesOut = bytesOut;
            log.upstreamResponseNanos = end - attemptStart;
        }
        x.target().telemetry().response(backend, status, bytesIn, bytesOut, end - start);
        return null;
    }

    private static void sendError(ServerResponse res, Status status, String error, String detail) {
        res.status(status);
        res.header(CONTENT_TYPE, JSON);
        if (status.code() == 503) {
            // Our own 503s (no backend available, shedding) tell clients when to come back, as a backend would.
            res.headers().set(RETRY_AFTER, "1");
        }
        res.send(ErrorBody.json(error, detail));
    }

    // ---- request head ------------------------------------------------------------------------------------------------

    private static void writeHead(UpstreamConnection c, ServerRequest req, Exchange x, Method method, boolean hasBody,
                                  long contentLength, io.headroom.router.config.Forwarding fw) throws IOException {
        c.writeAscii(method.text());
        c.writeAscii(" ");
        c.writeAscii(x.upstreamPath());
        if (req.prologue().hasQuery()) {
            c.writeAscii("?");
            c.writeAscii(req.prologue().query().rawValue());
        }
        c.writeAscii(" HTTP/1.1\r\n");

        String[] connectionTokens = x.connection();
        String xff = null;
        String forwarded = null;
        String host = null;
        String tracestate = null;
        var headers = req.headers();
        if (headers instanceof io.headroom.router.lane.RawFields raw && x.cache() == null) {
            // the lane's request: the same copy from the bytes as they came, with no string made for a copied field
            for (int i = 0, n = raw.fieldCount(); i < n; i++) {
                int len = raw.nameEnd(i) - raw.nameStart(i);
                if (fw != io.headroom.router.config.Forwarding.APPEND && forwardingField(raw, i, len)) {
                    if (fw == io.headroom.router.config.Forwarding.OFF && !listedRaw(connectionTokens, raw, i)) {
                        copyField(c, raw, i, len); // passed as it came
                    }
                    continue; // REPLACE: dropped, this hop's written below
                }
                if (hopOrOurs(raw, i, len)) {
                    continue;
                }
                if (len == 15 && raw.nameIs(i, "x-forwarded-for")) {
                    xff = xff == null ? raw.value(i) : xff + ", " + raw.value(i);
                    continue;
                }
                if (len == 9 && raw.nameIs(i, "forwarded")) {
                    forwarded = forwarded == null ? raw.value(i) : forwarded + ", " + raw.value(i);
                    continue;
                }
                if (len == 10 && raw.nameIs(i, "tracestate")) {
                    tracestate = tracestate == null ? raw.value(i) : tracestate + ", " + raw.value(i);
                    continue;
                }
                if (len == 4 && raw.nameIs(i, "host")) {
                    host = raw.value(i);
                } else if (raw.nameStartsWith(i, "proxy-") || listedRaw(connectionTokens, raw, i)) {
                    continue;
                } else if (listedRaw(x.strip(), raw, i)) {
                    String renamed = x.transform().requestRename(lowerName(raw, i));
                    if (renamed != null) {
                        c.writeHeader(renamed, raw.value(i));
                    }
                    continue;
                }
                copyField(c, raw, i, len);
            }
        } else for (Header h : headers) {
            String lower = h.headerName().lowerCase();
            switch (lower) {
                case "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "content-length",
                     "expect" -> {
                    continue;
                }
                case "x-forwarded-proto", "x-forwarded-host" -> {
                    if (fw != io.headroom.router.config.Forwarding.OFF || listed(connectionTokens, lower)) {
                        continue;
                    }
                }
                case "x-forwarded-for" -> {
                    if (fw != io.headroom.router.config.Forwarding.OFF || listed(connectionTokens, lower)) {
                        xff = fw == io.headroom.router.config.Forwarding.APPEND ? h.values() : null;
                        continue;
                    }
                }
                case "forwarded" -> {
                    if (fw != io.headroom.router.config.Forwarding.OFF || listed(connectionTokens, lower)) {
                        forwarded = fw == io.headroom.router.config.Forwarding.APPEND ? h.values() : null;
                        continue;
                    }
                }
                case "traceparent" -> {
                    continue;
                }
                case "tracestate" -> {
                    tracestate = h.values();
                    continue;
                }
                case "host" -> host = h.get();
                default -> {
                    if (lower.startsWith("proxy-") || listed(connectionTokens, lower)
                            || (x.cache() != null && x.cache().dropsRequestHeader(lower))) {
                        continue;
                    }
                    if (listed(x.strip(), lower)) {
                        String renamed = x.transform().requestRename(lower);
                        if (renamed != null) {
                            List<String> values = h.allValues();
                            for (int i = 0; i < values.size(); i++) {
                                c.writeHeader(renamed, values.get(i));
                            }
                        }
                        continue;
                    }
                }
            }
            List<String> values = h.allValues();
            for (int i = 0; i < values.size(); i++) {
                c.writeHeader(h.name(), values.get(i));
            }
        }
        x.transform().requestExtras(x.identity(), x.certificate(), c::writeHeader);
        if (x.cache() != null && x.cache().revalidationEtag() != null) {
            c.writeHeader("If-None-Match", x.cache().revalidationEtag());
        }
        ClientStrings cs = CLIENT_STRINGS.get();
        boolean secure = req.isSecure();
        String client = cs.client(req.remotePeer().address());
        if (fw == io.headroom.router.config.Forwarding.OFF) {
            // the client's own went through unchanged; the router adds none
        } else if (xff == null && forwarded == null) {
            byte[] block = cs.forwardingLines(secure, host); // the same lines as below, kept per connection
            c.writeBytes(block, 0, block.length);
        } else {
            c.writeHeader("X-Forwarded-For", xff == null ? client : xff + ", " + client);
            c.writeHeader("X-Forwarded-Proto", secure ? "https" : "http");
            if (host != null) {
                c.writeHeader("X-Forwarded-Host", host);
            }
            String fwd = cs.forwarded(secure, host);
            c.writeHeader("Forwarded", forwarded == null ? fwd : forwarded + ", " + fwd);
        }
        byte[] tp = x.trace().traceparentBytes();
        c.writeBytes(TRACEPARENT_PREFIX, 0, TRACEPARENT_PREFIX.length);
        c.writeBytes(tp, 0, TraceContext.TRACEPARENT_LENGTH);
        c.writeCrlf();
        if (tracestate != null && x.trace().continued()) {
            c.writeHeader("tracestate", tracestate);
        }
        if (hasBody) {
            if (contentLength >= 0) {
                c.writeHeader("Content-Length", Long.toString(contentLength));
            } else {
                c.writeHeader("Transfer-Encoding", "chunked");
            }
        }
        c.writeCrlf();
    }

    /** Writes raw field {@code i} (name length {@code len}) as it came. */
    private static void copyField(UpstreamConnection c, io.headroom.router.lane.RawFields raw, int i, int len) throws IOException {
        byte[] b = raw.bytes();
        c.writeBytes(b, raw.nameStart(i), len);
        c.writeAscii(": ");
        c.writeBytes(b, raw.valueStart(i), raw.valueEnd(i) - raw.valueStart(i));
        c.writeCrlf();
    }

    /** Whether raw field {@code i} is {@code Forwarded} or one of the {@code X-Forwarded-*} the router writes. */
    private static boolean forwardingField(io.headroom.router.lane.RawFields raw, int i, int len) {
        return switch (len) {
            case 9 -> raw.nameIs(i, "forwarded");
            case 15 -> raw.nameIs(i, "x-forwarded-for");
            case 16 -> raw.nameIs(i, "x-forwarded-host");
            case 17 -> raw.nameIs(i, "x-forwarded-proto");
            default -> false;
        };
    }

    /**
     * For a raw field: whether its name is one the forwarding never copies as it is (hop-by-hop, framing, the
     * forwarding headers the router writes itself, {@code traceparent}); as the switch of the other copy.
     */
    private static boolean hopOrOurs(io.headroom.router.lane.RawFields raw, int i, int len) {
        return switch (len) {
            case 2 -> raw.nameIs(i, "te");
            case 6 -> raw.nameIs(i, "expect");
            case 7 -> raw.nameIs(i, "trailer") || raw.nameIs(i, "upgrade");
            case 10 -> raw.nameIs(i, "connection") || raw.nameIs(i, "keep-alive");
            case 11 -> raw.nameIs(i, "traceparent");
            case 14 -> raw.nameIs(i, "content-length");
            case 16 -> raw.nameIs(i, "x-forwarded-host");
            case 17 -> raw.nameIs(i, "transfer-encoding") || raw.nameIs(i, "x-forwarded-proto");
            default -> false;
        };
    }

    /** Whether field {@code i}'s name is one of {@code lowerNames} (null: none). */
    private static boolean listedRaw(String[] lowerNames, io.headroom.router.lane.RawFields raw, int i) {
        if (lowerNames == null) {
            return false;
        }
        for (String n : lowerNames) {
            if (raw.nameIs(i, n)) {
                return true;
            }
        }
        return false;
    }

    private static String lowerName(io.headroom.router.lane.RawFields raw, int i) {
        return new String(raw.bytes(), raw.nameStart(i), raw.nameEnd(i) - raw.nameStart(i),
                java.nio.charset.StandardCharsets.US_ASCII).toLowerCase(Locale.ROOT);
    }

    /**
     * The head of a copy of the request (a mirrored copy, or a cache's background revalidation): end-to-end headers
     * only, transformed as for the backend, {@code Host} marked {@code -shadow} when {@code shadow}.
     */
    private static Mirror.Copy copy(ServerRequest req, Method method, String upstreamPath, String[] strip, HeaderTransform transform,
                                    Identity identity, ClientCertificate certificate, boolean shadow) {
        String target = req.prologue().hasQuery() ? upstreamPath + "?" + req.prologue().query().rawValue() : upstreamPath;
        var headers = req.headers();
        String[] connectionTokens = headers.contains(HeaderNames.CONNECTION) ? tokens(headers.get(HeaderNames.CONNECTION).values()) : null;
        List<String> out = new ArrayList<>(headers.size() * 2 + 4);
        for (Header h : headers) {
            String lower = h.headerName().lowerCase();
            switch (lower) {
                case "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "content-length", "expect" -> {
                    continue;
                }
                case "host" -> {
                    out.add(h.name());
                    out.add(shadow ? shadowHost(h.get()) : h.get());
                    continue;
                }
                default -> {
                    if (lower.startsWith("proxy-") || listed(connectionTokens, lower)) {
                        continue;
                    }
                    if (listed(strip, lower)) {
                        String renamed = transform.requestRename(lower);
                        if (renamed != null) {
                            for (String v : h.allValues()) {
                                out.add(renamed);
                                out.add(v);
                            }
                        }
                        continue;
                    }
                }
            }
            List<String> values = h.allValues();
            for (int i = 0; i < values.size(); i++) {
                out.add(h.name());
                out.add(values.get(i));
            }
        }
        try {
            transform.requestExtras(identity, certificate, (n, v) -> {
                out.add(n);
                out.add(v);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a list does not throw
        }
        return new Mirror.Copy(method.text(), target, out.toArray(new String[0]));
    }

    /** {@code host:port} becomes {@code host-shadow:port} (Envoy's convention). */
    static String shadowHost(String host) {
        int colon = host.lastIndexOf(':');
        if (colon > 0 && host.indexOf(']') < colon) {
            return host.substring(0, colon) + "-shadow" + host.substring(colon);
        }
        return host + "-shadow";
    }

    /**
     * One thread's last client address as text and the {@code Forwarded} element built from it, so that the requests of
     * a kept-alive connection (one virtual thread in HTTP/1.1) do not format the same address and element again for
     * each request. Keyed by the peer's address object and compared by identity: Helidon keeps one per connection; any
     * other object is formatted afresh. Used by its one thread only.
     */
    static final class ClientStrings {
        private SocketAddress address;
        private String client;
        private String element;
        private boolean elementSecure;
        private String elementHost;
        /** The element {@link #lines} were made for: a new element (client, scheme or host changed) means new lines. */
        private String linesElement;
        private byte[] lines;

        /** The client's address as written in {@code X-Forwarded-For}. */
        String client(SocketAddress a) {
            if (client == null || a != address) {
                address = a;
                client = clientAddress(a);
                element = null;
            }
            return client;
        }

        /** This client's {@code Forwarded} element ({@code for=...;proto=...;host="..."}); after {@link #client}. */
        String forwarded(boolean secure, String host) {
            if (element == null || secure != elementSecure || !java.util.Objects.equals(host, elementHost)) {
                element = forwardedElement(client, secure, host);
                elementSecure = secure;
                elementHost = host;
            }
            return element;
        }

        /**
         * The four forwarding lines for a request that brought no {@code X-Forwarded-For} or {@code Forwarded} of its
         * own: {@code X-Forwarded-For}, {@code X-Forwarded-Proto}, {@code X-Forwarded-Host} (with a host) and
         * {@code Forwarded}, as bytes, made again only when the client, the scheme or the host changes; after
         * {@link #client}.
         */
        byte[] forwardingLines(boolean secure, String host) {
            String fwd = forwarded(secure, host);
            if (lines == null || linesElement != fwd) {
                String text = "X-Forwarded-For: " + client + "\r\nX-Forwarded-Proto: " + (secure ? "https" : "http") + "\r\n"
                        + (host == null ? "" : "X-Forwarded-Host: " + host + "\r\n") + "Forwarded: " + fwd + "\r\n";
                lines = text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
                linesElement = fwd;
            }
            return lines;
        }
    }

    /**
     * This hop's {@code Forwarded} element (RFC 7239): {@code for=} the client (an IPv6 address quoted in brackets),
     * {@code proto=} and, with a host, {@code host="..."}.
     */
    static String forwardedElement(String client, boolean secure, String host) {
        String node = client.indexOf(':') >= 0 ? "\"[" + client + "]\"" : client;
        return "for=" + node + ";proto=" + (secure ? "https" : "http") + (host == null ? "" : ";host=\"" + host + "\"");
    }

    private static String clientAddress(SocketAddress a) {
        if (a instanceof InetSocketAddress isa && isa.getAddress() != null) {
            return isa.getAddress().getHostAddress();
        }
        return "unknown";
    }

    private static String[] tokens(String connection) {
        String[] parts = connection.split(",");
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].strip().toLowerCase(Locale.ROOT);
        }
        return parts;
    }

    private static boolean listed(String[] tokens, String lower) {
        if (tokens == null) {
            return false;
        }
        for (String t : tokens) {
            if (t.equals(lower)) {
                return true;
            }
        }
        return false;
    }

    // ---- response head -----------------------------------------------------------------------------------------------

    /**
     * {@link #copyResponseHeaders} for an answer that takes headers as a list (the lane's), on a route without response
     * transforms or a cache: the same headers are dropped, and also a backend's {@code RateLimit} and
     * {@code RateLimit-Policy} when the router sets its own ({@code limited}), which the map would have replaced.
     */
    private static void appendResponseHeaders(ResponseHead head, io.headroom.router.lane.HeaderAppender out, String skip,
                                              boolean limited) {
        io.headroom.router.lane.HeaderLines lines = head.lines(skip, limited);
        if (lines == null) {
            // made once per parse: a backend repeating its head byte for byte has the same lines written again
            lines = head.newLines();
            boolean date = false;
            for (int i = 0; i < head.headerCount(); i++) {
                HeaderName name = head.headerName(i);
                String lower = name.lowerCase();
                if (notForwarded(head, lower, skip) || limited && (lower.equals("ratelimit") || lower.equals("ratelimit-policy"))) {
                    continue;
                }
                lines.add(name.defaultCase(), head.value(i));
                date |= lower.equals("date");
            }
            head.linesDone(skip, limited, date);
        }
        out.append(lines, head.linesHaveDate());
    }

    /**
     * Whether the backend's response header {@code lower} stays with the router: hop-by-hop (RFC 9110 §7.6.1, and the
     * names the response's {@code Connection} lists), framing the router redoes, or {@code skip}, the router's own.
     */
    private static boolean notForwarded(ResponseHead head, String lower, String skip) {
        return switch (lower) {
            case "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "content-length" -> true;
            default -> lower.startsWith("proxy-") || head.isConnectionToken(lower) || lower.equals(skip);
        };
    }

    /** @param skip a lower-case name not copied (the router's own trace header), or null */
    private static void copyResponseHeaders(ResponseHead head, ServerResponse res, HeaderTransform transform, String skip) {
        var out = res.headers();
        boolean transforms = transform.touchesResponses();
        for (int i = 0; i < head.headerCount(); i++) {
            HeaderName name = head.headerName(i);
            String lower = name.lowerCase();
            if (notForwarded(head, lower, skip)) {
                continue;
            }
            if (transforms && transform.responseDrops(lower)) {
                String renamed = transform.responseRename(lower);
                if (renamed != null) {
                    out.add(HeaderNames.create(renamed), head.value(i));
                }
                continue;
            }
            Header cached = head.header(i);
            if (cached != null) {
                out.add(cached); // immutable, kept by the connection: stored as is, written from its encoded bytes
            } else {
                out.add(name, head.value(i));
            }
        }
        if (transforms) {
            try {
                transform.responseExtras((n, v) -> out.set(HeaderNames.create(n), v));
            } catch (IOException e) {
                throw new UncheckedIOException(e); // setting response headers does not throw
            }
        }
    }
}
