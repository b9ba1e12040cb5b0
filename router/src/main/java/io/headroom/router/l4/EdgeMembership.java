package io.headroom.router.l4;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.router.config.HostPort;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The edge's pool membership, with the router's fail-static rules (docs/CONTRACTS.md) for the one scope it serves:
 *
 * <ul>
 *   <li>Only plans for scope {@code pool:<pool>} from source {@code autoscaler} count; the predictor's weights do not
 *       apply to connections.</li>
 *   <li>A plan applies only if its epoch is greater than the last one applied (remembered after expiry too), and only
 *       if it has not expired on arrival.</li>
 *   <li>Effective members = static members ∪ members of the valid plan (plan members after the static ones).</li>
 *   <li>When the plan expires ({@link #expire()}, called by the edge's watchdog and on every apply) the edge falls
 *       back to the static members.</li>
 * </ul>
 *
 * <p>A member that leaves gets no new connections; its open connections carry on until either side closes them (it
 * drains). The member object is kept while it has connections, so it comes back with its counts if re-added.
 * Applying is on the control path (synchronized); the connection path only reads the volatile snapshot.
 */
public final class EdgeMembership {
    private static final Logger LOG = Logger.getLogger(EdgeMembership.class.getName());

    /** What {@link #apply} did with a plan. */
    public enum Outcome {
        /** Accepted and in effect. */
        APPLIED,
        /** Epoch not greater than the last applied: ignored. */
        STALE_EPOCH,
        /** Already expired: ignored. */
        EXPIRED,
        /** For another scope: ignored. */
        OTHER_SCOPE,
        /** Not from the autoscaler: ignored. */
        OTHER_SOURCE
    }

    private final String pool;
    private final String scope;
    private final List<HostPort> staticMembers;
    private final EdgeConfig.BalancerType type;
    private final Clock clock;
    private final long seed;
    /** Every member in the pool or still draining, by address. */
    private final Map<HostPort, EdgeMember> known = new LinkedHashMap<>();
    private long lastEpoch = -1;
    private ControlPlan active;
    private long versions;
    private volatile EdgeSnapshot snapshot;

    /**
     * @param pool          pool name (plans for {@code pool:<pool>} apply)
     * @param staticMembers the fail-static members
     * @param type          balancer built over each snapshot
     * @param clock         wall clock for plan validity
     * @param seed          seed of the balancer's draws (each snapshot gets {@code seed + version})
     */
    public EdgeMembership(String pool, List<HostPort> staticMembers, EdgeConfig.BalancerType type, Clock clock, long seed) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.scope = ControlPlan.poolScope(pool);
        this.staticMembers = List.copyOf(staticMembers);
        this.type = Objects.requireNonNull(type, "type");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.seed = seed;
        synchronized (this) {
            rebuild();
        }
    }

    /** The membership of {@code config}'s pool, on the system clock. */
    public static EdgeMembership of(EdgeConfig config) {
        return new EdgeMembership(config.pool(), config.members(), config.balancer(), Clock.systemUTC(), System.nanoTime());
    }

    /** Applies {@code plan} per the rules above. */
    public synchronized Outcome apply(ControlPlan plan) {
        long now = clock.millis();
        expireAt(now);
        if (!scope.equals(plan.scope())) {
            return Outcome.OTHER_SCOPE;
        }
        if (!ControlPlan.SOURCE_AUTOSCALER.equals(plan.source())) {
            return Outcome.OTHER_SOURCE;
        }
        if (!plan.isValidAt(now)) {
            return Outcome.EXPIRED;
        }
        if (plan.epoch() <= lastEpoch) {
            return Outcome.STALE_EPOCH;
        }
        lastEpoch = plan.epoch();
        active = plan;
        rebuild();
        return Outcome.APPLIED;
    }

    /** Drops the plan if it expired by now (falling back to the static members) and forgets drained members. */
    public synchronized int expire() {
        int dropped = expireAt(clock.millis());
        known.values().removeIf(m -> m.active() == 0 && !snapshot.members().contains(m));
        return dropped;
    }

    private int expireAt(long now) {
        if (active != null && !active.isValidAt(now)) {
            LOG.log(Level.INFO, "edge pool {0}: autoscaler plan epoch {1} expired; back to the static members {2}",
                    new Object[]{pool, active.epoch(), staticMembers});
            active = null;
            rebuild();
            return 1;
        }
        return 0;
    }

    private void rebuild() {
        Map<HostPort, EdgeMember> effective = new LinkedHashMap<>();
        for (HostPort hp : staticMembers) {
            effective.put(hp, known.computeIfAbsent(hp, EdgeMember::new));
        }
        if (active != null) {
            for (String text : active.members()) {
                HostPort hp;
                try {
                    hp = HostPort.parse(text);
                } catch (IllegalArgumentException e) {
                    LOG.log(Level.WARNING, "edge pool {0}: autoscaler plan epoch {1}: ignoring member: {2}",
                            new Object[]{pool, active.epoch(), e.getMessage()});
                    continue;
                }
                if (hp.port() != 0 && !effective.containsKey(hp)) {
                    effective.put(hp, known.computeIfAbsent(hp, EdgeMember::new));
                }
            }
        }
        List<EdgeMember> members = new ArrayList<>(effective.values());
        // members that left and have nothing open are forgotten; the others drain
        known.values().removeIf(m -> m.active() == 0 && !effective.containsKey(m.address()));
        long version = ++versions;
        snapshot = new EdgeSnapshot(version, members, ConnectionBalancer.of(type, members, seed + version),
                active == null ? -1 : active.epoch());
    }

    /** The current snapshot: read on every new connection. */
    public EdgeSnapshot snapshot() {
        return snapshot;
    }

    public String pool() {
        return pool;
    }

    /** Epoch of the last applied autoscaler plan (remembered after expiry), or -1. */
    public synchronized long lastEpoch() {
        return lastEpoch;
    }

    /** Members in the pool, then members that left but still have connections open (draining). */
    public synchronized List<EdgeMember> known() {
        return List.copyOf(known.values());
    }

    /**
     * Reads the control topic from the beginning and applies every plan to {@code membership}; close it to stop.
     */
    public static io.headroom.router.control.ControlPlanSubscriber subscribe(io.headroom.ingest.kafka.KafkaClients clients,
                                                                            String controlTopic, EdgeMembership membership) {
        return io.headroom.router.control.ControlPlanSubscriber.start(
                clients.consumer("edge-control", null, io.headroom.ingest.codec.Codecs.CONTROL.deserializer()), controlTopic,
                p -> membership.apply(p) == Outcome.APPLIED, "edge-control");
    }
}
