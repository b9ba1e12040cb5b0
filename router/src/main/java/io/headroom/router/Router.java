package io.headroom.router;

import io.headroom.router.auth.Authenticator;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.limit.QuotaLeases;
import io.headroom.router.limit.RateLimiter;
import io.headroom.router.limit.RouteLimiter;
import io.headroom.router.config.PoolConfig;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.control.ControlPlanStore;
import io.headroom.router.control.MemberStatus;
import io.headroom.router.control.PoolState;
import io.headroom.router.health.HealthChecker;
import io.headroom.router.control.PoolSnapshot;
import io.headroom.router.proxy.ProxyHandler;
import io.headroom.router.proxy.Route;
import io.headroom.router.proxy.RoutePolicy;
import io.headroom.router.route.Mirror;
import io.headroom.router.route.PathRewriter;
import io.headroom.router.route.RouteMatcher;
import io.headroom.router.route.TrafficSplit;
import io.headroom.router.proxy.RouteTable;
import io.headroom.router.telemetry.TelemetryAggregator;
import io.headroom.router.telemetry.TelemetrySink;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.Ticker;
import io.headroom.router.log.AccessLog;
import io.headroom.router.trace.SpanSink;
import io.headroom.router.trace.TracingConfig;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http1.Http1Config;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;

/**
 * The L7 gateway: a Helidon WebServer (one virtual thread per request) in front of the reverse proxy, with per-second
 * telemetry and control-plan driven pools.
 *
 * <pre>
 * Router r = Router.create(RouterConfig.from(root), instanceId, sink, Clock.systemUTC());
 * int port = r.start();             // listen port 0 picks a free port
 * r.controlPlans().apply(plan);     // or ControlPlanSubscriber.start(clients, topics.control(), r.controlPlans())
 * r.stop();
 * </pre>
 *
 * There is deliberately no health or admin path on the proxy port (it would shadow user paths); read state through
 * {@link #pools()}, {@link #controlPlans()} and {@link #telemetry()}.
 */
public final class Router implements AutoCloseable {
    private static final java.util.logging.Logger LOG = java.util.logging.Logger.getLogger(Router.class.getName());

    /**
     * Everything a reload replaces, swapped as one immutable value: a request reads it once and runs to its end on the
     * generation it started with.
     */
    private record Generation(RouterConfig config, RouteTable routes, ProxyHandler handler, Authenticator authenticator,
                              RateLimiter limiter, Map<String, RouteLimiter> routeLimiters, Map<String, HealthChecker> checkers,
                              io.headroom.router.tls.ClientCertificates clientCertificates) {
    }

    private final Clock clock;
    private final Watchdog watchdog;
    private final ControlPlanStore store;
    private final TelemetryAggregator telemetry;
    private final QuotaLeases leases;
    private final io.headroom.router.limit.QuotaAllowances allowances;
    private final LongSupplier traceIds;
    private long seed;
    private volatile Generation current;
    private long reloads;
    private final io.headroom.router.analytics.UsageAnalytics usage;
    private AccessLog accessLog;
    private io.headroom.router.proxy.HeaderReadDeadline headerDeadline;
    private WebServer server;
    /** The listener's certificate, watched for rotation; null without {@code router.tls} or before start. */
    private io.headroom.router.tls.CertificateReloader certificates;
    /** The listener's HTTP/1.1 lane, or null when off. */
    private io.headroom.router.lane.LaneSelector lane;
    private final TracingConfig tracing;
    private final SpanSink spans;
    /** HTTP/2 channels of the gRPC routes, one per (pool, channel settings, member); closed at stop. */
    private final io.headroom.router.grpc.GrpcChannels grpcChannels = new io.headroom.router.grpc.GrpcChannels();

