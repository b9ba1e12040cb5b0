package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;

import java.util.List;

/** Weighted random: a seeded draw and a binary search over prefix sums. */
final class RandomBalancer implements Balancer {
    private final Members m;
    private final Rng rng;

    RandomBalancer(Members m, long seed) {
        this.m = m;
        this.rng = new Rng(seed);
    }

    @Override
    public Backend pick(RequestContext ctx) {
        if (m.size() == 0) {
            return null;
        }
        return m.backends[m.weightedIndex(rng)];
    }

    @Override
    public List<Backend> members() {
        return m.list;
    }
}
