package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * nginx's smooth weighted round robin, run once at build time into a schedule of {@code sum(weights)} slots.
 *
 * <p>Each step adds every member's weight to its current value, picks the largest (first on ties) and subtracts the
 * total from it; the sequence repeats after {@code sum(weights)} steps, so precomputing one period gives identical
 * picks while {@link #pick} stays a single atomic increment.
 */
final class SmoothWeightedRoundRobin implements Balancer {
    /** Weights are scaled so the largest becomes this many units: 1% resolution relative to the heaviest member. */
    static final int RESOLUTION = 100;
    /** Largest integer weight taken exactly: bounds the schedule at 1000 slots per member. */
    static final int MAX_EXACT = 1000;

    private final Backend[] schedule;
    private final List<Backend> members;
    private final AtomicLong next = new AtomicLong();

    private SmoothWeightedRoundRobin(Backend[] schedule, List<Backend> members) {
        this.schedule = schedule;
        this.members = members;
    }

    static SmoothWeightedRoundRobin create(List<Backend> backends, double[] weights) {
        if (backends.size() != weights.length) {
            throw new IllegalArgumentException("backends: " + backends.size() + ", weights: " + weights.length + " (expected: equal)");
        }
        int[] w = integerWeights(weights);
        List<Backend> members = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < w.length; i++) {
            if (w[i] > 0) {
                members.add(backends.get(i));
                total += w[i];
            }
        }
        Backend[] schedule = new Backend[(int) total];
        int[] order = schedule(w);
        for (int i = 0; i < order.length; i++) {
            schedule[i] = backends.get(order[i]);
        }
        return new SmoothWeightedRoundRobin(schedule, List.copyOf(members));
    }

    /**
     * Scales weights to small integers. Weights that are whole numbers after multiplying by 1, 10, 100 or 1000 (the
     * smallest such factor, with the result at most {@value #MAX_EXACT}) are taken exactly, so 5,1,1 stays 5,1,1 and
     * 0.3,0.7 becomes 3,7. Otherwise the largest becomes {@value #RESOLUTION} and every positive weight at least 1
     * (1% resolution relative to the heaviest member). The result is divided by its greatest common divisor.
     * Negative, NaN, infinite and zero weights become 0; if no weight is positive every member gets 1.
     */
    static int[] integerWeights(double[] weights) {
        double max = 0;
        for (double d : weights) {
            if (d > max && !Double.isInfinite(d)) {
                max = d;
            }
        }
        int[] out = new int[weights.length];
        if (max <= 0) {
            java.util.Arrays.fill(out, 1);
            return out;
        }
        boolean exact = false;
        for (int factor = 1; factor <= 1000 && !exact; factor *= 10) {
            if (max * factor > MAX_EXACT) {
                break;
            }
            exact = true;
            for (int i = 0; i < weights.length; i++) {
                double d = weights[i];
                if (d > 0 && !Double.isInfinite(d)) {
                    double scaled = d * factor;
                    long r = Math.round(scaled);
                    if (r < 1 || Math.abs(scaled - r) > 1e-9 * Math.max(1, scaled)) {
                        exact = false;
                        break;
                    }
                    out[i] = (int) r;
                } else {
                    out[i] = 0;
                }
            }
        }
        if (!exact) {
            for (int i = 0; i < weights.length; i++) {
                double d = weights[i];
                out[i] = d > 0 && !Double.isInfinite(d) ? (int) Math.max(1, Math.round(d / max * RESOLUTION)) : 0;
            }
        }
        int g = 0;
        for (int x : out) {
            g = gcd(g, x);
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= g;
        }
        return out;
    }

    /** One period of nginx's smooth weighted round robin over integer weights: the index picked at each step. */
    static int[] schedule(int[] w) {
        int total = 0;
        for (int x : w) {
            total += x;
        }
        int[] current = new int[w.length];
        int[] order = new int[total];
        for (int step = 0; step < total; step++) {
            int best = -1;
            for (int i = 0; i < w.length; i++) {
                if (w[i] <= 0) {
                    continue;
                }
                current[i] += w[i];
                if (best < 0 || current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            order[step] = best;
        }
        return order;
    }

    private static int gcd(int a, int b) {
        while (b != 0) {
            int t = a % b;
            a = b;
            b = t;
        }
        return a;
    }

    @Override
    public Backend pick(RequestContext ctx) {
        Backend[] s = schedule;
        if (s.length == 0) {
            return null;
        }
        return s[(int) Long.remainderUnsigned(next.getAndIncrement(), s.length)];
    }

    @Override
    public List<Backend> members() {
        return members;
    }

    int period() {
        return schedule.length;
    }
}