    private Router(RouterConfig config, String instanceId, TelemetrySink sink, Clock clock, LongSupplier traceIds,
                   TracingConfig tracing, SpanSink spans) {
        Objects.requireNonNull(config, "config");
        this.tracing = tracing;
        this.spans = spans;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.traceIds = traceIds;
        this.watchdog = Watchdog.startSystem();
        this.store = new ControlPlanStore(config.pools(), watchdog, clock);
        this.telemetry = new TelemetryAggregator(instanceId, sink, clock, 1000);
        this.leases = new QuotaLeases(instanceId);
        store.onPlansChanged(leases::update);
        this.allowances = new io.headroom.router.limit.QuotaAllowances(instanceId);
        store.onPlansChanged(allowances::update);
        this.seed = System.nanoTime();
        this.accessLog = AccessLog.open(config.accessLog());
        this.usage = new io.headroom.router.analytics.UsageAnalytics(clock, config.rateLimits().quotas().zone());
        this.current = generation(config, null, store::pool, store.pools().keySet());
        telemetry.consumerTopK(config.rateLimits().telemetryTopK());
        // Consumers of cluster-wide quotas are sent in full, beyond the top K: the predictor counts them exactly.
        store.onPlansChanged(plans -> pinTelemetry());
    }

    /** Pins in telemetry the consumers with allowances and those with quotas of their own in the configuration. */
    private void pinTelemetry() {
        Generation g = current;
        java.util.Set<String> pins = new java.util.HashSet<>(allowances.consumers());
        if (g != null) {
            pins.addAll(g.config().rateLimits().quotas().consumers().keySet());
        }
        telemetry.pinConsumers(pins);
    }

    /**
     * Builds a generation for {@code config} whose pools come from {@code pools}; reuses from {@code previous} (null at
     * start) the authenticator, the shared rate limiter and each route's limiter when their configuration is unchanged,
     * so keys, JWKS caches and limiter state survive a reload. Starts nothing.
     */
    private Generation generation(RouterConfig config, Generation previous, java.util.function.Function<String, PoolState> pools,
                                  java.util.Set<String> changedPools) {
        Authenticator authenticator = previous != null && previous.config().auth().equals(config.auth()) ? previous.authenticator()
                : new Authenticator(config.auth(), clock, Ticker.system());
        RateLimiter limiter = previous != null && previous.config().rateLimits().equals(config.rateLimits()) ? previous.limiter()
                : new RateLimiter(config.rateLimits(), leases, allowances, Ticker.system(), clock, previous == null ? null : previous.limiter());
        io.headroom.router.config.TlsConfig.ClientCertificates client = config.tls() == null ? null : config.tls().client();
        io.headroom.router.tls.ClientCertificates clientCertificates = client == null ? null
                : previous != null && previous.clientCertificates() != null && previous.clientCertificates().config().equals(client)
                ? previous.clientCertificates() : new io.headroom.router.tls.ClientCertificates(client);
        if (clientCertificates != null && certificates != null && (previous == null || clientCertificates != previous.clientCertificates())) {
            clientCertificates.serverCertificate(certificates.leaf()); // By of X-Forwarded-Client-Cert
        }
        Map<String, RouteConfig> before = new java.util.HashMap<>();
        if (previous != null) {
            previous.config().routes().forEach(rc -> before.put(rc.name(), rc));
        }
        List<Route> rs = new ArrayList<>();
        Map<String, RouteLimiter> routeLimiters = new java.util.HashMap<>();
        // gRPC routes with reflection: descriptors fetched from their pools now, once per pool and services
        io.headroom.router.grpc.DescriptorReflection reflection = new io.headroom.router.grpc.DescriptorReflection(Ticker.system());
        int order = 0;
        for (RouteConfig rc : config.routes()) {
            RouteConfig old = before.get(rc.name());
            RouteLimiter rl = limiter == (previous == null ? null : previous.limiter()) && old != null
                    && old.limits().equals(rc.limits()) ? previous.routeLimiters().get(rc.name()) : null;
            if (rl == null) {
                // counts in the current windows carry over a reload: changing one quota resets no one's
                rl = limiter.forRoute(rc.limits(), previous == null ? null : previous.routeLimiters().get(rc.name()));
            }
            routeLimiters.put(rc.name(), rl);
            io.headroom.router.grpc.GrpcRouteSpec grpc = rc.grpc();
            if (grpc != null && !grpc.resolved()) {
                grpc = reflection.resolve(rc.name(), grpc, pools.apply(rc.pool()), servingGrpc(previous, old, rc));
            }
            rs.add(route(rc, grpc, order++, seed + 7919L * order, pools, authenticator, rl, config.auth().identityHeaders(), client));
        }
        RouteTable routes = new RouteTable(rs);
        ProxyHandler handler = new ProxyHandler(routes, Ticker.system(), seed, accessLog, traceIds, tracing, spans, usage, clientCertificates,
                config.forwarding());
        Map<String, HealthChecker> checkers = new java.util.LinkedHashMap<>();
        for (PoolConfig pc : config.pools().values()) {
            HealthChecker kept = previous == null || changedPools.contains(pc.name()) ? null : previous.checkers().get(pc.name());
            if (kept != null) {
                checkers.put(pc.name(), kept);
            } else if (pc.health() != null) {
                checkers.put(pc.name(), new HealthChecker(pc.name(), pools.apply(pc.name()), pc.health(), store, seed++));
            }
        }
        return new Generation(config, routes, handler, authenticator, limiter, Map.copyOf(routeLimiters), checkers, clientCertificates);
    }

