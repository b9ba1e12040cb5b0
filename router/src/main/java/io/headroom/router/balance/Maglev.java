package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;

import java.util.Arrays;
import java.util.List;

/**
 * Maglev consistent hashing (Eisenbud et al., NSDI'16) with Envoy's weighting: a lookup table of a prime size
 * ({@value #TABLE_SIZE}) filled from each member's permutation, members taking turns in proportion to weight. A pick is
 * one table read. Removing one of N members remaps about 1/N of keys (slightly more than a ring). Requests without a
 * hash key get a seeded random member.
 */
final class Maglev implements Balancer {
    static final int TABLE_SIZE = 65537;

    private final Members m;
    private final Backend[] table;
    private final Rng rng;

    Maglev(Members m, long seed) {
        this(m, seed, TABLE_SIZE);
    }

    Maglev(Members m, long seed, int tableSize) {
        this.m = m;
        this.rng = new Rng(seed);
        int n = m.size();
        if (n == 0) {
            table = new Backend[0];
            return;
        }
        long size = tableSize;
        long[] offset = new long[n];
        long[] skip = new long[n];
        long[] next = new long[n];
        double[] target = new double[n];
        double max = 0;
        for (int i = 0; i < n; i++) {
            long h = Hashing.hash64(m.backends[i].address());
            offset[i] = Long.remainderUnsigned(h, size);
            skip[i] = Long.remainderUnsigned(Rng.mix(h ^ 0x5DEECE66DL), size - 1) + 1;
            max = Math.max(max, m.weights[i]);
        }
        int[] slots = new int[tableSize];
        Arrays.fill(slots, -1);
        int filled = 0;
        for (long iteration = 1; filled < tableSize; iteration++) {
            for (int i = 0; i < n && filled < tableSize; i++) {
                // a member of the largest weight takes a slot every round; one of a third of it every third round
                if (iteration * m.weights[i] < target[i]) {
                    continue;
                }
                target[i] += max;
                long c = (offset[i] + next[i] * skip[i]) % size;
                while (slots[(int) c] >= 0) {
                    next[i]++;
                    c = (offset[i] + next[i] * skip[i]) % size;
                }
                slots[(int) c] = i;
                next[i]++;
                filled++;
            }
        }
        table = new Backend[tableSize];
        for (int i = 0; i < tableSize; i++) {
            table[i] = m.backends[slots[i]];
        }
    }

    @Override
    public Backend pick(RequestContext ctx) {
        Backend[] t = table;
        if (t.length == 0) {
            return null;
        }
        if (!ctx.hashed()) {
            return m.backends[m.weightedIndex(rng)];
        }
        return t[(int) Long.remainderUnsigned(ctx.hash(), t.length)];
    }

    @Override
    public List<Backend> members() {
        return m.list;
    }
}
