package io.headroom.router;

import io.headroom.router.auth.Authenticator;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.limit.QuotaLeases;
import io.headroom.router.limit.RateLimiter;
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
    private final RouterConfig config;
    private final Clock clock;
    private final Watchdog watchdog;
    private final ControlPlanStore store;
    private final TelemetryAggregator telemetry;
    private final RouteTable routes;
    private final ProxyHandler handler;
    private final List<HealthChecker> checkers = new ArrayList<>();
    private final Authenticator authenticator;
    private final QuotaLeases leases;
    private final RateLimiter limiter;
    private final io.headroom.router.analytics.UsageAnalytics usage;
    private AccessLog accessLog;
    private io.headroom.router.proxy.HeaderReadDeadline headerDeadline;
    private WebServer server;

    private Router(RouterConfig config, String instanceId, TelemetrySink sink, Clock clock, LongSupplier traceIds) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.watchdog = Watchdog.startSystem();
        this.store = new ControlPlanStore(config.pools(), watchdog, clock);
        this.telemetry = new TelemetryAggregator(instanceId, sink, clock, 1000);
        this.authenticator = new Authenticator(config.auth(), clock, Ticker.system());
        this.leases = new QuotaLeases(instanceId);
        this.limiter = new RateLimiter(config.rateLimits(), leases, Ticker.system(), clock);
        store.onPlansChanged(leases::update);
        long seed = System.nanoTime();
        List<Route> rs = new ArrayList<>();
        int order = 0;
        for (RouteConfig rc : config.routes()) {
            rs.add(route(rc, order++, seed + 7919L * order));
        }
        this.routes = new RouteTable(rs);
        this.accessLog = AccessLog.open(config.accessLog());
        this.usage = new io.headroom.router.analytics.UsageAnalytics(clock, config.rateLimits().quotas().zone());
        this.handler = new ProxyHandler(routes, Ticker.system(), seed, accessLog, traceIds, usage);
        for (Map.Entry<String, PoolState> e : store.pools().entrySet()) {
            if (e.getValue().config().health() != null) {
                checkers.add(new HealthChecker(e.getKey(), e.getValue(), e.getValue().config().health(), store, seed++));
            }
        }
    }

    private Route route(RouteConfig rc, int order, long seed) {
        RouteMatcher matcher = new RouteMatcher(rc, order);
        Route.Target primary = new Route.Target(store.pool(rc.pool()), telemetry.route(rc.name(), rc.pool()));
        TrafficSplit<Route.Target> split = null;
        if (!rc.split().isEmpty()) {
            List<Route.Target> targets = new ArrayList<>();
            double[] weights = new double[rc.split().size()];
            for (int i = 0; i < weights.length; i++) {
                RouteConfig.WeightedPool w = rc.split().get(i);
                targets.add(w.pool().equals(rc.pool()) ? primary
                        : new Route.Target(store.pool(w.pool()), telemetry.route(rc.name(), w.pool())));
                weights[i] = w.weight();
            }
            split = new TrafficSplit<>(targets, weights, seed);
        }
        Mirror mirror = null;
        if (rc.mirror() != null) {
            mirror = new Mirror(store.pool(rc.mirror().pool()), rc.mirror().percent(), rc.mirror().maxInFlight(), Ticker.system(),
                    seed + 1);
        }
        RoutePolicy policy = RoutePolicy.of(rc, authenticator, limiter.forRoute(rc.limits()), config.auth().identityHeaders());
        if (rc.aggregate() != null) {
            policy = policy.withAggregator(new io.headroom.router.aggregate.Aggregator(rc, matcher, store::pool,
                    p -> telemetry.route(rc.name(), p), Ticker.system()));
        }
        return new Route(rc.name(), matcher, new PathRewriter(matcher, rc.rewrite()), primary, split, mirror, policy);
    }

    /** The routes, most specific first (the order they are tried in). */
    public List<Route> routes() {
        return routes.routes();
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
        return new Router(config, instanceId, sink, clock, () -> ThreadLocalRandom.current().nextLong());
    }

    /** As {@link #create(RouterConfig, String, TelemetrySink, Clock)}, with new trace and span ids from {@code traceIds}. */
    public static Router create(RouterConfig config, String instanceId, TelemetrySink sink, Clock clock, LongSupplier traceIds) {
        return new Router(config, instanceId, sink, clock, Objects.requireNonNull(traceIds, "traceIds"));
    }

    /** Binds the listener, starts the window closer and the plan expiry timer; returns the bound port. */
    public synchronized int start() {
        if (server != null) {
            return server.port();
        }
        Http1Config.Builder http1 = Http1Config.builder()
                .maxHeadersSize(config.limits().maxHeaderSize())
                .maxPrologueLength(config.limits().maxRequestLine());
        if (!config.limits().headerReadTimeout().isZero()) {
            headerDeadline = new io.headroom.router.proxy.HeaderReadDeadline(config.limits().headerReadTimeout());
            http1.addReceiveListener(headerDeadline);
        }
        server = WebServer.builder()
                .host(config.listen().host())
                .port(config.listen().port())
                .featuresDiscoverServices(false) // no observe/health endpoints on the proxy port
                .shutdownHook(false)
                // hostile-input limits, enforced by Helidon's HTTP/1.1 codec before the proxy runs (docs/router.md)
                .maxPayloadSize(config.limits().maxRequestBody())
                // SO_TIMEOUT does not apply to Helidon's channel reads; its idle-connection sweep closes a connection
                // that has been silent this long (slow headers or bodies, idle keep-alive), checked every half of it
                .idleConnectionTimeout(config.limits().clientIdleTimeout())
                .idleConnectionPeriod(config.limits().clientIdleTimeout().dividedBy(2))
                // pass the codec's (safe) message to CodecErrors, which needs it to tell oversized headers apart
                .errorHandling(e -> e.includeEntity(true))
                .directHandlers(d -> d.addHandler(io.helidon.http.DirectHandler.EventType.BAD_REQUEST,
                        new io.headroom.router.proxy.CodecErrors()))
                .addProtocol(http1.build())
                .routing(r -> r.any(handler))
                .build()
                .start();
        telemetry.start();
        store.startExpiryTimer(Duration.ofMillis(250));
        if (config.auth().apiKeys() != null && config.auth().apiKeys().file() != null) {
            authenticator.start(config.auth().apiKeys().reloadInterval());
        }
        checkers.forEach(HealthChecker::start);
        return server.port();
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
        telemetry.close();
        authenticator.close();
        checkers.forEach(HealthChecker::close);
        store.close();
        for (var p : store.pools().values()) {
            p.backends().closeIdle();
        }
        watchdog.close();
        if (headerDeadline != null) {
            headerDeadline.close();
            headerDeadline = null;
        }
        if (accessLog != null) {
            accessLog.close();
            accessLog = null;
        }
    }

    /** The JSON access log, or null when {@code router.access-log.enabled} is false. */
    public AccessLog accessLog() {
        return accessLog;
    }

    @Override
    public void close() {
        stop();
    }

    public RouterConfig config() {
        return config;
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

    /** API keys and JWT issuers (for tests and the admin API: key reloads, JWKS fetch counts). */
    public Authenticator authenticator() {
        return authenticator;
    }

    /**
     * Usage per consumer and route by day and month (the admin API's billing view), in the quota time zone
     * ({@code router.rate-limits.quotas.time-zone}, UTC by default).
     */
    public io.headroom.router.analytics.UsageAnalytics usage() {
        return usage;
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