    /** The {@code grpc:} block route {@code rc} is serving with now (descriptors resolved), when its pool is unchanged; else null. */
    private static io.headroom.router.grpc.GrpcRouteSpec servingGrpc(Generation previous, RouteConfig old, RouteConfig rc) {
        if (previous == null || old == null || !old.pool().equals(rc.pool())) {
            return null;
        }
        for (Route r : previous.routes().routes()) {
            if (r.name().equals(rc.name()) && r.policy().grpc() != null) {
                return r.policy().grpc().spec();
            }
        }
        return null;
    }

    /** @param grpc the route's {@code grpc:} block with its descriptors, or null */
    private Route route(RouteConfig rc, io.headroom.router.grpc.GrpcRouteSpec grpc, int order, long seed,
                        java.util.function.Function<String, PoolState> pools,
                        Authenticator authenticator, RouteLimiter limits,
                        io.headroom.router.config.AuthConfig.IdentityHeaders identityHeaders,
                        io.headroom.router.config.TlsConfig.ClientCertificates client) {
        RouteMatcher matcher = new RouteMatcher(rc, order);
        Route.Target primary = new Route.Target(pools.apply(rc.pool()), telemetry.route(rc.name(), rc.pool()));
        TrafficSplit<Route.Target> split = null;
        if (!rc.split().isEmpty()) {
            List<Route.Target> targets = new ArrayList<>();
            double[] weights = new double[rc.split().size()];
            for (int i = 0; i < weights.length; i++) {
                RouteConfig.WeightedPool w = rc.split().get(i);
                targets.add(w.pool().equals(rc.pool()) ? primary
                        : new Route.Target(pools.apply(w.pool()), telemetry.route(rc.name(), w.pool())));
                weights[i] = w.weight();
            }
            split = new TrafficSplit<>(targets, weights, seed);
        }
        Mirror mirror = null;
        if (rc.mirror() != null) {
            mirror = new Mirror(pools.apply(rc.mirror().pool()), rc.mirror().percent(), rc.mirror().maxInFlight(), Ticker.system(),
                    seed + 1);
        }
        RoutePolicy policy = RoutePolicy.of(rc, authenticator, limits, identityHeaders, client);
        if (rc.aggregate() != null) {
            policy = policy.withAggregator(new io.headroom.router.aggregate.Aggregator(rc, matcher, pools::apply,
                    p -> telemetry.route(rc.name(), p), Ticker.system()));
        }
        if (grpc != null) {
            List<PoolState> grpcPools = rc.pools().stream().map(pools).toList();
            policy = policy.withGrpc(new io.headroom.router.grpc.GrpcRoute(rc.name(), grpc, grpcPools, grpcChannels, Ticker.system()));
        }
        return new Route(rc.name(), matcher, new PathRewriter(matcher, rc.rewrite()), primary, split, mirror, policy);
    }

    /**
     * What a {@link #reload} changed.
     *
     * @param generation  reloads applied so far, this one included
     * @param poolsAdded   pools that did not exist before
     * @param poolsChanged pools whose configuration changed (their backends keep state where the address is unchanged)
     * @param poolsRemoved pools no longer configured
     * @param routesAdded  routes that did not exist before
     * @param routesRemoved routes no longer configured
     * @param drained      backends no longer in any pool: in-flight requests finish, then their connections close
     * @param needsRestart settings that differ but only apply at start ({@code listen}, HTTP limits, {@code access-log},
     *                     {@code tls} added or removed, {@code tls.client-auth} changed), kept as they were
     */
    public record Reload(long generation, List<String> poolsAdded, List<String> poolsChanged, List<String> poolsRemoved,
                         List<String> routesAdded, List<String> routesRemoved, List<String> drained, List<String> needsRestart) {
    }

