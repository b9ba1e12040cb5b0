package io.headroom.router.control;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.router.balance.Balancer;
import io.headroom.router.config.BackendConfig;
import io.headroom.router.config.HostPort;
import io.headroom.router.config.PoolConfig;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.BackendSet;
import io.headroom.router.upstream.ConnectionPool;
import io.headroom.router.upstream.Watchdog;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
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

    private final Map<String, PoolState> pools;
    private final Clock clock;
    private final Map<String, Long> lastEpoch = new HashMap<>();
    private final Map<String, ControlPlan> active = new HashMap<>();
    private long versions;
    private ScheduledExecutorService timer;

    /**
     * @param pools    pool configurations (their static members are the fallback)
     * @param watchdog upstream watchdog shared by every pool's connections
     * @param clock    wall clock for plan validity
     */
    public ControlPlanStore(Map<String, PoolConfig> pools, Watchdog watchdog, Clock clock) {
        this.clock = clock;
        Map<String, PoolState> m = new LinkedHashMap<>();
        for (PoolConfig pc : pools.values()) {
            ConnectionPool.Settings s = new ConnectionPool.Settings(pc.connectTimeout().toNanos(), pc.idleTimeout().toNanos(),
                    pc.maxIdlePerBackend());
            m.put(pc.name(), new PoolState(pc, new BackendSet(s, watchdog)));
        }
        this.pools = Collections.unmodifiableMap(m);
        synchronized (this) {
            for (String p : this.pools.keySet()) {
                rebuild(p);
            }
        }
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
        return dropped;
    }

    private static String poolOf(String scope) {
        return scope.startsWith("pool:") ? scope.substring(5) : null;
    }

    private void rebuild(String pool) {
        PoolState state = pools.get(pool);
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
        List<Backend> backends = new ArrayList<>(members.size());
        double[] weights = new double[members.size()];
        int i = 0;
        for (PoolSnapshot.Member m : members.values()) {
            backends.add(state.backends().get(addresses.get(m.address())));
            weights[i++] = m.weight();
        }
        Balancer balancer = backends.isEmpty() ? Balancer.empty() : Balancer.smoothWeighted(backends, weights);
        state.swap(new PoolSnapshot(pool, ++versions, new ArrayList<>(members.values()), balancer,
                weightsPlan == null ? -1 : weightsPlan.epoch(), membersPlan == null ? -1 : membersPlan.epoch()));
    }

    /** Starts a daemon timer that calls {@link #expire()} every {@code period}. */
    public synchronized ControlPlanStore startExpiryTimer(Duration period) {
        if (timer == null) {
            timer = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon()
                    .name("headroom-plan-expiry").unstarted(r));
            timer.scheduleAtFixedRate(() -> {
                try {
                    expire();
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
