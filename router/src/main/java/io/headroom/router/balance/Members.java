package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;

import java.util.ArrayList;
import java.util.List;

/**
 * The members with a positive weight and their weights, plus prefix sums for weighted random picks. Built once per
 * snapshot; read-only afterwards.
 */
final class Members {
    final Backend[] backends;
    final double[] weights;
    /** cumulative[i] = sum of weights[0..i]. */
    final double[] cumulative;
    final double total;
    final boolean uniform;
    final List<Backend> list;

    Members(List<Backend> all, double[] w) {
        if (all.size() != w.length) {
            throw new IllegalArgumentException("backends: " + all.size() + ", weights: " + w.length + " (expected: equal)");
        }
        boolean anyPositive = false;
        for (double d : w) {
            anyPositive |= valid(d);
        }
        List<Backend> bs = new ArrayList<>();
        List<Double> ws = new ArrayList<>();
        for (int i = 0; i < w.length; i++) {
            if (!anyPositive || valid(w[i])) {
                bs.add(all.get(i));
                ws.add(anyPositive ? w[i] : 1.0);
            }
        }
        backends = bs.toArray(new Backend[0]);
        weights = new double[ws.size()];
        cumulative = new double[ws.size()];
        double sum = 0;
        boolean same = true;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = ws.get(i);
            sum += weights[i];
            cumulative[i] = sum;
            same &= weights[i] == weights[0];
        }
        total = sum;
        uniform = same;
        list = List.of(backends);
    }

    private static boolean valid(double d) {
        return d > 0 && !Double.isInfinite(d) && !Double.isNaN(d);
    }

    int size() {
        return backends.length;
    }

    /** A member index drawn in proportion to weight. */
    int weightedIndex(Rng rng) {
        int n = backends.length;
        if (uniform) {
            return rng.nextInt(n);
        }
        double r = rng.nextDouble() * total;
        int lo = 0;
        int hi = n - 1;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (cumulative[mid] > r) {
                hi = mid;
            } else {
                lo = mid + 1;
            }
        }
        return lo;
    }

    /** A second index, different from {@code first} (n >= 2): weighted, falling back to the next member on a repeat. */
    int otherIndex(Rng rng, int first) {
        int j = weightedIndex(rng);
        if (j == first) {
            j = weightedIndex(rng);
            if (j == first) {
                j = first + 1 == backends.length ? 0 : first + 1;
            }
        }
        return j;
    }
}