    /**
     * Hot reload: replaces pools, backends, routes, auth and rate limits with those of {@code next} as one atomic swap.
     * {@code next} has been validated in full by its parser ({@link RouterConfig#from}); everything it needs is built
     * before anything is swapped, so a failure here leaves the old configuration serving. Requests in flight finish on
     * the configuration they started with; a pool whose configuration is unchanged keeps its state object as is, and a
     * changed one keeps its backends' health, ejections and keep-alive connections where the address stays. Backends
     * no longer in any pool drain: new requests stop going to them at once, and their connections close after the
     * longest request timeout. Plans from the control plane stay in force across a reload. With {@code router.tls}, the
     * certificate files are read again (rotated files go in service for new connections; a bad pair is logged and the
     * certificate in service stays), and files named anew are checked before anything changes.
     *
     * @throws IllegalArgumentException (before anything changed) when the new configuration cannot be put in service
     */
    public synchronized Reload reload(RouterConfig next) {
        Objects.requireNonNull(next, "next");
        Generation prev = current;
        RouterConfig old = prev.config();
        List<String> needsRestart = new ArrayList<>();
        if (!old.listen().equals(next.listen())) {
            needsRestart.add("listen");
        }
        if (!old.limits().equals(next.limits())) {
            needsRestart.add("max-request-body/max-header-size/max-request-line/client-idle-timeout/header-read-timeout/lane");
        }
        if (!old.accessLog().equals(next.accessLog())) {
            needsRestart.add("access-log");
        }
        // TLS: plain to TLS or back needs a new listener; other files, or the same ones rotated, are reloaded in place
        io.headroom.router.config.TlsConfig tls = old.tls();
        io.headroom.router.tls.CertificateReloader.Prepared tlsFiles = null;
        if ((old.tls() == null) != (next.tls() == null)) {
            needsRestart.add("tls");
        } else if (next.tls() != null && clientAuth(old.tls()) != clientAuth(next.tls())) {
            // asking for client certificates or not is set on the listener's SSL parameters at start
            needsRestart.add("tls.client-auth");
        } else if (next.tls() != null) {
            tls = next.tls();
            if (certificates != null && !certificates.config().equals(next.tls())) {
                try {
                    tlsFiles = certificates.prepare(next.tls());
                } catch (io.headroom.router.tls.BadTlsFileException e) {
                    throw new IllegalArgumentException("router.tls: " + e.getMessage(), e);
                }
            }
        }
        RouterConfig effective = new RouterConfig(old.listen(), next.pools(), next.routes(), next.auth(), next.rateLimits(),
                old.accessLog(), old.limits(), tls, next.forwarding());
        ControlPlanStore.Prepared prepared = store.prepare(effective.pools());
        java.util.Set<String> changed = prepared.changed();
        Generation gen;
        try {
            gen = generation(effective, prev, prepared::pool, changed);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the new router configuration cannot be put in service: " + e.getMessage(), e);
        }
        // the swap: pools for the control plane and the admin API, then the routes that requests read
        ControlPlanStore.Retired retired = store.commit(prepared);
        current = gen;
        retainGrpcChannels(gen);
        telemetry.consumerTopK(effective.rateLimits().telemetryTopK());
        pinTelemetry();
        reloads++;
        if (tlsFiles != null) {
            try {
                certificates.commit(tlsFiles);
            } catch (RuntimeException e) {
                // checked before the swap; only the listener itself could refuse them now: keep serving the old ones
                LOG.log(java.util.logging.Level.WARNING, "router.tls: the listener refused the certificate from "
                        + tlsFiles.config().certificate() + "; the certificate in service stays", e);
            }
        } else if (certificates != null) {
            certificates.check(); // a reload (SIGHUP, the admin API) also picks up rotated files; a bad pair is logged
        }
        boolean running = server != null;
        if (running) {
            if (gen.authenticator() != prev.authenticator() && gen.config().auth().apiKeys() != null
                    && gen.config().auth().apiKeys().file() != null) {
                gen.authenticator().start(gen.config().auth().apiKeys().reloadInterval());
            }
            for (HealthChecker c : gen.checkers().values()) {
                c.start();
            }
        }
        for (Map.Entry<String, HealthChecker> e : prev.checkers().entrySet()) {
            if (gen.checkers().get(e.getKey()) != e.getValue()) {
                e.getValue().close();
            }
        }
        if (gen.authenticator() != prev.authenticator()) {
            prev.authenticator().close();
        }
        long drainMillis = 1_000;
        for (PoolState p : retired.pools()) {
            drainMillis = Math.max(drainMillis, p.config().requestTimeout().toMillis() + 1_000);
        }
        drain(retired, drainMillis);
        List<String> drained = retired.backends().stream().map(io.headroom.router.upstream.Backend::address).toList();
        java.util.Set<String> oldRoutes = new java.util.LinkedHashSet<>();
        old.routes().forEach(r -> oldRoutes.add(r.name()));
        java.util.Set<String> newRoutes = new java.util.LinkedHashSet<>();
        next.routes().forEach(r -> newRoutes.add(r.name()));
        Reload r = new Reload(reloads,
                next.pools().keySet().stream().filter(p -> !old.pools().containsKey(p)).toList(),
                changed.stream().filter(old.pools()::containsKey).toList(),
                old.pools().keySet().stream().filter(p -> !next.pools().containsKey(p)).toList(),
                newRoutes.stream().filter(n -> !oldRoutes.contains(n)).toList(),
                oldRoutes.stream().filter(n -> !newRoutes.contains(n)).toList(),
                drained, List.copyOf(needsRestart));
        LOG.info("router configuration reloaded: " + r);
        return r;
    }

