package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;

import java.util.Arrays;
import java.util.List;

/**
 * Consistent hashing on a ring (Ketama): each member owns points in proportion to its weight, {@value #POINTS} for
 * the lightest (the count does not depend on how many members there are, so churn moves only the keys of the members
 * that changed); a key goes to the first point at or after its hash. Removing one of N
 * members moves only the keys it owned (about 1/N). Requests without a hash key get a seeded random member.
 */
final class RingHash implements Balancer {
    static final int POINTS = 160;
    static final int MAX_RING_SIZE = 1 << 20;

    private final Members m;
    private final long[] points;
    private final Backend[] owners;
    private final Rng rng;

    RingHash(Members m, long seed) {
        this.m = m;
        this.rng = new Rng(seed);
        int n = m.size();
        if (n == 0) {
            points = new long[0];
            owners = new Backend[0];
            return;
        }
        double min = Double.MAX_VALUE;
        for (double w : m.weights) {
            min = Math.min(min, w);
        }
        // the lightest member gets POINTS points, the others in proportion, within the cap
        double perUnit = POINTS / min;
        if (perUnit * m.total > MAX_RING_SIZE) {
            perUnit = MAX_RING_SIZE / m.total;
        }
        int size = 0;
        int[] count = new int[n];
        for (int i = 0; i < n; i++) {
            count[i] = (int) Math.max(1, Math.round(m.weights[i] * perUnit));
            size += count[i];
        }
        long[][] pairs = new long[size][];
        int k = 0;
        for (int i = 0; i < n; i++) {
            long base = Hashing.hash64(m.backends[i].address());
            for (int r = 0; r < count[i]; r++) {
                pairs[k++] = new long[]{Rng.mix(base + (r + 1) * 0x9E3779B97F4A7C15L), i};
            }
        }
        Arrays.sort(pairs, (a, c) -> a[0] != c[0] ? Long.compare(a[0], c[0]) : Long.compare(a[1], c[1]));
        points = new long[size];
        owners = new Backend[size];
        for (int i = 0; i < size; i++) {
            points[i] = pairs[i][0];
            owners[i] = m.backends[(int) pairs[i][1]];
        }
    }

    @Override
    public Backend pick(RequestContext ctx) {
        if (points.length == 0) {
            return null;
        }
        if (!ctx.hashed()) {
            return m.backends[m.weightedIndex(rng)];
        }
        int i = Arrays.binarySearch(points, ctx.hash());
        if (i < 0) {
            i = -i - 1;
        }
        return owners[i == points.length ? 0 : i];
    }

    @Override
    public List<Backend> members() {
        return m.list;
    }

    int ringSize() {
        return points.length;
    }
}
