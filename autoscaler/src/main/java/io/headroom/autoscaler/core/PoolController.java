package io.headroom.autoscaler.core;

import io.headroom.autoscaler.policy.Decision;
import io.headroom.autoscaler.policy.PolicyState;
import io.headroom.autoscaler.policy.ScalingPolicy;
import io.headroom.autoscaler.provider.Instance;
import io.headroom.autoscaler.provider.InstanceListener;
import io.headroom.autoscaler.provider.Provider;
import io.headroom.autoscaler.provider.ScaleRequest;
import io.headroom.autoscaler.reactive.ReactiveFallback;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingIntent;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The autoscaler's core for one pool, free of Kafka: intents in, policy decisions, provider calls and audit
 * events out, time as an argument. {@link #tick} runs the policy against the latest intent and, unless an action
 * is already in flight, hands the provider one action (start k instances and wait until they are ready, or
 * drain k) on the given executor; a direct executor and a simulated provider drive it in simulated time.
 *
 * <p>Idempotent: the same intent seen again yields the same decision against the same pool size, so nothing
 * happens; decisions and holds are audited when they change, not every tick.
 *
 * <p>With a {@link ReactiveFallback}, a pool whose latest intent is older than the fallback's intent TTL (the
 * predictor is silent) is sized by the reactive policy on the load it carries now ({@link Mode#REACTIVE}), and goes
 * back to {@link Mode#PREDICTIVE} with the next fresh intent. Each switch is logged and audited, and every reactive
 * decision's reason starts with {@code "predictor silent for Ns: reactive"}.
 */
public final class PoolController {
    private static final Logger LOG = Logger.getLogger(PoolController.class.getName());
    private static final int RECENT_EVENTS = 32;

    private final String pool;
    private final ScalingPolicy policy;
    private final Provider provider;
    private final Consumer<ScalingEvent> events;
    private final LongSupplier wallMillis;
    private final Executor actions;
    private final ArrayDeque<ScalingEvent> recent = new ArrayDeque<>();
    private final java.util.concurrent.atomic.LongAdder actionFailures = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder instanceFailures = new java.util.concurrent.atomic.LongAdder();
    private final ReactiveFallback fallback; // null: always predictive

    private volatile ScalingIntent intent;
    private volatile boolean inFlight;
    private PolicyState state = PolicyState.INITIAL; // guarded by this
    private Decision last; // guarded by this
    private String lastSignature = ""; // guarded by this
    private volatile boolean killSwitch;
    private volatile Mode mode = Mode.PREDICTIVE;
    private long firstTickMillis = Long.MIN_VALUE; // guarded by this

    /**
     * @param pool       pool name
     * @param policy     the pool's guardrails
     * @param providers  builds the pool's provider around the listener this controller gives it
     * @param events     where audit events go (e.g. a Kafka publisher); called from several threads
     * @param wallMillis wall time for events the provider reports asynchronously (simulated time offline)
     * @param actions    runs provider actions (a virtual thread per task live, a direct executor offline)
     */
    public PoolController(String pool, ScalingPolicy policy, Function<InstanceListener, Provider> providers,
                          Consumer<ScalingEvent> events, LongSupplier wallMillis, Executor actions) {
        this(pool, policy, providers, events, wallMillis, actions, null);
    }

    /**
     * As {@link #PoolController(String, ScalingPolicy, Function, Consumer, LongSupplier, Executor)}, falling back to the
     * reactive policy when the predictor is silent ({@code fallback} null: never).
     */
    public PoolController(String pool, ScalingPolicy policy, Function<InstanceListener, Provider> providers,
                          Consumer<ScalingEvent> events, LongSupplier wallMillis, Executor actions, ReactiveFallback fallback) {
        this.fallback = fallback;
        this.pool = Objects.requireNonNull(pool, "pool");
        this.policy = Objects.requireNonNull(policy, "policy");
        this.events = Objects.requireNonNull(events, "events");
        this.wallMillis = Objects.requireNonNull(wallMillis, "wallMillis");
        this.actions = Objects.requireNonNull(actions, "actions");
        this.provider = Objects.requireNonNull(providers.apply(this::onInstanceEvent), "provider");
    }

    public String pool() {
        return pool;
    }

    public Provider provider() {
        return provider;
    }

    /** Keeps the latest intent (by issue time); an older one arriving late is ignored. */
    public void onIntent(ScalingIntent i) {
        if (!i.pool().equals(pool)) {
            throw new IllegalArgumentException("intent for pool " + i.pool() + " given to controller of " + pool);
        }
        ScalingIntent cur = intent;
        if (cur == null || i.issuedAtMillis() >= cur.issuedAtMillis()) {
            intent = i;
        }
    }

    public ScalingIntent latestIntent() {
        return intent;
    }

    /** Stops (true) or resumes actions; membership is still published either way. */
    public void setKillSwitch(boolean on) {
        killSwitch = on;
    }

    public boolean killSwitch() {
        return killSwitch;
    }

    public boolean actionInFlight() {
        return inFlight;
    }

    /**
     * Runs the policy once at {@code nowMillis} and starts an action if it says so and none is in flight.
     *
     * @return the decision, or empty when an action was in flight and nothing was evaluated
     */
    public synchronized Optional<Decision> tick(long nowMillis) {
        if (inFlight) {
            return Optional.empty();
        }
        int current = provider.current();
        ScalingIntent latest = intent;
        if (firstTickMillis == Long.MIN_VALUE) {
            firstTickMillis = nowMillis;
        }
        // Silent since the latest intent was issued or, before any, since the first tick (the predictor may be warming up).
        long silentMillis = nowMillis - (latest != null ? latest.issuedAtMillis() : firstTickMillis);
        Mode now = fallback != null && silentMillis > fallback.intentTtl().toMillis() ? Mode.REACTIVE : Mode.PREDICTIVE;
        Decision d = now == Mode.REACTIVE ? decideReactive(latest, current, nowMillis, silentMillis) : decidePredictive(latest, current,
                nowMillis);
        state = d.next();
        last = d;
        Mode before = mode;
        mode = now;
        boolean modeChanged = before != now;
        if (modeChanged) {
            if (now == Mode.REACTIVE) {
                LOG.warning(String.format(java.util.Locale.ROOT, "pool %s: predictor silent for %.1f s (intent-ttl %.1f s): reactive policy"
                        + " on the observed load; %s", pool, silentMillis / 1000.0, fallback.intentTtl().toMillis() / 1000.0, d.reason()));
            } else {
                LOG.info("pool " + pool + ": intents from the predictor again: predictive policy; " + d.reason());
            }
        }
        boolean kill = killSwitch;
        String signature = now + "|" + d.kind() + "|" + d.target() + "|" + d.desired() + "|" + current + "|" + d.dryRun() + "|" + kill;
        boolean changed = !signature.equals(lastSignature);
        lastSignature = signature;
        if (kill && d.kind() != Decision.Kind.HOLD) {
            if (changed) {
                emit(nowMillis, ScalingEvent.Action.HELD, "", d.target(), "kill switch on: " + d.reason());
            }
            return Optional.of(d);
        }
        if (!d.acts()) {
            if (changed && (d.kind() != Decision.Kind.HOLD || d.desired() != current || modeChanged)) {
                emit(nowMillis, ScalingEvent.Action.HELD, "", d.target(), d.reason());
            }
            return Optional.of(d);
        }
        emit(nowMillis, ScalingEvent.Action.DECIDED, "", d.target(), d.reason());
        inFlight = true;
        ScaleRequest request = new ScaleRequest(pool + "-" + nowMillis + "-" + d.target(), pool, d.target(), current, readyCount(),
                d.reason(), nowMillis);
        try {
            actions.execute(() -> runAction(request));
        } catch (RuntimeException e) {
            inFlight = false;
            emit(nowMillis, ScalingEvent.Action.FAILED, "", d.target(), "could not schedule the action: " + e);
        }
        return Optional.of(d);
    }

    private Decision decidePredictive(ScalingIntent in, int current, long nowMillis) {
        if (in == null) {
            // No forecast yet: keep what runs, within bounds (this restores min at start).
            in = new ScalingIntent(pool, nowMillis, current, 0, 0, 0, 0, 0, 1, "none", "no intent received yet");
        }
        Decision d = policy.decide(in, current, nowMillis, state);
        if (mode == Mode.REACTIVE) {
            return withReason(d, "predictor back: predictive; " + d.reason());
        }
        return d;
    }

    private Decision decideReactive(ScalingIntent latest, int current, long nowMillis, long silentMillis) {
        String prefix = "predictor silent for " + silentMillis / 1000 + "s: reactive";
        OptionalDouble rate = fallback.load().rate(pool, nowMillis);
        if (rate.isEmpty()) {
            // No router reported either: silence is not zero load, so keep what runs (within bounds).
            Decision d = policy.decide(new ScalingIntent(pool, nowMillis, current, 0, 0, 0, 0, 0, 1, "none", "no telemetry"), current,
                    nowMillis, state);
            return withReason(d, prefix + ", but no telemetry from the routers: keeping " + current + "; " + d.reason());
        }
        Decision d = policy.decideReactive(rate.getAsDouble(), fallback.perInstance(latest), current, nowMillis, state);
        return withReason(d, prefix + "; " + d.reason());
    }

    private static Decision withReason(Decision d, String reason) {
        return new Decision(d.target(), reason, d.kind(), d.dryRun(), d.desired(), d.next());
    }

    /** Which policy sized the pool at the last tick. */
    public Mode mode() {
        return mode;
    }

    private void runAction(ScaleRequest request) {
        try {
            provider.scaleTo(request).join();
        } catch (CompletionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            LOG.log(Level.FINE, "action failed in pool " + pool, cause);
            emit(wallMillis.getAsLong(), ScalingEvent.Action.FAILED, "", request.target(), provider.kind() + " provider: "
                    + (cause.getMessage() == null ? cause.toString() : cause.getMessage()));
        } catch (RuntimeException e) {
            emit(wallMillis.getAsLong(), ScalingEvent.Action.FAILED, "", request.target(), "provider call failed: " + e);
        } finally {
            inFlight = false;
        }
    }

    private void onInstanceEvent(Instance instance, ScalingEvent.Action action, String reason) {
        Decision d;
        synchronized (this) {
            d = last;
        }
        emit(wallMillis.getAsLong(), action, instance.address(), d == null ? -1 : d.target(), reason);
    }

    /** Provider actions (scale up or down) that failed or could not be scheduled, since this controller started. */
    public long actionFailures() {
        return actionFailures.sum();
    }

    /** Instances the provider reported FAILED (did not start, died, failed their health check), since this controller started. */
    public long instanceFailures() {
        return instanceFailures.sum();
    }

    private void emit(long at, ScalingEvent.Action action, String instance, int desired, String reason) {
        if (action == ScalingEvent.Action.FAILED) {
            (instance == null || instance.isEmpty() ? actionFailures : instanceFailures).increment();
        }
        ScalingEvent e = new ScalingEvent(pool, at, action, instance, desired, readyCount(), reason);
        synchronized (recent) {
            if (recent.size() == RECENT_EVENTS) {
                recent.removeFirst();
            }
            recent.addLast(e);
        }
        try {
            events.accept(e);
        } catch (RuntimeException ex) {
            LOG.log(Level.WARNING, "event sink failed for pool " + pool, ex);
        }
    }

    private int readyCount() {
        return provider.ready().size();
    }

    /**
     * Addresses of ready, non-draining instances, sorted. Capacity providers report instances without an address
     * (the platform's own load balancer or Service fronts them): those are left out.
     */
    public List<String> members() {
        return provider.ready().stream().map(Instance::address).filter(a -> !a.isEmpty()).sorted().toList();
    }

    /** The autoscaler's membership plan for this pool. */
    public ControlPlan membershipPlan(long nowMillis, long epoch, Duration ttl) {
        return new ControlPlan(ControlPlan.poolScope(pool), ControlPlan.SOURCE_AUTOSCALER, epoch, nowMillis, nowMillis + ttl.toMillis(),
                Map.of(), List.of(), members(), "autoscaler " + provider.kind() + " provider");
    }

    public PoolStatus status() {
        Decision d;
        synchronized (this) {
            d = last;
        }
        List<ScalingEvent> ev;
        synchronized (recent) {
            ev = List.copyOf(recent);
        }
        List<Instance> all = provider.instances();
        return new PoolStatus(pool, d == null ? -1 : d.desired(), d == null ? -1 : d.target(),
                (int) all.stream().filter(Instance::counts).count(),
                (int) all.stream().filter(i -> i.state() == Instance.State.READY).count(), all, inFlight,
                policy.config().dryRun(), killSwitch, d == null ? "" : d.reason(), ev, mode);
    }

    /** Closes the provider (stops its instances). */
    public void close() {
        provider.close();
    }
}