    private static io.headroom.router.config.TlsConfig.ClientAuth clientAuth(io.headroom.router.config.TlsConfig t) {
        return t.client() == null ? null : t.client().auth();
    }

    /** Shuts down the gRPC channels no route of {@code gen} uses (in-flight calls on them finish). */
    private void retainGrpcChannels(Generation gen) {
        java.util.Set<io.headroom.router.grpc.GrpcChannels.PoolChannels> used = new java.util.HashSet<>();
        for (Route r : gen.routes().routes()) {
            if (r.policy().grpc() != null) {
                used.addAll(r.policy().grpc().channels());
            }
        }
        grpcChannels.retain(used);
    }

    /** The gRPC routes' channels to their members (open channels, for tests and the admin view). */
    public io.headroom.router.grpc.GrpcChannels grpcChannels() {
        return grpcChannels;
    }

    /**
     * Closes the idle connections of retired backends now and once more after {@code afterMillis}, when the requests
     * that were on them when the reload happened have ended (their pools' request timeouts bound that).
     */
    private void drain(ControlPlanStore.Retired retired, long afterMillis) {
        if (retired.backends().isEmpty()) {
            return;
        }
        retired.backends().forEach(b -> b.connections().closeIdle());
        Thread.ofVirtual().name("headroom-reload-drain").start(() -> {
            try {
                Thread.sleep(afterMillis);
            } catch (InterruptedException e) {
                return;
            }
            retired.backends().forEach(b -> b.connections().closeIdle());
        });
    }

    /** The routes, most specific first (the order they are tried in). */
    public List<Route> routes() {
        return current.routes().routes();
    }

    /**
     * Builds a router; nothing listens until {@link #start()}.
     *
     * @param config     the {@code router:} section ({@link RouterConfig#from} or {@link RouterConfig#quick})
     * @param instanceId this instance's id in telemetry windows
     * @param sink       where closed 1-s windows go ({@code KafkaTelemetrySink}, or {@link TelemetrySink#DISCARD})
     * @param clock      wall clock for windows and plan expiry
     */
    public static Router create(RouterConfig config, String instanceId, TelemetrySink sink, Clock clock) {
        // ThreadLocalRandom: no state shared between request threads; trace ids need uniqueness, not secrecy
        return create(config, instanceId, sink, clock, TracingConfig.DEFAULT, null);
    }

