package io.headroom.cli.admin;

import io.headroom.autoscaler.core.PoolController;
import io.headroom.cli.stack.Stack;
import io.headroom.router.Router;
import io.headroom.router.analytics.UsageAnalytics;
import io.headroom.router.auth.TokenIntrospector;
import io.headroom.router.cache.ResponseCache;
import io.headroom.router.control.MemberStatus;
import io.headroom.router.limit.QuotaAllowances;
import io.headroom.router.proxy.Route;
import io.headroom.router.telemetry.RouteTelemetry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The router's balancer, limiter, cache, introspection and per-consumer meters, and the autoscaler's provider
 * errors, for {@code /metrics}; and the {@code "traffic"} section of {@code /api/state} (per route: forwarded, refused by
 * reason, cache hits; the busiest consumers), which the dashboard's "Quotas and rejections" panel draws.
 *
 * <p>Everything is read from counters the router keeps anyway, once a second on the admin sampler's thread
 * ({@link #refresh}); the request path pays nothing. Counters whose source a hot reload may rebuild (a route's cache,
 * the introspector, a member's ejection count) are accumulated here from the source's increments, so they stay
 * monotonic across reloads. Per-member series are replaced on each refresh, so members that left do not linger.
 *
 * <p>The consumers are re-read each second while that is cheap; once summing the day's usage takes longer than 10 ms
 * (tens of thousands of consumer and route pairs), the next read waits 100 times as long as the last one took.
 *
 * <p>Label values are routes, pools and members (bounded by configuration and the autoscaler's bounds), refusal
 * reasons (five) and at most {@link #TOP_CONSUMERS} consumers plus {@code (other)}.
 */
final class RouterMeters {
    /** Consumers with their own series each day; every other consumer is counted as {@code (other)}. */
    static final int TOP_CONSUMERS = 20;
    /** Most consumers with their own latency histogram over the process's life; later ones are recorded as (other). */
    static final int MAX_CONSUMER_HISTOGRAMS = 256;
    /** Consumers listed in {@code /api/state}. */
    static final int STATE_CONSUMERS = 10;
    private static final String[] BREAKER_STATES = {"closed", "open", "half_open"};

    private final Stack stack;
    private final MeterRegistry registry;
    private final MultiGauge available;
    private final MultiGauge healthy;
    private final MultiGauge ejected;
    private final MultiGauge ejections;
    private final MultiGauge breaker;
    private final MultiGauge inFlight;
    private final MultiGauge concurrencyLimit;
    private final MultiGauge concurrencyInFlight;
    private final MultiGauge cacheEntries;
    private final MultiGauge cacheBytes;

    // sampler thread only
    private final Map<String, Delta> deltas = new HashMap<>();
    private final Map<String, Counter> counters = new HashMap<>();
    private final Set<String> refusalsRegistered = new HashSet<>();
    private final Set<String> chosenConsumers = new LinkedHashSet<>();
    private final List<Meter> consumerMeters = new ArrayList<>();
    private String consumerDay;
    /** When the consumers may be read again: summing a day of usage costs up to ~50 ms at 50 000 pairs. */
    private long consumersDueNanos = System.nanoTime();

    /**
     * Per-consumer latency histograms ({@code headroom_consumer_request_duration_seconds}), cumulative over the process;
     * null when the registry is not a Prometheus one (then there are none).
     */
    private final LatencyFamily consumerDurations;
    /** Bucket counts of today's usage already recorded into {@link #consumerDurations}, per consumer. */
    private final Map<String, long[]> durationSeen = new HashMap<>();
    private String durationDay;
    private boolean allowancesRegistered;
    private boolean pausesRegistered;

    /** Today's counts of the chosen consumers and {@code (other)}: requests, 4xx, 5xx. Written by the sampler. */
    private volatile Map<String, long[]> consumers = Map.of();
    /** Today's latency quantiles (p50, p95, p99, in seconds) of the chosen consumers. Written by the sampler. */
    private volatile Map<String, double[]> consumerLatency = Map.of();

    /** Where an accumulated counter is: the source object last read (identity), and its value then. */
    private static final class Delta {
        Object source;
        long last;
        boolean seen;
    }

    private RouterMeters(Stack stack, MeterRegistry r) {
        this.stack = stack;
        this.registry = r;
        this.consumerDurations = r instanceof PrometheusMeterRegistry p ? LatencyFamily.register(p, "headroom_consumer_request_duration_seconds",
                "Request latency of the consumer (from the usage analytics; each request at its bucket's upper bound), configured and"
                        + " busiest consumers by name, the rest as (other)", HeadroomMetrics.LATENCY_BUCKETS, "consumer") : null;
        this.available = MultiGauge.builder("headroom.backend.available")
                .description("1 when the member is in the balancer's rotation (healthy, not ejected, breaker not open)").register(r);
        this.healthy = MultiGauge.builder("headroom.backend.healthy")
                .description("1 when the member's active health checks pass (1 when the pool has none)").register(r);
        this.ejected = MultiGauge.builder("headroom.backend.ejected")
                .description("1 while passive outlier detection has the member ejected").register(r);
        this.ejections = MultiGauge.builder("headroom.backend.ejections")
                .description("Times the member was ejected since it joined the pool").register(r);
        this.breaker = MultiGauge.builder("headroom.backend.breaker.state")
                .description("1 for the circuit breaker's current state (closed, open, half_open) of each member").register(r);
        this.inFlight = MultiGauge.builder("headroom.backend.requests.in.flight")
                .description("Requests in flight to the member").register(r);
        this.concurrencyLimit = MultiGauge.builder("headroom.pool.concurrency.limit")
                .description("The pool's adaptive concurrency limit now (requests in flight before it sheds with 503)").register(r);
        this.concurrencyInFlight = MultiGauge.builder("headroom.pool.concurrency.in.flight")
                .description("Requests in flight counted by the pool's concurrency limit").register(r);
        this.cacheEntries = MultiGauge.builder("headroom.cache.entries")
                .description("URLs held by the route's response cache").register(r);
        this.cacheBytes = MultiGauge.builder("headroom.cache.size").baseUnit("bytes")
                .description("Bytes held by the route's response cache").register(r);
    }

    /** Registers the meters in {@code registry}; they fill on each {@link #refresh}. */
    static RouterMeters bind(Stack stack, MeterRegistry registry) {
        RouterMeters m = new RouterMeters(stack, registry);
        if (stack.autoscaler() != null) {
            for (PoolController c : stack.autoscaler().pools().values()) {
                FunctionCounter.builder("headroom.autoscaler.provider.errors", c, PoolController::actionFailures)
                        .description("Provider errors: scale actions that failed or could not be scheduled (kind=action), "
                                + "instances the provider reported failed (kind=instance)")
                        .tag("pool", c.pool()).tag("kind", "action").register(registry);
                FunctionCounter.builder("headroom.autoscaler.provider.errors", c, PoolController::instanceFailures)
                        .tag("pool", c.pool()).tag("kind", "instance").register(registry);
            }
        }
        return m;
    }

    /** Reads the router's counters into the meters; called once a second by the admin sampler. */
    void refresh() {
        Router router = stack.router();
        if (router == null) {
            return;
        }
        deltas.values().forEach(d -> d.seen = false);
        allowances(router);
        pauses(router);
        members(router);
        refusals(router);
        caches(router);
        introspection(router);
        long t0 = System.nanoTime();
        if (t0 - consumersDueNanos >= 0) {
            consumers(router.usage());
            consumerDurations(router);
            // at most ~1% of a core: a read that took d waits 100 d (so every second while usage is small)
            consumersDueNanos = t0 + 100 * (System.nanoTime() - t0);
        }
        deltas.values().removeIf(d -> !d.seen);
    }

    /** The process's pauses as the upstream watchdog saw them; registered once (the watchdog lives as long as the router). */
    private void pauses(Router router) {
        if (pausesRegistered) {
            return;
        }
        pausesRegistered = true;
        io.headroom.router.upstream.PauseLog p = router.upstreams().pauses();
        FunctionCounter.builder("headroom.process.pauses", p, io.headroom.router.upstream.PauseLog::pauses)
                .description("Pauses of the router process (a thread due every 5 ms woke more than 10 ms late: a GC pause, or the"
                        + " host or a CPU quota not running the process); left out of the backends' latency samples").register(registry);
        FunctionCounter.builder("headroom.process.pause", p, x -> x.pausedNanos() / 1e9).baseUnit("seconds")
                .description("Total time the router process was paused, as counted in headroom_process_pauses_total").register(registry);
        FunctionCounter.builder("headroom.scheduler.yield.stops", io.headroom.router.ReadYield.class, c -> io.headroom.router.ReadYield.stops())
                .description("Times the proxy stopped yielding before reads because a thread woken from outside the virtual-thread"
                        + " scheduler waited over 5 ms to run (docs/router.md, \"Starvation gate\")").register(registry);
        Gauge.builder("headroom.scheduler.probe.wait.max", io.headroom.router.ReadYield.class, c -> io.headroom.router.ReadYield.longestProbeWaitMillis() / 1e3)
                .baseUnit("seconds").description("The longest a thread woken from outside the virtual-thread scheduler waited to run")
                .register(registry);
        FunctionCounter.builder("headroom.lane.requests", router, r -> r.lane() == null ? 0 : r.lane().served())
                .description("Requests served by the router's own HTTP/1.1 lane (docs/router.md, \"The lane\"); the others go"
                        + " through Helidon's HTTP/1.1 or HTTP/2 codec").register(registry);
        FunctionCounter.builder("headroom.lane.handovers", router, r -> r.lane() == null ? 0 : r.lane().handedOver())
                .description("Client connections the lane handed to Helidon's HTTP/1.1 codec at a request it does not take (a body,"
                        + " an upgrade, Connection: close, a head not all read yet...)").register(registry);
        Gauge.builder("headroom.lane.native.sockets", router, r -> r.lane() != null && r.lane().nativeSockets() ? 1 : 0)
                .description("1 when the lane reads and writes client sockets with recv/send (Linux, JDK 22+, java.base/sun.nio.ch"
                        + " open: the launcher's default), 0 when the JDK's way or the lane is off").register(registry);
        Gauge.builder("headroom.edge.poller.sockets", io.headroom.router.net.EdgePoller.class, c -> io.headroom.router.net.EdgePoller.sockets())
                .description("Sockets (lane client connections and upstream connections) whose reads wait on the router's own"
                        + " edge-triggered epoll (docs/router.md, \"Edges\"); 0 when it is off").register(registry);
        Gauge.builder("headroom.lane.carriers", io.headroom.router.net.LaneCarriers.class, c -> io.headroom.router.net.LaneCarriers.count())
                .description("Platform threads that run the lane's connections and poll their sockets, one per CPU by default"
                        + " (docs/router.md, \"Carriers\"); 0 before the first lane connection, or when off").register(registry);
        FunctionCounter.builder("headroom.lane.carrier.wakeups", io.headroom.router.net.LaneCarriers.class,
                        c -> io.headroom.router.net.LaneCarriers.wakeups())
                .description("Times another thread woke a sleeping lane carrier through its eventfd (a thread the JDK's poller,"
                        + " a timer or a new connection made runnable there)").register(registry);
    }

    /** The cluster quota allowances' fail-static state; registered once (the allowances live as long as the router). */
    private void allowances(Router router) {
        if (allowancesRegistered) {
            return;
        }
        allowancesRegistered = true;
        QuotaAllowances a = router.quotaAllowances();
        Gauge.builder("headroom.quota.allowances.fail.static", a, x -> x.failStatic() ? 1 : 0)
                .description("1 while the cluster quota allowances have expired (no fresh control plan) and each router enforces its"
                        + " local per-instance quotas (fail static)").register(registry);
        FunctionCounter.builder("headroom.quota.allowances.fail.static.decisions", a, QuotaAllowances::failStaticDecisions)
                .description("Requests of consumers with cluster quota allowances decided by local counts because their plan had"
                        + " expired").register(registry);
        Gauge.builder("headroom.quota.allowances.consumers", a, x -> x.consumers().size())
                .description("Consumers with cluster quota allowances in force on this router").register(registry);
    }

    private void members(Router router) {
        List<MultiGauge.Row<?>> av = new ArrayList<>();
        List<MultiGauge.Row<?>> he = new ArrayList<>();
        List<MultiGauge.Row<?>> ej = new ArrayList<>();
        List<MultiGauge.Row<?>> ejs = new ArrayList<>();
        List<MultiGauge.Row<?>> br = new ArrayList<>();
        List<MultiGauge.Row<?>> fl = new ArrayList<>();
        List<MultiGauge.Row<?>> limit = new ArrayList<>();
        List<MultiGauge.Row<?>> limitFlight = new ArrayList<>();
        for (String pool : router.pools().keySet()) {
            Counter poolEjections = counter("headroom.pool.ejections", Tags.of("pool", pool),
                    "Ejections of the pool's members by passive outlier detection");
            for (MemberStatus m : router.memberStates(pool)) {
                Tags t = Tags.of("pool", pool, "backend", m.address());
                av.add(MultiGauge.Row.of(t, m.available() ? 1 : 0));
                he.add(MultiGauge.Row.of(t, m.healthy() ? 1 : 0));
                ej.add(MultiGauge.Row.of(t, m.ejected() ? 1 : 0));
                ejs.add(MultiGauge.Row.of(t, m.ejections()));
                fl.add(MultiGauge.Row.of(t, m.outstanding()));
                if (!"none".equals(m.breaker())) {
                    String state = m.breaker().toLowerCase(Locale.ROOT);
                    for (String s : BREAKER_STATES) {
                        br.add(MultiGauge.Row.of(t.and("state", s), s.equals(state) ? 1 : 0));
                    }
                }
                // a member's count restarts when a reload rebuilds it: the drop is taken as a new source
                accumulate("ejections|" + pool + '|' + m.address(), null, m.ejections(), poolEjections);
            }
            router.concurrency(pool).ifPresent(c -> {
                limit.add(MultiGauge.Row.of(Tags.of("pool", pool), c.limit()));
                limitFlight.add(MultiGauge.Row.of(Tags.of("pool", pool), c.inFlight()));
            });
        }
        available.register(av, true);
        healthy.register(he, true);
        ejected.register(ej, true);
        ejections.register(ejs, true);
        breaker.register(br, true);
        inFlight.register(fl, true);
        concurrencyLimit.register(limit, true);
        concurrencyInFlight.register(limitFlight, true);
    }

    /** Per route, pool and reason; the route's telemetry lives as long as the process, so these are plain function counters. */
    private void refusals(Router router) {
        for (RouteTelemetry rt : router.telemetry().routeTelemetry()) {
            if (refusalsRegistered.add(rt.route() + '\n' + rt.pool())) {
                for (RouteTelemetry.Refusal why : RouteTelemetry.Refusal.values()) {
                    FunctionCounter.builder("headroom.requests.refused", rt, t -> t.refusals(why))
                            .description("Requests the router answered itself: reason=rate_limited (429), concurrency_limit "
                                    + "(503 shed), no_backend (503), auth (401/403), other (a failed aggregate call)")
                            .tag("route", rt.route()).tag("pool", rt.pool()).tag("reason", why.label()).register(registry);
                }
            }
        }
    }

    private void caches(Router router) {
        List<MultiGauge.Row<?>> entries = new ArrayList<>();
        List<MultiGauge.Row<?>> bytes = new ArrayList<>();
        for (Route route : router.routes()) {
            ResponseCache cache = route.policy().cache();
            if (cache == null) {
                continue;
            }
            ResponseCache.Stats s = cache.stats();
            Tags t = Tags.of("route", route.name());
            String k = "cache|" + route.name() + '|';
            accumulate(k + "hit", cache, s.hits(), counter("headroom.cache.hits", t, "Requests answered from a fresh cached response"));
            accumulate(k + "stale", cache, s.staleHits(), counter("headroom.cache.stale.hits", t,
                    "Requests answered from a stale cached response (stale-while-revalidate, stale-if-error)"));
            accumulate(k + "miss", cache, s.misses(), counter("headroom.cache.misses", t,
                    "Cacheable requests forwarded to the backend (nothing usable, or a conditional revalidation)"));
            accumulate(k + "reval", cache, s.revalidated(), counter("headroom.cache.revalidations", t,
                    "Cached responses refreshed by a 304 from the backend"));
            accumulate(k + "store", cache, s.stores(), counter("headroom.cache.stores", t, "Responses stored"));
            accumulate(k + "bypass", cache, s.bypassed(), counter("headroom.cache.bypassed", t,
                    "Requests the cache took no part in (no-store, personal request, HEAD miss)"));
            entries.add(MultiGauge.Row.of(t, s.entries()));
            bytes.add(MultiGauge.Row.of(t, s.weightedBytes()));
        }
        cacheEntries.register(entries, true);
        cacheBytes.register(bytes, true);
    }

    private void introspection(Router router) {
        TokenIntrospector in = router.authenticator() == null ? null : router.authenticator().introspector();
        if (in == null) {
            return;
        }
        accumulate("introspection|calls", in, in.calls(), counter("headroom.introspection.calls", Tags.empty(),
                "Calls to the token introspection endpoint"));
        accumulate("introspection|hits", in, in.cacheHits(), counter("headroom.introspection.cache.hits", Tags.empty(),
                "Opaque tokens answered from the introspection cache"));
        accumulate("introspection|failures", in, in.failures(), counter("headroom.introspection.failures", Tags.empty(),
                "Introspection calls that failed (unreachable, timeout, bad answer)"));
    }

    /**
     * Today's requests of the day's busiest consumers: the first {@link #TOP_CONSUMERS} by requests at the refresh that
     * saw them keep their series for the rest of the day (so each is a counter that only grows within the day); the
     * rest add up in {@code (other)}. At midnight (in the quota time zone) the counts restart and the choice is redone.
     */
    private void consumers(UsageAnalytics usage) {
        if (usage == null) {
            return;
        }
        UsageAnalytics.Report today = usage.today();
        if (!today.period().equals(consumerDay)) {
            consumerMeters.forEach(registry::remove);
            consumerMeters.clear();
            chosenConsumers.clear();
            consumerDay = today.period();
        }
        List<Map.Entry<String, UsageAnalytics.Usage>> busiest = new ArrayList<>(today.byConsumer().entrySet());
        busiest.sort(Comparator.comparingLong((Map.Entry<String, UsageAnalytics.Usage> e) -> e.getValue().requests()).reversed()
                .thenComparing(Map.Entry::getKey));
        for (Map.Entry<String, UsageAnalytics.Usage> e : busiest) {
            if (chosenConsumers.size() >= TOP_CONSUMERS) {
                break;
            }
            if (!UsageAnalytics.OTHER.equals(e.getKey()) && chosenConsumers.add(e.getKey())) {
                registerConsumer(e.getKey());
            }
        }
        if (consumerMeters.isEmpty()) {
            registerConsumer(UsageAnalytics.OTHER);
        }
        Map<String, long[]> counts = new LinkedHashMap<>();
        Map<String, double[]> latency = new LinkedHashMap<>();
        long[] other = {today.total().requests(), today.total().clientErrors(), today.total().serverErrors()};
        for (String c : chosenConsumers) {
            UsageAnalytics.Usage u = today.byConsumer().get(c);
            long[] v = u == null ? new long[3] : new long[]{u.requests(), u.clientErrors(), u.serverErrors()};
            counts.put(c, v);
            if (u != null && u.requests() > 0) {
                latency.put(c, new double[]{u.p50Millis() / 1e3, u.p95Millis() / 1e3, u.p99Millis() / 1e3});
            }
            for (int i = 0; i < 3; i++) {
                other[i] -= v[i];
            }
        }
        counts.put(UsageAnalytics.OTHER, other);
        consumers = counts;
        consumerLatency = latency;
    }

    /**
     * Feeds what each consumer's latency histogram of today gained since the last read into its cumulative Prometheus
     * histogram {@code headroom_consumer_request_duration_seconds}, each request at its bucket's upper bound (the
     * analytics' buckets are √2 wide). Label values are bounded: the consumers the configuration names (API keys,
     * rate limits, quotas) and those with cluster quota allowances, plus the day's {@link #TOP_CONSUMERS} busiest, at
     * most {@link #MAX_CONSUMER_HISTOGRAMS} in all over the process's life; every other consumer is recorded as
     * {@code (other)}. A consumer keeps its histogram once it has one, so every series only grows.
     */
    private void consumerDurations(Router router) {
        UsageAnalytics usage = router.usage();
        if (usage == null || consumerDurations == null) {
            return;
        }
        UsageAnalytics.LatencyBuckets today = usage.todayLatencyBuckets();
        if (!today.day().equals(durationDay)) {
            durationSeen.clear(); // the analytics' day restarted from zero
            durationDay = today.day();
        }
        Set<String> named = namedConsumers(router);
        named.forEach(consumerDurations::touch); // configured consumers have a series from the start
        for (Map.Entry<String, long[]> e : today.byConsumer().entrySet()) {
            String consumer = e.getKey();
            long[] now = e.getValue();
            long[] seen = durationSeen.computeIfAbsent(consumer, k -> new long[UsageAnalytics.BUCKET_COUNT]);
            boolean own = !UsageAnalytics.OTHER.equals(consumer) && (consumerDurations.has(consumer)
                    || ((named.contains(consumer) || chosenConsumers.contains(consumer)) && consumerDurations.size() < MAX_CONSUMER_HISTOGRAMS));
            String series = own ? consumer : UsageAnalytics.OTHER;
            consumerDurations.touch(series);
            for (int i = 0; i < now.length; i++) {
                long delta = now[i] - seen[i];
                if (delta <= 0) {
                    continue;
                }
                seen[i] = now[i];
                long bound = UsageAnalytics.bucketUpperBoundMicros(i);
                // the last bucket is open-ended: twice the one before stands in for it
                double seconds = (bound == Long.MAX_VALUE ? 2 * UsageAnalytics.bucketUpperBoundMicros(i - 1) : bound) / 1e6;
                consumerDurations.add(seconds, delta, series);
            }
        }
    }

    /** Consumers the configuration names (API keys, rate limits, quotas) or that hold cluster quota allowances. */
    private static Set<String> namedConsumers(Router router) {
        Set<String> out = new LinkedHashSet<>();
        io.headroom.router.config.RouterConfig c = router.config();
        if (c.auth().apiKeys() != null) {
            c.auth().apiKeys().keys().forEach(k -> out.add(k.consumer()));
        }
        out.addAll(c.rateLimits().consumers().keySet());
        out.addAll(c.rateLimits().quotas().consumers().keySet());
        out.addAll(router.quotaAllowances().consumers());
        return out;
    }

    private void registerConsumer(String consumer) {
        String[] names = {"headroom.consumer.requests", "headroom.consumer.client.errors", "headroom.consumer.server.errors"};
        String[] what = {"Requests of the consumer today (quota time zone; restarts at midnight)",
                "Requests of the consumer answered 4xx today (429 and 401 refusals included)",
                "Requests of the consumer answered 5xx today"};
        for (int i = 0; i < names.length; i++) {
            int slot = i;
            consumerMeters.add(FunctionCounter.builder(names[i], this, m -> {
                long[] v = m.consumers.get(consumer);
                return v == null ? 0 : v[slot];
            }).description(what[i]).tag("consumer", consumer).register(registry));
        }
        if (!UsageAnalytics.OTHER.equals(consumer)) {
            // Quantiles of one consumer's day (a summary: quantiles of different consumers cannot be added up, so
            // (other) has none).
            String[] quantiles = {"0.5", "0.95", "0.99"};
            for (int i = 0; i < quantiles.length; i++) {
                int slot = i;
                consumerMeters.add(Gauge.builder("headroom.consumer.latency", this, m -> {
                    double[] v = m.consumerLatency.get(consumer);
                    return v == null ? Double.NaN : v[slot];
                }).description("Request latency of the consumer today, by quantile (from the usage analytics)").baseUnit("seconds")
                        .tag("consumer", consumer).tag("quantile", quantiles[i]).register(registry));
            }
        }
    }

    private Counter counter(String name, Tags tags, String description) {
        return counters.computeIfAbsent(name + tags, k -> Counter.builder(name).tags(tags).description(description).register(registry));
    }

    /**
     * Adds what {@code source} counted since the last refresh to {@code into}. A different source object (rebuilt by a
     * reload), or a value lower than last time, started again from zero, so all of its value is new.
     */
    private void accumulate(String key, Object source, long value, Counter into) {
        Delta d = deltas.computeIfAbsent(key, k -> new Delta());
        long inc = d.source == source && value >= d.last ? value - d.last : value;
        if (inc > 0) {
            into.increment(inc);
        }
        d.source = source;
        d.last = value;
        d.seen = true;
    }

    /**
     * {@code "traffic"}: per route (summed over its pools) requests forwarded, refused by reason and cache counts; the
     * busiest consumers today.
     */
    void json(Json j) {
        Router router = stack.router();
        if (router == null) {
            return;
        }
        Map<String, long[]> byRoute = new LinkedHashMap<>();
        Map<String, Set<String>> pools = new HashMap<>();
        RouteTelemetry.Refusal[] reasons = RouteTelemetry.Refusal.values();
        for (RouteTelemetry rt : router.telemetry().routeTelemetry()) {
            long[] v = byRoute.computeIfAbsent(rt.route(), k -> new long[1 + reasons.length]);
            v[0] += rt.forwarded();
            for (RouteTelemetry.Refusal r : reasons) {
                v[1 + r.ordinal()] += rt.refusals(r);
            }
            pools.computeIfAbsent(rt.route(), k -> new LinkedHashSet<>()).add(rt.pool());
        }
        Map<String, ResponseCache.Stats> caches = new HashMap<>();
        for (Route route : router.routes()) {
            if (route.policy().cache() != null) {
                caches.put(route.name(), route.policy().cache().stats());
            }
        }
        j.name("traffic").beginObject().name("routes").beginArray();
        for (Map.Entry<String, long[]> e : byRoute.entrySet()) {
            long[] v = e.getValue();
            j.beginObject().field("route", e.getKey()).field("pools", String.join(",", pools.get(e.getKey())))
                    .field("forwarded", v[0]);
            for (RouteTelemetry.Refusal r : reasons) {
                j.field(r.label(), v[1 + r.ordinal()]);
            }
            ResponseCache.Stats s = caches.get(e.getKey());
            if (s != null) {
                long hits = s.hits() + s.staleHits();
                j.field("cache_hits", hits).field("cache_misses", s.misses()).field("cache_revalidations", s.revalidated())
                        .field("cache_hit_ratio", hits + s.misses() == 0 ? Double.NaN : (double) hits / (hits + s.misses()));
            }
            j.endObject();
        }
        j.endArray().name("consumers").beginArray();
        List<Map.Entry<String, long[]>> top = new ArrayList<>(consumers.entrySet());
        top.removeIf(e -> UsageAnalytics.OTHER.equals(e.getKey()) && e.getValue()[0] == 0);
        top.sort(Comparator.comparingLong((Map.Entry<String, long[]> e) -> e.getValue()[0]).reversed());
        for (Map.Entry<String, long[]> e : top.subList(0, Math.min(STATE_CONSUMERS, top.size()))) {
            j.beginObject().field("consumer", e.getKey()).field("requests_today", e.getValue()[0])
                    .field("client_errors_today", e.getValue()[1]).field("server_errors_today", e.getValue()[2]).endObject();
        }
        j.endArray().endObject();
    }
}
