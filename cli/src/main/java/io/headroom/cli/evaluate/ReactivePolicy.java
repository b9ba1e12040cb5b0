package io.headroom.cli.evaluate;

import java.util.ArrayDeque;

/**
 * An HPA-like reactive policy: {@code desired = ceil(current × observed / target)}, expressed on demand as
 * {@code ceil(rate / (capacity × target utilisation))}; no change while the ratio is within the tolerance (10 %);
 * scale-up at once; scale-down only to the highest recommendation within the stabilisation window (5 minutes).
 */
final class ReactivePolicy {
    private record Recommendation(int step, int target) {
    }

    private final double plannedPerInstance;
    private final double tolerance;
    private final int windowSteps;
    private final ArrayDeque<Recommendation> recent = new ArrayDeque<>();

    /**
     * @param plannedPerInstance req/s one instance should carry (capacity × target utilisation)
     * @param tolerance          relative band in which nothing changes
     * @param windowSteps        scale-down stabilisation window, in steps
     */
    ReactivePolicy(double plannedPerInstance, double tolerance, int windowSteps) {
        this.plannedPerInstance = plannedPerInstance;
        this.tolerance = tolerance;
        this.windowSteps = Math.max(1, windowSteps);
    }

    /** Instances needed for {@code rate} at the target utilisation, at least 1. */
    static int need(double rate, double plannedPerInstance) {
        return Math.max(1, (int) Math.ceil(rate / plannedPerInstance - 1e-9));
    }

    /** The target at step {@code t}, having observed {@code rate} req/s with {@code current} instances asked for. */
    int decide(int t, double rate, int current) {
        int rec;
        if (current <= 0) {
            rec = need(rate, plannedPerInstance);
        } else {
            double ratio = rate / (current * plannedPerInstance);
            rec = Math.abs(ratio - 1) <= tolerance ? current : need(rate, plannedPerInstance);
        }
        while (!recent.isEmpty() && recent.peekFirst().step() <= t - windowSteps) {
            recent.pollFirst();
        }
        recent.addLast(new Recommendation(t, rec));
        if (rec >= current) {
            return rec;
        }
        int stabilised = 0;
        for (Recommendation r : recent) {
            stabilised = Math.max(stabilised, r.target());
        }
        return Math.min(current, stabilised);
    }
}