    /**
     * As {@link #create(RouterConfig, String, TelemetrySink, Clock)}, with the {@code tracing:} settings and, when span
     * export is configured, the sink finished requests go to (null: none).
     */
    public static Router create(RouterConfig config, String instanceId, TelemetrySink sink, Clock clock, TracingConfig tracing,
                                SpanSink spans) {
        // ThreadLocalRandom: no state shared between request threads; trace ids need uniqueness, not secrecy
        return new Router(config, instanceId, sink, clock, () -> ThreadLocalRandom.current().nextLong(),
                Objects.requireNonNull(tracing, "tracing"), spans);
    }

    /** As {@link #create(RouterConfig, String, TelemetrySink, Clock)}, with new trace and span ids from {@code traceIds}. */
    public static Router create(RouterConfig config, String instanceId, TelemetrySink sink, Clock clock, LongSupplier traceIds) {
        return new Router(config, instanceId, sink, clock, Objects.requireNonNull(traceIds, "traceIds"), TracingConfig.DEFAULT, null);
    }

    /**
     * The router's own HTTP/1.1 lane in front of Helidon's HTTP/1.1 selector (docs/router.md, "The lane"), unless
     * {@code router.lane} is off or the listener terminates TLS; else Helidon's selector alone.
     */
    private io.helidon.webserver.spi.ServerConnectionSelector lane(RouterConfig config, io.helidon.webserver.http.Handler proxy,
                                                                 io.helidon.webserver.spi.ServerConnectionSelector http1) {
        if (!config.limits().laneOn() || config.tls() != null) {
            lane = null;
            return http1;
        }
        lane = new io.headroom.router.lane.LaneSelector(http1, proxy, config.limits().maxRequestLine(), config.limits().maxHeaderSize());
        LOG.log(java.util.logging.Level.FINE, lane.nativeSockets() ? "HTTP/1.1 lane: client sockets read and written with recv/send"
                : "HTTP/1.1 lane: client sockets read and written the JDK's way (" + lane.nativeSocketsOff() + ")");
        return lane;
    }

    /** The HTTP/1.1 lane of the running listener, or null when it is off (tests, the admin API's counters). */
    public synchronized io.headroom.router.lane.LaneSelector lane() {
        return lane;
    }

