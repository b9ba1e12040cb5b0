package io.headroom.router.control;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.router.balance.Balancer;
import io.headroom.router.config.OutlierConfig;
import io.headroom.router.config.ResilienceConfig;
import io.headroom.router.config.BackendConfig;
import io.headroom.router.config.HostPort;
import io.headroom.router.config.PoolConfig;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.BackendSet;
import io.headroom.router.upstream.ConnectionPool;
import io.headroom.router.upstream.MemberHealth;
import io.headroom.router.upstream.PauseLog;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.Ticker;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Applies control plans with fail-static rules and keeps every pool's {@link PoolSnapshot} up to date.
 *
 * <ul>
 *   <li>The latest plan is kept per (scope, source); a plan applies only if its epoch is greater than the last one
 *       applied for that pair (epochs are remembered even after the plan expired).</li>
 *   <li>A plan already expired on arrival is ignored. A plan that expires later is dropped by {@link #expire()}
 *       (called by a timer and on every apply) and the pool falls back to its YAML members and weights.</li>
 *   <li>Effective members of {@code pool:P} = static YAML backends ∪ members of the valid autoscaler plan
 *       (added members weigh 1.0).</li>
 *   <li>Effective weight = the valid predictor plan's weight for that address if it names it, else the static
 *       weight. Weight 0 takes a member out of rotation; if every weight is 0 all members get equal shares.</li>
 * </ul>
 *
 * <p>Members excluded from the balancer: those ejected by passive outlier detection (never more than the pool's
 * max-ejection-percent), those failing active health checks and those whose circuit breaker is open. If that leaves
 * none, the balancer gets every member (panic mode, as Envoy does) rather than failing every request. A member that
 * joins or comes back ramps its weight from 10% to 100% over the pool's {@code slow-start} window. {@link #refresh()}
 * (timer) ends ejections, moves open breakers to half-open and advances ramps.
 *
 * <p>Applying is on the control path (synchronized); readers on the request path only read the volatile snapshot.
 */
public final class ControlPlanStore implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ControlPlanStore.class.getName());

    /** What {@link #apply} did with a plan. */
    public enum Outcome {
        /** Accepted and in effect. */
        APPLIED,
        /** Epoch not greater than the last applied for this (scope, source): ignored. */
        STALE_EPOCH,
        /** Already expired: ignored. */
        EXPIRED,
        /** Accepted (epoch remembered) but the scope is not a pool this router serves. */
        UNKNOWN_SCOPE,
        /** Neither predictor nor autoscaler: ignored. */
        UNKNOWN_SOURCE
    }

    /** Swapped whole by {@link #commit} (hot reload); read without the lock by {@link #pool} and {@link #snapshots}. */
    private volatile Map<String, PoolState> pools;
    private final Watchdog watchdog;
    private final Clock clock;
    private final Ticker ticker;
    private final long seed;
    private boolean built;
    private final Map<String, Long> lastEpoch = new HashMap<>();
    private final Map<String, ControlPlan> active = new HashMap<>();
    private final List<java.util.function.Consumer<List<ControlPlan>>> listeners = new ArrayList<>();
    private long versions;
    private ScheduledExecutorService timer;

    /**
     * @param pools    pool configurations (their static members are the fallback)
     * @param watchdog upstream watchdog shared by every pool's connections
     * @param clock    wall clock for plan validity
     */
    public ControlPlanStore(Map<String, PoolConfig> pools, Watchdog watchdog, Clock clock) {
        this(pools, watchdog, clock, Ticker.system(), System.nanoTime());
    }

    /**
     * @param pools    pool configurations (their static members are the fallback)
     * @param watchdog upstream watchdog shared by every pool's connections
     * @param clock    wall clock for plan validity
     * @param ticker   monotonic time for ejections, slow start, breakers and peak-EWMA
     * @param seed     seed of the balancers' random draws (each snapshot gets {@code seed + version})
     */
    public ControlPlanStore(Map<String, PoolConfig> pools, Watchdog watchdog, Clock clock, Ticker ticker, long seed) {
        this.clock = clock;
        this.ticker = ticker;
        this.seed = seed;
        this.watchdog = watchdog;
        Map<String, PoolState> m = new LinkedHashMap<>();
        for (PoolConfig pc : pools.values()) {
            ConnectionPool.Settings s = new ConnectionPool.Settings(pc.connectTimeout().toNanos(), pc.idleTimeout().toNanos(),
                    pc.maxIdlePerBackend());
            m.put(pc.name(), new PoolState(pc, new BackendSet(s, watchdog), this, ticker));
        }
        this.pools = Collections.unmodifiableMap(m);
        synchronized (this) {
            for (String p : this.pools.keySet()) {
                rebuild(p);
            }
            built = true;
        }
    }

    /** The process's pauses as the upstream watchdog saw them ({@link PauseLog#NONE} without a watchdog). */
    PauseLog pauses() {
        return watchdog == null ? PauseLog.NONE : watchdog.pauses();
    }

    /** Applies {@code plan} per the rules above. */
    public synchronized Outcome apply(ControlPlan plan) {
        long now = clock.millis();
        expireAt(now);
        boolean predictor = ControlPlan.SOURCE_PREDICTOR.equals(plan.source());
        boolean autoscaler = ControlPlan.SOURCE_AUTOSCALER.equals(plan.source());
        if (!predictor && !autoscaler) {
            return Outcome.UNKNOWN_SOURCE;
        }
        if (!plan.isValidAt(now)) {
            return Outcome.EXPIRED;
        }
        Long last = lastEpoch.get(plan.key());
        if (last != null && plan.epoch() <= last) {
            return Outcome.STALE_EPOCH;
        }
        lastEpoch.put(plan.key(), plan.epoch());
        active.put(plan.key(), plan);
        plansChanged();
        String pool = poolOf(plan.scope());
        if (pool == null || !pools.containsKey(pool)) {
            return Outcome.UNKNOWN_SCOPE;
        }
        rebuild(pool);
        return Outcome.APPLIED;
    }

    /** Drops plans whose validity ended by now and falls back to static config for their pools. */
    public synchronized int expire() {
        return expireAt(clock.millis());
    }

    private int expireAt(long now) {
        int dropped = 0;
        List<String> touched = new ArrayList<>();
        var it = active.entrySet().iterator();
        while (it.hasNext()) {
            ControlPlan p = it.next().getValue();
            if (!p.isValidAt(now)) {
                it.remove();
                dropped++;
                String pool = poolOf(p.scope());
                if (pool != null && pools.containsKey(pool) && !touched.contains(pool)) {
                    touched.add(pool);
                }
            }
        }
        for (String pool : touched) {
            rebuild(pool);
        }
        if (dropped > 0) {
            plansChanged();
        }
        return dropped;
    }

    /**
     * Calls {@code listener} with the plans in force (any scope) now and after every change: a plan applied or
     * expired. It runs under the store's lock, so it must be quick (the rate limiter swaps its lease map).
     */
    public synchronized void onPlansChanged(java.util.function.Consumer<List<ControlPlan>> listener) {
        listeners.add(listener);
        listener.accept(List.copyOf(active.values()));
    }

    private void plansChanged() {
        if (listeners.isEmpty()) {
            return;
        }
        List<ControlPlan> plans = List.copyOf(active.values());
        for (var l : listeners) {
            try {
                l.accept(plans);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "a control-plan listener failed", e);
            }
        }
    }

    private static String poolOf(String scope) {
        return scope.startsWith("pool:") ? scope.substring(5) : null;
    }

    private void rebuild(String pool) {
        PoolState state = pools.get(pool);
        if (state == null) {
            return; // removed by a reload while a breaker or health event for it was on its way
        }
        ControlPlan weightsPlan = active.get(ControlPlan.poolScope(pool) + "|" + ControlPlan.SOURCE_PREDICTOR);
        ControlPlan membersPlan = active.get(ControlPlan.poolScope(pool) + "|" + ControlPlan.SOURCE_AUTOSCALER);

        Map<String, PoolSnapshot.Member> members = new LinkedHashMap<>();
        Map<String, HostPort> addresses = new HashMap<>();
        for (BackendConfig b : state.config().backends()) {
            String a = b.address().toString();
            members.put(a, new PoolSnapshot.Member(a, b.weight(), true));
            addresses.put(a, b.address());
        }
        if (membersPlan != null) {
            for (String m : membersPlan.members()) {
                HostPort hp;
                try {
                    hp = HostPort.parse(m);
                } catch (IllegalArgumentException e) {
                    LOG.log(Level.WARNING, "autoscaler plan epoch {0} for pool {1}: ignoring member: {2}",
                            new Object[]{membersPlan.epoch(), pool, e.getMessage()});
                    continue;
                }
                String a = hp.toString();
                if (!members.containsKey(a) && hp.port() != 0) {
                    members.put(a, new PoolSnapshot.Member(a, 1.0, false));
                    addresses.put(a, hp);
                }
            }
        }
        if (weightsPlan != null) {
            for (Map.Entry<String, PoolSnapshot.Member> e : members.entrySet()) {
                Double w = weightsPlan.weights().get(e.getKey());
                if (w != null) {
                    e.setValue(new PoolSnapshot.Member(e.getKey(), w, e.getValue().isStatic()));
                }
            }
        }
        long now = ticker.read();
        PoolConfig pc = state.config();
        List<Backend> all = new ArrayList<>(members.size());
        List<Double> allWeights = new ArrayList<>(members.size());
        for (PoolSnapshot.Member m : members.values()) {
            Backend b = state.backends().get(addresses.get(m.address()));
            if (b.health().breaker() == null && pc.resilience().breakerEnabled()) {
                b.health().breaker(breaker(pool, b, pc.resilience()), to -> {
                    if (to == CircuitBreaker.State.OPEN) {
                        b.health().breakerOpened(ticker.read());
                    }
                    breakerChanged(pool);
                });
            }
            b.decay(pc.balancer().decay().toNanos());
            all.add(b);
            allWeights.add(m.weight());
        }
        PoolSnapshot prev = state.snapshot();
        Set<Backend> wasAvailable = prev == null ? Set.of() : identitySet(prev.balancer().members());
        List<Backend> backends = new ArrayList<>(all.size());
        List<Double> ws = new ArrayList<>(all.size());
        for (int k = 0; k < all.size(); k++) {
            if (available(all.get(k), now)) {
                backends.add(all.get(k));
                ws.add(allWeights.get(k));
            }
        }
        if (backends.isEmpty()) { // panic: better to try every member than to fail every request
            backends.addAll(all);
            ws.addAll(allWeights);
        }
        long window = pc.slowStart().toNanos();
        double[] weights = new double[backends.size()];
        boolean ramping = false;
        for (int k = 0; k < backends.size(); k++) {
            MemberHealth h = backends.get(k).health();
            if (built && !wasAvailable.contains(backends.get(k))) {
                h.availableSince(now); // joined or came back: slow start begins now
            }
            double f = rampFactor(h.availableSinceNanos(), now, window);
            ramping |= f < 1.0;
            weights[k] = ws.get(k) * f;
        }
        long version = ++versions;
        Balancer balancer = backends.isEmpty() ? Balancer.empty()
                : Balancer.of(pc.balancer(), backends, weights, seed + version, ticker);
        state.all = List.copyOf(all);
        state.ramping = ramping;
        state.swap(new PoolSnapshot(pool, version, new ArrayList<>(members.values()), balancer,
                weightsPlan == null ? -1 : weightsPlan.epoch(), membersPlan == null ? -1 : membersPlan.epoch()));
    }

    /**
     * A new set of pools built by {@link #prepare} and not yet in effect: pools whose configuration is unchanged are
     * the very same {@link PoolState}s (members, health, breakers, connections and snapshot kept); a changed pool gets a
     * new state that keeps the old pool's backends (health, ejections, latency estimates and keep-alive connections)
     * when its connection settings are unchanged.
     */
    public static final class Prepared {
        private final Map<String, PoolState> pools;
        private final Map<String, PoolState> replaced;
        private final Map<String, PoolState> base;

        private Prepared(Map<String, PoolState> pools, Map<String, PoolState> replaced, Map<String, PoolState> base) {
            this.pools = pools;
            this.replaced = replaced;
            this.base = base;
        }

        /** The pool named {@code name} as it will be once committed, or null. */
        public PoolState pool(String name) {
            return pools.get(name);
        }

        /** Pools that get a new state (new or changed configuration). */
        public Set<String> changed() {
            Set<String> out = new java.util.LinkedHashSet<>();
            for (Map.Entry<String, PoolState> e : pools.entrySet()) {
                if (base.get(e.getKey()) != e.getValue()) {
                    out.add(e.getKey());
                }
            }
            return out;
        }
    }

    /** What {@link #commit} took out of service: pool states no longer used and backends no longer in any pool. */
    public record Retired(List<PoolState> pools, List<Backend> backends) {
    }

    /**
     * Builds the pools of a new configuration without touching the ones in service (hot reload, first step). Nothing
     * here has side effects: dropping the result leaves the store as it was.
     */
    public synchronized Prepared prepare(Map<String, PoolConfig> configs) {
        Map<String, PoolState> current = pools;
        Map<String, PoolState> next = new LinkedHashMap<>();
        Map<String, PoolState> replaced = new LinkedHashMap<>();
        for (PoolConfig pc : configs.values()) {
            PoolState old = current.get(pc.name());
            if (old != null && old.config().equals(pc)) {
                next.put(pc.name(), old);
                continue;
            }
            ConnectionPool.Settings s = new ConnectionPool.Settings(pc.connectTimeout().toNanos(), pc.idleTimeout().toNanos(),
                    pc.maxIdlePerBackend());
            BackendSet set = old != null && old.backends().settings().equals(s) ? old.backends() : new BackendSet(s, watchdog);
            next.put(pc.name(), new PoolState(pc, set, this, ticker));
            if (old != null) {
                replaced.put(pc.name(), old);
            }
        }
        return new Prepared(Collections.unmodifiableMap(next), replaced, current);
    }

    /**
     * Puts {@code p} in service atomically for readers of {@link #pool}/{@link #snapshots} (hot reload, second step):
     * new and changed pools get their first snapshot from the plans in force (a changed pool's members that were
     * available stay so, without a new slow start). Requests already holding an old pool state finish on it.
     *
     * @throws IllegalStateException when the pools changed since {@code p} was prepared
     */
    public synchronized Retired commit(Prepared p) {
        if (p.base != pools) {
            throw new IllegalStateException("the pools changed since this reload was prepared: prepare it again");
        }
        Map<String, PoolState> old = pools;
        for (Map.Entry<String, PoolState> e : p.pools.entrySet()) {
            PoolState state = e.getValue();
            if (old.get(e.getKey()) == state) {
                continue;
            }
            PoolState before = p.replaced.get(e.getKey());
            if (before != null && before.backends() == state.backends()
                    && !before.config().resilience().equals(state.config().resilience())) {
                for (Backend b : before.all) {
                    b.health().breaker(null, to -> { }); // rebuilt below with the new breaker settings
                }
            }
            if (before != null) {
                state.swap(before.snapshot()); // members available before are not "joining": no slow start for them
            }
        }
        pools = p.pools;
        boolean wasBuilt = built;
        for (Map.Entry<String, PoolState> e : p.pools.entrySet()) {
            if (old.get(e.getKey()) == e.getValue()) {
                continue;
            }
            // a brand-new pool starts at full weight, like the pools read at start
            built = p.replaced.containsKey(e.getKey());
            try {
                rebuild(e.getKey());
            } finally {
                built = wasBuilt;
            }
        }
        Set<Backend> live = Collections.newSetFromMap(new IdentityHashMap<>());
        for (PoolState s : p.pools.values()) {
            live.addAll(s.all);
        }
        List<PoolState> retiredPools = new ArrayList<>();
        List<Backend> retiredBackends = new ArrayList<>();
        Set<Backend> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Map.Entry<String, PoolState> e : old.entrySet()) {
            if (p.pools.get(e.getKey()) == e.getValue()) {
                continue;
            }
            retiredPools.add(e.getValue());
            for (Backend b : e.getValue().all) {
                if (!live.contains(b) && seen.add(b)) {
                    retiredBackends.add(b);
                }
            }
        }
        return new Retired(List.copyOf(retiredPools), List.copyOf(retiredBackends));
    }

    /** Slow start: 10% at the start of the window, rising linearly to 100% at its end. */
    static double rampFactor(long sinceNanos, long nowNanos, long windowNanos) {
        if (windowNanos <= 0 || sinceNanos == Long.MIN_VALUE) {
            return 1.0;
        }
        long elapsed = nowNanos - sinceNanos;
        if (elapsed >= windowNanos) {
            return 1.0;
        }
        return 0.1 + 0.9 * Math.max(0, elapsed) / windowNanos;
    }

    private static boolean available(Backend b, long now) {
        MemberHealth h = b.health();
        CircuitBreaker cb = h.breaker();
        return h.healthy() && !h.ejectedAt(now) && (cb == null || cb.getState() != CircuitBreaker.State.OPEN
                && cb.getState() != CircuitBreaker.State.FORCED_OPEN);
    }

    private static Set<Backend> identitySet(List<Backend> list) {
        Set<Backend> s = Collections.newSetFromMap(new IdentityHashMap<>());
        s.addAll(list);
        return s;
    }

    private CircuitBreaker breaker(String pool, Backend b, ResilienceConfig r) {
        CircuitBreakerConfig cfg = CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                // The synchronized window: a ring of measurements updated in place under a lock held for a few array
                // writes. The lock-free one links a new node with a copy of the aggregate per call (128 B); its dead
                // nodes keep their successors alive through young collections once one has reached the old generation,
                // so every call's node was promoted (docs/router.md, "GC nepotism"). BreakerOutcomeBenchmark: 22 against
                // 37 ns a call on one thread, 40 against 175 ns on two.
                .slidingWindowSynchronizationStrategy(CircuitBreakerConfig.SlidingWindowSynchronizationStrategy.SYNCHRONIZED)
                .slidingWindowSize(r.window())
                .minimumNumberOfCalls(r.minimumCalls())
                .failureRateThreshold(r.failureRatePercent())
                .permittedNumberOfCallsInHalfOpenState(r.halfOpenCalls())
                .waitDurationInOpenState(r.openFor())
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .build();
        // no event consumer (see MemberHealth.breaker): transitions are reported by the calls that make them
        return CircuitBreaker.of(pool + "/" + b.address(), cfg);
    }

    private synchronized void breakerChanged(String pool) {
        rebuild(pool);
    }

    /**
     * Called from the request path when {@code b} reached its failure streak: ejects it unless that would take more
     * than max-ejection-percent of the pool out, then rebuilds the snapshot without it.
     */
    synchronized void maybeEject(PoolState state, Backend b) {
        if (pools.get(state.config().name()) != state) {
            return; // a request that started before a reload replaced this pool: the new pool judges for itself
        }
        OutlierConfig o = state.config().outlier();
        MemberHealth h = b.health();
        long now = ticker.read();
        if (!o.enabled() || h.consecutiveFailures() < o.consecutiveFailures() || h.ejectedAt(now)) {
            return; // another thread ejected it already, or a success came in between
        }
        List<Backend> all = state.all;
        if (!all.contains(b)) {
            return;
        }
        int ejected = 0;
        for (Backend x : all) {
            if (x.health().ejectedAt(now)) {
                ejected++;
            }
        }
        if ((ejected + 1) * 100L > (long) o.maxEjectionPercent() * all.size()) {
            return; // the cap: keep the streak, so it is ejected as soon as room frees up
        }
        long base = o.baseEjectionTime().toNanos();
        long time = Math.min(o.maxEjectionTime().toNanos(), base * (h.ejections() + 1L));
        h.eject(now + time);
        h.resetFailures();
        LOG.log(Level.WARNING, "pool {0}: ejected {1} for {2} ms after {3} failures in a row (last: {4})",
                new Object[]{state.config().name(), b.address(), time / 1_000_000, o.consecutiveFailures(), h.lastError()});
        rebuild(state.config().name());
    }

    /** Active health checks changed a member's verdict: rebuild its pool. */
    public synchronized void healthChanged(String pool) {
        if (pools.containsKey(pool)) {
            rebuild(pool);
        }
    }

    /**
     * Ends expired ejections, moves open breakers whose open time passed to half-open, and advances slow-start
     * ramps, rebuilding the pools that changed. Called by the timer; tests call it after moving the ticker.
     */
    public synchronized void refresh() {
        long now = ticker.read();
        for (Map.Entry<String, PoolState> e : pools.entrySet()) {
            PoolState state = e.getValue();
            PoolConfig pc = state.config();
            boolean changed = state.ramping; // the last build had a member below full weight: move it on
            Set<Backend> current = identitySet(state.snapshot().balancer().members());
            for (Backend b : state.all) {
                CircuitBreaker cb = b.health().breaker();
                if (cb != null && cb.getState() == CircuitBreaker.State.OPEN
                        && now - b.health().breakerOpenedNanos() >= pc.resilience().openFor().toNanos()) {
                    cb.transitionToHalfOpenState();
                    b.health().breakerCalled(CircuitBreaker.State.OPEN); // its listener rebuilds
                }
                boolean avail = available(b, now);
                if (avail != current.contains(b)) {
                    changed = true;
                }
            }
            if (changed) {
                rebuild(e.getKey());
            }
        }
    }

    /** Health, ejection and breaker state of every effective member of {@code pool}, in member order; empty if unknown. */
    public synchronized List<MemberStatus> memberStates(String pool) {
        PoolState state = pools.get(pool);
        if (state == null) {
            return List.of();
        }
        long now = ticker.read();
        PoolSnapshot snap = state.snapshot();
        Set<Backend> current = identitySet(snap.balancer().members());
        List<MemberStatus> out = new ArrayList<>();
        for (Backend b : state.all) {
            MemberHealth h = b.health();
            CircuitBreaker cb = h.breaker();
            out.add(new MemberStatus(b.address(), snap.weightOf(b.address()), current.contains(b), h.healthy(), h.ejectedAt(now),
                    h.ejections(), h.consecutiveFailures(), cb == null ? "none" : cb.getState().name(), b.outstanding(),
                    h.lastError()));
        }
        return out;
    }

    /** Starts a daemon timer that calls {@link #expire()} every {@code period}. */
    public synchronized ControlPlanStore startExpiryTimer(Duration period) {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                    .name("headroom-plan-expiry").unstarted(r));
            timer.scheduleAtFixedRate(() -> {
                try {
                    expire();
                    refresh();
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "plan expiry failed", e);
                }
            }, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
        }
        return this;
    }

    public PoolState pool(String name) {
        return pools.get(name);
    }

    public Map<String, PoolState> pools() {
        return pools;
    }

    public PoolSnapshot snapshot(String pool) {
        PoolState s = pools.get(pool);
        return s == null ? null : s.snapshot();
    }

    /** Current snapshot of every pool, in configuration order. */
    public Map<String, PoolSnapshot> snapshots() {
        Map<String, PoolSnapshot> out = new LinkedHashMap<>();
        for (Map.Entry<String, PoolState> e : pools.entrySet()) {
            out.put(e.getKey(), e.getValue().snapshot());
        }
        return Collections.unmodifiableMap(out);
    }

    /** The plan in effect for (scope, source), if any. */
    public synchronized Optional<ControlPlan> active(String scope, String source) {
        return Optional.ofNullable(active.get(scope + "|" + source));
    }

    /** Last applied epoch for (scope, source), or -1. */
    public synchronized long lastEpoch(String scope, String source) {
        return lastEpoch.getOrDefault(scope + "|" + source, -1L);
    }

    @Override
    public synchronized void close() {
        if (timer != null) {
            timer.shutdownNow();
            timer = null;
        }
    }
}
