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

    /** ln(n) for n < {@value #LN_TABLE}: the in-flight factor of a load without a {@code log} call. */
    private static final int LN_TABLE = 1024;
    private static final double[] LN = new double[LN_TABLE];

    static {
        for (int n = 1; n < LN_TABLE; n++) {
            LN[n] = Math.log(n);
        }
        LN[0] = Double.NEGATIVE_INFINITY;
    }

    private final Members m;
    private final Rng rng;
    private final Ticker ticker;
    /** ln(weight) of each member. */
    private final double[] lnWeights;

    PeakEwma(Members m, long seed, Ticker ticker) {
        this.m = m;
        this.rng = new Rng(seed);
        this.ticker = ticker;
        this.lnWeights = new double[m.size()];
        for (int i = 0; i < lnWeights.length; i++) {
            lnWeights[i] = Math.log(m.weights[i]);
        }
    }

    /**
     * The lighter of two weighted draws. Loads are compared as logarithms on the members' clock-free latency keys
     * ({@link Backend#latencyKey()}): {@code ln(load) + now/decay = key + ln(in flight + 1) - ln(weight)}, and
     * {@code now/decay} is the same on both sides, so a pick reads no clock and computes no {@code exp}. Only when a
     * candidate has no sample yet (its load is not a decayed latency) is the load computed as such, with the clock.
     */
    @Override
    public Backend pick(RequestContext ctx) {
        Backend[] b = m.backends;
        if (b.length <= 1) {
            return b.length == 0 ? null : b[0];
        }
        int i = m.weightedIndex(rng);
        int j = m.otherIndex(rng, i);
        double ki = b[i].latencyKey();
        double kj = b[j].latencyKey();
        if (ki == Double.NEGATIVE_INFINITY || kj == Double.NEGATIVE_INFINITY) {
            long now = ticker.read();
            return load(j, now) < load(i, now) ? b[j] : b[i];
        }
        double li = ki + ln(b[i].outstanding() + 1) - lnWeights[i];
        double lj = kj + ln(b[j].outstanding() + 1) - lnWeights[j];
        return lj < li ? b[j] : b[i];
    }

    private static double ln(int n) {
        return n < LN_TABLE && n >= 0 ? LN[n] : Math.log(n);
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
