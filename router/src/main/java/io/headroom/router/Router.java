package io.headroom.router;

import io.headroom.router.config.RouteConfig;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.control.ControlPlanStore;
import io.headroom.router.control.MemberStatus;
import io.headroom.router.control.PoolState;
import io.headroom.router.health.HealthChecker;
import io.headroom.router.control.PoolSnapshot;
import io.headroom.router.proxy.ProxyHandler;
import io.headroom.router.proxy.Route;
import io.headroom.router.proxy.RouteTable;
import io.headroom.router.telemetry.TelemetryAggregator;
import io.headroom.router.telemetry.TelemetrySink;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.Ticker;
import io.helidon.webserver.WebServer;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

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
    private WebServer server;

    private Router(RouterConfig config, String instanceId, TelemetrySink sink, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.watchdog = Watchdog.startSystem();
        this.store = new ControlPlanStore(config.pools(), watchdog, clock);
        this.telemetry = new TelemetryAggregator(instanceId, sink, clock, 1000);
        List<Route> rs = new ArrayList<>();
        for (RouteConfig rc : config.routes()) {
            rs.add(new Route(rc.name(), rc.pathPrefix(), store.pool(rc.pool()), telemetry.route(rc.name(), rc.pool())));
        }
        this.routes = new RouteTable(rs);
        this.handler = new ProxyHandler(routes, Ticker.system());
        long seed = System.nanoTime();
        for (Map.Entry<String, PoolState> e : store.pools().entrySet()) {
            if (e.getValue().config().health() != null) {
                checkers.add(new HealthChecker(e.getKey(), e.getValue(), e.getValue().config().health(), store, seed++));
            }
        }
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
        return new Router(config, instanceId, sink, clock);
    }

    /** Binds the listener, starts the window closer and the plan expiry timer; returns the bound port. */
    public synchronized int start() {
        if (server != null) {
            return server.port();
        }
        server = WebServer.builder()
                .host(config.listen().host())
                .port(config.listen().port())
                .featuresDiscoverServices(false) // no observe/health endpoints on the proxy port
                .shutdownHook(false)
                .routing(r -> r.any(handler))
                .build()
                .start();
        telemetry.start();
        store.startExpiryTimer(Duration.ofMillis(250));
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
        checkers.forEach(HealthChecker::close);
        store.close();
        for (var p : store.pools().values()) {
            p.backends().closeIdle();
        }
        watchdog.close();
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

    /** Upstream connection accounting (open connections). */
    public Watchdog upstreams() {
        return watchdog;
    }
}
