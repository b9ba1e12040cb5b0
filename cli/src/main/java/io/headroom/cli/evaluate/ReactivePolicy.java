package io.headroom.cli.evaluate;

import java.util.ArrayDeque;

/**
 * The Kubernetes HPA with its default behaviour, on demand: {@code desired = ceil(current × observed / target)}, which
 * with the load spread over the instances is {@code ceil(rate / (capacity × target utilisation))}.
 * <ul>
 *   <li>Tolerance: no change while {@code observed / target} is within {@code 1 ± 0.1}.</li>
 *   <li>Sync: it re-evaluates every 15 s, so {@code syncsPerStep} times per step (4 in a minute), each time on the step's
 *       demand (a per-minute trace has one rate per minute).</li>
 *   <li>Scale-up: no stabilisation; each sync may add at most {@code max(100 %, 4 instances)} of the current count (the
 *       HPA's default scale-up policies, {@code selectPolicy: Max}).</li>
 *   <li>Scale-down: only to the highest recommendation of the stabilisation window (5 minutes); the default 100 %
 *       per 15 s scale-down policy never binds after that.</li>
 * </ul>
 * It sees the offered demand, including what the ready instances could not serve, as a gateway in front of them counts
 * it (an HPA on per-pod CPU would see at most 100 % per pod and need several rounds to catch up a surge).
 */
final class ReactivePolicy {
    private record Recommendation(int step, int target) {
    }

    private final double plannedPerInstance;
    private final double tolerance;
    private final int windowSteps;
    private final int syncsPerStep;
    private final ArrayDeque<Recommendation> recent = new ArrayDeque<>();

    /** One sync per step. */
    ReactivePolicy(double plannedPerInstance, double tolerance, int windowSteps) {
        this(plannedPerInstance, tolerance, windowSteps, 1);
    }

    /**
     * @param plannedPerInstance req/s one instance should carry (capacity × target utilisation)
     * @param tolerance          relative band in which nothing changes
     * @param windowSteps        scale-down stabilisation window, in steps
     * @param syncsPerStep       HPA evaluations per step (step / 15 s)
     */
    ReactivePolicy(double plannedPerInstance, double tolerance, int windowSteps, int syncsPerStep) {
        this.plannedPerInstance = plannedPerInstance;
        this.tolerance = tolerance;
        this.windowSteps = Math.max(1, windowSteps);
        this.syncsPerStep = Math.max(1, syncsPerStep);
    }

    /** Instances needed for {@code rate} at the target utilisation, at least 1. */
    static int need(double rate, double plannedPerInstance) {
        return Math.max(1, (int) Math.ceil(rate / plannedPerInstance - 1e-9));
    }

    /** The most one sync may scale {@code current} up to: the larger of doubling and adding 4. */
    static int scaleUpLimit(int current) {
        return Math.max(2 * current, current + 4);
    }

    /** The target at step {@code t}, having observed {@code rate} req/s with {@code current} instances asked for. */
    int decide(int t, double rate, int current) {
        while (!recent.isEmpty() && recent.peekFirst().step() <= t - windowSteps) {
            recent.pollFirst();
        }
        int target = current;
        for (int i = 0; i < syncsPerStep; i++) {
            target = sync(t, rate, target);
        }
        return target;
    }

    private int sync(int t, double rate, int current) {
        int rec;
        if (current <= 0) {
            rec = need(rate, plannedPerInstance);
        } else {
            double ratio = rate / (current * plannedPerInstance);
            rec = Math.abs(ratio - 1) <= tolerance ? current : need(rate, plannedPerInstance);
        }
        recent.addLast(new Recommendation(t, rec));
        if (rec >= current) {
            return current <= 0 ? rec : Math.min(rec, scaleUpLimit(current));
        }
        int stabilised = 0;
        for (Recommendation r : recent) {
            stabilised = Math.max(stabilised, r.target());
        }
        return Math.min(current, stabilised);
    }
}
