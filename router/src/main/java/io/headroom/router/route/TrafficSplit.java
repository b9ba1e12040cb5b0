package io.headroom.router.route;

import io.headroom.router.balance.Rng;

import java.util.List;

/**
 * A weighted choice among a route's pools (canary): one seeded draw and a scan of the cumulative weights (there are
 * only a few). Lock-free; the same seed gives the same sequence of choices.
 *
 * @param <T> what is chosen (the proxy's route target)
 */
public final class TrafficSplit<T> {
    private final Object[] targets;
    private final double[] cumulative;
    private final double total;
    private final Rng rng;

    public TrafficSplit(List<T> targets, double[] weights, long seed) {
        if (targets.isEmpty() || targets.size() != weights.length) {
            throw new IllegalArgumentException("targets " + targets.size() + ", weights " + weights.length + " (expected: same, > 0)");
        }
        this.targets = targets.toArray();
        this.cumulative = new double[weights.length];
        double sum = 0;
        for (int i = 0; i < weights.length; i++) {
            sum += weights[i];
            cumulative[i] = sum;
        }
        if (!(sum > 0)) {
            throw new IllegalArgumentException("split weights sum to " + sum + " (expected: > 0)");
        }
        this.total = sum;
        this.rng = new Rng(seed);
    }

    @SuppressWarnings("unchecked")
    public T pick() {
        if (targets.length == 1) {
            return (T) targets[0];
        }
        double x = rng.nextDouble() * total;
        for (int i = 0; i < cumulative.length - 1; i++) {
            if (x < cumulative[i]) {
                return (T) targets[i];
            }
        }
        return (T) targets[targets.length - 1];
    }
}
