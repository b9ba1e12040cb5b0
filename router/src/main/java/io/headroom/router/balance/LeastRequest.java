package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;

import java.util.List;

/**
 * Least request with power of two choices: draw two distinct members (in proportion to weight) and take the one with
 * fewer requests in flight per unit of weight; ties go to the first draw. Outstanding counts live in {@link Backend}.
 */
final class LeastRequest implements Balancer {
    private final Members m;
    private final Rng rng;

    LeastRequest(Members m, long seed) {
        this.m = m;
        this.rng = new Rng(seed);
    }

    @Override
    public Backend pick(RequestContext ctx) {
        Backend[] b = m.backends;
        if (b.length <= 1) {
            return b.length == 0 ? null : b[0];
        }
        int i = m.weightedIndex(rng);
        int j = m.otherIndex(rng, i);
        // (out_j + 1) / w_j < (out_i + 1) / w_i, cross-multiplied
        double li = (b[i].outstanding() + 1) * m.weights[j];
        double lj = (b[j].outstanding() + 1) * m.weights[i];
        return lj < li ? b[j] : b[i];
    }

    @Override
    public List<Backend> members() {
        return m.list;
    }
}