    /** Binds the listener, starts the window closer and the plan expiry timer; returns the bound port. */
    public synchronized int start() {
        if (server != null) {
            return server.port();
        }
        RouterConfig config = current.config();
        if (config.tls() != null) {
            try {
                certificates = new io.headroom.router.tls.CertificateReloader(config.tls(), clock);
            } catch (io.headroom.router.tls.BadTlsFileException e) {
                throw new IllegalStateException("router.tls: " + e.getMessage(), e);
            }
        }
        Http1Config.Builder http1 = Http1Config.builder()
                .maxHeadersSize(config.limits().maxHeaderSize())
                .maxPrologueLength(config.limits().maxRequestLine())
                // Requests stay validated by Helidon (hostile input). Responses are validated where their headers come
                // from: a backend's by UpstreamConnection (token names, no control characters in values), configured
                // ones by the config parser, the router's own are generated ASCII; Helidon would check every header
                // of every response again (a toCharArray and a scan each; docs/router.md, "Performance")
                .validateResponseHeaders(false)
                // The request path and Host checks are RequestChecks' (a receive listener, below): the same answers,
                // a scan instead of URI.create and a regular expression for the common request
                .validatePath(false)
                .validateRequestHostHeader(false);
        if (!config.limits().headerReadTimeout().isZero()) {
            headerDeadline = new io.headroom.router.proxy.HeaderReadDeadline(config.limits().headerReadTimeout());
        }
        // one receive listener: Helidon 4.5.0 calls no method of a list of them (RequestChecks' javadoc)
        http1.addReceiveListener(new io.headroom.router.proxy.RequestChecks(headerDeadline));
        Http1Config http1Config = http1.build();
        if (!(http1Config.compositeReceiveListener() instanceof io.headroom.router.proxy.RequestChecks)) {
            // another receive listener (Helidon's receive log...) would make a list, whose methods Helidon never calls:
            // the path and Host checks would be silently off
            throw new IllegalStateException("the HTTP/1.1 codec must have RequestChecks as its only receive listener, has "
                    + http1Config.compositeReceiveListener().getClass().getName());
        }
        // one volatile read a request: a reload swaps the whole generation at once; the same on both HTTP/1.1 paths
        io.helidon.webserver.http.Handler proxy = (req, res) -> current.handler().handle(req, res);
        server = WebServer.builder()
                .host(config.listen().host())
                .port(config.listen().port())
                .featuresDiscoverServices(false) // no observe/health endpoints on the proxy port
                .shutdownHook(false)
                // hostile-input limits, enforced by Helidon's HTTP/1.1 codec before the proxy runs (docs/router.md)
                .maxPayloadSize(config.limits().maxRequestBody())
                // gRPC answers are several small HTTP/2 frames (HEADERS, DATA, trailers); with Nagle on, the later ones wait
                // for the client's delayed ACK: about 40 ms a call (docs/grpc.md). Only with gRPC routes, so the HTTP/1.1
                // proxy's measured path stays as it was
                .connectionOptions(o -> o.tcpNoDelay(config.routes().stream().anyMatch(rc -> rc.grpc() != null)))
                // SO_TIMEOUT does not apply to Helidon's channel reads; its idle-connection sweep closes a connection
                // that has been silent this long (slow headers or bodies, idle keep-alive), checked every half of it
                .idleConnectionTimeout(config.limits().clientIdleTimeout())
                .idleConnectionPeriod(config.limits().clientIdleTimeout().dividedBy(2))
                // pass the codec's (safe) message to CodecErrors, which needs it to tell oversized headers apart
                .errorHandling(e -> e.includeEntity(true))
                .directHandlers(d -> d.addHandler(io.helidon.http.DirectHandler.EventType.BAD_REQUEST,
                        new io.headroom.router.proxy.CodecErrors())
                        .addHandler(io.helidon.http.DirectHandler.EventType.INTERNAL_ERROR, new io.headroom.router.proxy.CodecErrors()))
                // HTTP/1.1 with WebSocket passthrough: Helidon hands Upgrade: websocket requests to the tunnel first,
                // and Upgrade: h2c to HTTP/2; HTTP/2 with prior knowledge (h2c) or by ALPN over TLS (h2). Only these
                // two selectors: none discovered from the class path
                .tls(certificates == null ? io.helidon.common.tls.Tls.builder().enabled(false).build() : certificates.tls())
                .protocolsDiscoverServices(false)
                // HTTP/1.0 clients: a connection whose first line says HTTP/1.0 goes through a translation to Helidon's
                // HTTP/1.1 code (docs/router.md, "HTTP/1.0 clients"); all others to the HTTP/1.1 selector as they are
                .addConnectionSelector(lane(config, proxy, new io.headroom.router.proxy.Http10Selector(
                        io.helidon.webserver.http1.Http1ConnectionSelector.builder().config(http1Config)
                                .addUpgrader(new io.headroom.router.proxy.UpgradeTunnel(() -> current.routes(), () -> current.clientCertificates(),
                                        () -> current.config().forwarding(), "websocket"))
                                .addUpgrader(io.helidon.webserver.http2.Http2Upgrader.create(http2(config))).build(),
                        io.helidon.webserver.http1.Http1ConnectionSelector.builder().config(http1Config).build(),
                        config.limits().maxRequestLine() + config.limits().maxHeaderSize())))
                .addConnectionSelector(new io.headroom.router.proxy.Http2PrefaceSelector(
                        io.helidon.webserver.http2.Http2ConnectionSelector.builder().http2Config(http2(config)).build()))
                .routing(r -> r.any(proxy))
                .build()
                .start();
        if (certificates != null) {
            WebServer listening = server;
            certificates.attach(listening::reloadTls);
            certificates.onCertificate(leaf -> {
                io.headroom.router.tls.ClientCertificates cc = current.clientCertificates();
                if (cc != null) {
                    cc.serverCertificate(leaf);
                }
            });
            certificates.start();
        }
        telemetry.start();
        store.startExpiryTimer(Duration.ofMillis(250));
        Generation g = current;
        if (g.config().auth().apiKeys() != null && g.config().auth().apiKeys().file() != null) {
            g.authenticator().start(g.config().auth().apiKeys().reloadInterval());
        }
        g.checkers().values().forEach(HealthChecker::start);
        return server.port();
    }

