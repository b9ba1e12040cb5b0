package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;

import java.util.ArrayList;
import java.util.List;

/**
 * The members with a positive weight and their weights, plus an alias table for weighted random picks. Built once per
 * snapshot; read-only afterwards.
 */
final class Members {
    final Backend[] backends;
    final double[] weights;
    final double total;
    final boolean uniform;
    final List<Backend> list;
    /** Alias table (weighted draws): column i keeps i when the low 32 bits of a draw are below threshold[i]. */
    final long[] threshold;
    final int[] alias;

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
        double sum = 0;
        boolean same = true;
        for (int i = 0; i < weights.length; i++) {
            weights[i] = ws.get(i);
            sum += weights[i];
            same &= weights[i] == weights[0];
        }
        total = sum;
        uniform = same;
        list = List.of(backends);
        threshold = new long[weights.length];
        alias = new int[weights.length];
        if (!uniform) {
            vose();
        }
    }

    /**
     * Vose's alias method: column i of the table keeps itself with probability threshold[i] / 2^32 and gives the rest
     * to alias[i], so that a weighted draw is one random column and one coin, with no search.
     */
    private void vose() {
        int n = weights.length;
        double[] p = new double[n];
        int[] small = new int[n];
        int[] large = new int[n];
        int ns = 0;
        int nl = 0;
        for (int i = 0; i < n; i++) {
            p[i] = weights[i] * n / total;
            if (p[i] < 1) {
                small[ns++] = i;
            } else {
                large[nl++] = i;
            }
        }
        while (ns > 0 && nl > 0) {
            int s = small[--ns];
            int l = large[--nl];
            threshold[s] = (long) (p[s] * 0x1p32);
            alias[s] = l;
            p[l] = (p[l] + p[s]) - 1;
            if (p[l] < 1) {
                small[ns++] = l;
            } else {
                large[nl++] = l;
            }
        }
        while (nl > 0) {
            int l = large[--nl];
            threshold[l] = 1L << 32; // keeps itself always
            alias[l] = l;
        }
        while (ns > 0) { // only from rounding: a column that is full in exact arithmetic
            int s = small[--ns];
            threshold[s] = 1L << 32;
            alias[s] = s;
        }
    }

    private static boolean valid(double d) {
        return d > 0 && !Double.isInfinite(d) && !Double.isNaN(d);
    }

    int size() {
        return backends.length;
    }

    /**
     * A member index drawn in proportion to weight: one draw, its high 32 bits choose a column of the alias table
     * and its low 32 bits toss the column's coin (equal weights: the column alone).
     */
    int weightedIndex(Rng rng) {
        int n = backends.length;
        if (uniform) {
            return rng.nextInt(n);
        }
        long r = rng.nextLong();
        int i = (int) (((r >>> 32) * n) >>> 32);
        return (r & 0xFFFFFFFFL) < threshold[i] ? i : alias[i];
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
