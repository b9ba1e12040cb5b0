package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;
import io.headroom.time.Ticker;

import java.util.List;

/**
 * Finagle's peak-EWMA with power of two choices: the load of a member is its decayed peak-EWMA latency × (requests in
 * flight + 1) ÷ weight, and the lighter of two random draws wins. A member with no latency sample yet costs 0 while
 * idle (so it gets tried) and a large penalty while it has requests in flight (so it is not flooded before the first
 * answer). Latency samples come only from successful answers (see {@link Backend#observeLatency}).
 */
final class PeakEwma implements Balancer {
    /** Load of an unmeasured member with requests in flight: larger than any real latency (~ 1 h in ns) times load. */
    static final double PENALTY = 3.6e12;

    private final Members m;
    private final Rng rng;
    private final Ticker ticker;

    PeakEwma(Members m, long seed, Ticker ticker) {
        this.m = m;
        this.rng = new Rng(seed);
        this.ticker = ticker;
    }

    @Override
    public Backend pick(RequestContext ctx) {
        Backend[] b = m.backends;
        if (b.length <= 1) {
            return b.length == 0 ? null : b[0];
        }
        int i = m.weightedIndex(rng);
        int j = m.otherIndex(rng, i);
        long now = ticker.read();
        return load(j, now) < load(i, now) ? b[j] : b[i];
    }

    double load(int i, long now) {
        Backend be = m.backends[i];
        int out = be.outstanding();
        double cost = be.latencyEstimate(now);
        if (cost == 0) {
            return out == 0 ? 0 : PENALTY + out;
        }
        return cost * (out + 1) / m.weights[i];
    }

    @Override
    public List<Backend> members() {
        return m.list;
    }
}