    /** HTTP/2 from clients, with the header limit of HTTP/1.1 (docs/router.md, "HTTP/2"). */
    private static io.helidon.webserver.http2.Http2Config http2(RouterConfig config) {
        return io.helidon.webserver.http2.Http2Config.builder()
                .maxHeaderListSize(config.limits().maxHeaderSize())
                .build();
    }

    /** The bound port, or -1 before {@link #start()}. */
    public synchronized int port() {
        return server == null ? -1 : server.port();
    }

    /** Stops listening, the timers and the watchdog, and closes upstream connections. */
    public synchronized void stop() {
        if (server != null) {
            server.stop();
            server = null;
        }
        if (certificates != null) {
            certificates.close();
            certificates = null;
        }
        telemetry.close();
        Generation g = current;
        g.authenticator().close();
        g.checkers().values().forEach(HealthChecker::close);
        store.close();
        for (var p : store.pools().values()) {
            p.backends().closeIdle();
        }
        grpcChannels.close();
        watchdog.close();
        for (var p : store.pools().values()) {
            p.backends().closeIdle(); // any given back since the first pass (aborted by the watchdog: closed here)
        }
        if (headerDeadline != null) {
            headerDeadline.close();
            headerDeadline = null;
        }
        if (accessLog != null) {
            accessLog.close();
            accessLog = null;
        }
    }

    /**
     * The listener's certificate (what is in service, reloads, the last refused file), or null without
     * {@code router.tls} or before {@link #start()}. {@code certificates().check()} reads the files now.
     */
    public synchronized io.headroom.router.tls.CertificateReloader certificates() {
        return certificates;
    }

    /** The JSON access log, or null when {@code router.access-log.enabled} is false. */
    public AccessLog accessLog() {
        return accessLog;
    }

    @Override
    public void close() {
        stop();
    }

    /** The configuration in service (after a {@link #reload}, the reloaded one, with start-only settings as at start). */
    public RouterConfig config() {
        return current.config();
    }

    /** Reloads applied since start. */
    public synchronized long reloads() {
        return reloads;
    }

    public Clock clock() {
        return clock;
    }

    /** Where control plans go in; also holds each pool's state. */
    public ControlPlanStore controlPlans() {
        return store;
    }

    /** The window aggregator (its instance id, and {@code closeWindow} for tests). */
    public TelemetryAggregator telemetry() {
        return telemetry;
    }

    /** Current snapshot of every pool: members, effective weights, plan epochs in effect. */
    public Map<String, PoolSnapshot> pools() {
        return store.snapshots();
    }

    /**
     * Health, ejection and circuit-breaker state of every member of {@code pool} (what an admin API shows); empty for
     * an unknown pool.
     */
    public List<MemberStatus> memberStates(String pool) {
        return store.memberStates(pool);
    }

    /**
     * The adaptive concurrency limit of {@code pool} now (limit, requests in flight, 503s sent, RTTs), or empty when the
     * pool is unknown or has no {@code concurrency-limit}.
     */
    public java.util.Optional<io.headroom.router.resilience.ConcurrencyLimiter.Status> concurrency(String pool) {
        PoolState p = store.pool(pool);
        return p == null || p.concurrencyLimiter() == null ? java.util.Optional.empty()
                : java.util.Optional.of(p.concurrencyLimiter().status());
    }

    /** API keys and JWT issuers (for tests and the admin API: key reloads, JWKS fetch counts). */
    public Authenticator authenticator() {
        return current.authenticator();
    }

    /**
     * Usage per consumer and route by day and month (the admin API's billing view), in the quota time zone
     * ({@code router.rate-limits.quotas.time-zone}, UTC by default).
     */
    public io.headroom.router.analytics.UsageAnalytics usage() {
        return usage;
    }

    /** This instance's allowances of cluster-wide calendar quotas from the control plans. */
    public io.headroom.router.limit.QuotaAllowances quotaAllowances() {
        return allowances;
    }

    /** This instance's quota leases from the control plans. */
    public QuotaLeases quotaLeases() {
        return leases;
    }

    /** Upstream connection accounting (open connections). */
    public Watchdog upstreams() {
        return watchdog;
    }
}
