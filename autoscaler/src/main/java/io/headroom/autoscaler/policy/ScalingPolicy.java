package io.headroom.autoscaler.policy;

import io.headroom.ingest.model.ScalingIntent;

import java.util.Objects;

/**
 * Turns a scaling intent into a target instance count, as a pure function: time and state are arguments, the
 * result carries the next state, nothing reads a clock.
 *
 * <ol>
 *   <li>desired = max(intent.desiredNow, reactive floor = ceil(observedRate / perInstanceCapacity)): a forecast
 *       never takes the pool below what the observed load needs;</li>
 *   <li>clamped to [min, max];</li>
 *   <li>up: refused during the cooldown after the last scale-up, then at most {@code maxStepUp} per action;</li>
 *   <li>down: only to the highest recommendation within the stabilisation window, at most {@code maxStepDown}
 *       per action;</li>
 *   <li>dry run: the same decision, flagged as not to be applied.</li>
 * </ol>
 *
 * <p>{@link #decideReactive} is the same with the forecast left out, for when the predictor is silent.
 */
public final class ScalingPolicy {
    private final PolicyConfig config;

    public ScalingPolicy(PolicyConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    public PolicyConfig config() {
        return config;
    }

    /** The reactive floor: instances the observed rate needs, {@code ceil(observed / capacity)}; 0 for no data. */
    public static int reactiveFloor(double observedRate, double perInstanceCapacity) {
        if (!(observedRate > 0) || !(perInstanceCapacity > 0) || Double.isInfinite(observedRate)) {
            return 0;
        }
        double n = Math.ceil(observedRate / perInstanceCapacity - 1e-9);
        return n >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n;
    }

    /**
     * Decides for one pool.
     *
     * @param intent    the latest intent
     * @param current   instances the pool has now (starting + ready, not draining)
     * @param nowMillis the time of the decision
     * @param state     what this policy returned last time ({@link PolicyState#INITIAL} the first time)
     */
    public Decision decide(ScalingIntent intent, int current, long nowMillis, PolicyState state) {
        Objects.requireNonNull(intent, "intent");
        Objects.requireNonNull(state, "state");
        if (current < 0) {
            throw new IllegalArgumentException("current: " + current + " (expected: >= 0)");
        }
        int floor = reactiveFloor(intent.observedRate(), intent.perInstanceCapacity());
        int raw = Math.max(intent.desiredNow(), floor);
        String why = floor > intent.desiredNow()
                ? "reactive floor " + floor + " (observed " + fmt(intent.observedRate()) + " req/s) above forecast " + intent.desiredNow()
                : "forecast wants " + intent.desiredNow() + " (" + intent.model() + ")";
        return decide(raw, why, current, nowMillis, state);
    }

    /**
     * Decides for one pool without a forecast (the predictor is silent): desired = {@link #reactiveFloor
     * ceil(observedRate / perInstanceCapacity)}, then the same clamps, cooldown, stabilisation, step limits and dry
     * run as {@link #decide(ScalingIntent, int, long, PolicyState)}.
     *
     * @param observedRate        requests per second the pool carries now
     * @param perInstanceCapacity requests per second one instance should carry (capacity × target utilisation)
     */
    public Decision decideReactive(double observedRate, double perInstanceCapacity, int current, long nowMillis, PolicyState state) {
        Objects.requireNonNull(state, "state");
        if (current < 0) {
            throw new IllegalArgumentException("current: " + current + " (expected: >= 0)");
        }
        int raw = reactiveFloor(observedRate, perInstanceCapacity);
        String why = "observed " + fmt(observedRate) + " req/s at " + fmt(perInstanceCapacity) + " req/s per instance needs " + raw;
        return decide(raw, why, current, nowMillis, state);
    }

    private Decision decide(int raw, String why, int current, long nowMillis, PolicyState state) {
        int desired = Math.min(config.max(), Math.max(config.min(), raw));
        if (desired != raw) {
            why += desired > raw ? ", raised to min " + config.min() : ", capped at max " + config.max();
        }
        PolicyState next = state.record(new PolicyState.Recommendation(nowMillis, desired), config.scaleDownWindow().toMillis());

        if (desired > current) {
            long since = state.lastScaleUpMillis() == Long.MIN_VALUE ? Long.MAX_VALUE : nowMillis - state.lastScaleUpMillis();
            // Below min is a broken invariant, not a load reaction: restore it whatever the cooldown says.
            if (current >= config.min() && since < config.cooldown().toMillis()) {
                return hold(current, desired, next, why + "; scale-up held: cooldown, " + (config.cooldown().toMillis() - since)
                        + " ms left");
            }
            int target = Math.min(desired, current + config.maxStepUp());
            String step = target < desired ? " (step limit +" + config.maxStepUp() + ")" : "";
            return result(target, Decision.Kind.UP, desired, next.scaledUpAt(nowMillis),
                    "scale up " + current + " -> " + target + step + ": " + why);
        }
        if (desired < current) {
            int stabilised = Math.min(config.max(), next.maxRecommended());
            if (stabilised >= current) {
                return hold(current, desired, next, why + "; scale-down held: " + stabilised + " recommended within the last "
                        + config.scaleDownWindow().toSeconds() + " s");
            }
            int target = Math.max(stabilised, current - config.maxStepDown());
            String step = target > stabilised ? " (step limit -" + config.maxStepDown() + ")" : "";
            return result(target, Decision.Kind.DOWN, desired, next, "scale down " + current + " -> " + target + step + ": " + why);
        }
        return hold(current, desired, next, "at target " + current + ": " + why);
    }

    private Decision hold(int current, int desired, PolicyState next, String reason) {
        return new Decision(current, reason, Decision.Kind.HOLD, config.dryRun(), desired, next);
    }

    private Decision result(int target, Decision.Kind kind, int desired, PolicyState next, String reason) {
        return new Decision(target, config.dryRun() ? "dry run, would " + reason : reason, kind, config.dryRun(), desired, next);
    }

    private static String fmt(double d) {
        return String.format(java.util.Locale.ROOT, "%.1f", d);
    }
}
