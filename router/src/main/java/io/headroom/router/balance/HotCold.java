package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;
import io.headroom.time.Ticker;

import java.util.List;

/**
 * Prequal's hot-cold lexicographic rule (Wydrowski et al., "Load is not what you should balance", NSDI'24), on the
 * router's own estimates instead of probes: draw {@code choices} candidates (in proportion to weight); a candidate is
 * <em>hot</em> when its requests in flight exceed the {@code quantile} of the pool's requests in flight. Among the cold
 * candidates the one with the lowest latency estimate wins; when every candidate is hot, the one with the fewest
 * requests in flight wins. Ties go to the earlier draw.
 *
 * <p>Requests in flight are {@link Backend#outstanding()} (this router's view); latency is the member's decayed
 * peak-EWMA estimate, fed only by answers that are neither 5xx nor 429 (see {@link Backend#observeLatency}), so a fast
 * error never makes a member look fast. A member without a sample yet has latency 0: while it is cold it gets tried.
 *
 * <p>The quantile test needs no sort and no allocation: with {@code n} members and the nearest-rank quantile
 * {@code Q = sorted[ceil(q·n) - 1]}, {@code rif > Q} holds exactly when at least {@code ceil(q·n)} members have fewer
 * requests in flight than {@code rif}; that is one pass over the members per candidate. Pools larger than
 * {@value #MAX_SCAN} members count over a window of {@value #MAX_SCAN} consecutive members from a random start instead
 * (a sample of the distribution, as Prequal's probe pool is).
 */
final class HotCold implements Balancer {
    static final int MAX_SCAN = 64;

    private final Members m;
    private final Rng rng;
    private final int choices;
    /** ceil(q · members counted): a candidate is hot when at least this many counted members have fewer in flight. */
    private final int hotRank;
    private final int scan;

    /**
     * @param ticker   unused: latencies are compared on their clock-free keys ({@link Backend#latencyKey()})
     * @param choices  candidates drawn per pick (d >= 1)
     * @param quantile q in [0, 1]: 0 makes a candidate hot whenever some member has fewer in flight, 1 never (then the
     *                 lowest latency of the d candidates wins)
     */
    HotCold(Members m, long seed, Ticker ticker, int choices, double quantile) {
        if (choices < 1) {
            throw new IllegalArgumentException("choices: " + choices + " (expected: >= 1)");
        }
        if (!(quantile >= 0 && quantile <= 1)) {
            throw new IllegalArgumentException("quantile: " + quantile + " (expected: 0 <= q <= 1)");
        }
        this.m = m;
        this.rng = new Rng(seed);
        this.choices = choices;
        this.scan = Math.min(m.size(), MAX_SCAN);
        // nearest rank, at least 1: with q = 0 the quantile is the minimum, and a candidate is hot when any member has fewer
        this.hotRank = Math.max(1, (int) Math.ceil(quantile * scan - 1e-9));
    }

    @Override
    public Backend pick(RequestContext ctx) {
        Backend[] b = m.backends;
        int n = b.length;
        if (n <= 1) {
            return n == 0 ? null : b[0];
        }
        int cold = -1;
        double coldLatency = 0;
        int hot = -1;
        int hotRif = 0;
        int first = -1;
        for (int c = 0; c < choices; c++) {
            int i;
            if (c == 0) {
                i = first = m.weightedIndex(rng);
            } else if (c == 1) {
                i = m.otherIndex(rng, first);
            } else {
                i = m.weightedIndex(rng);
            }
            int rif = b[i].outstanding();
            if (isHot(b, rif)) {
                if (hot < 0 || rif < hotRif) {
                    hot = i;
                    hotRif = rif;
                }
            } else {
                // the clock-free key orders estimates as they are at any instant: no clock read, no exp
                double latency = b[i].latencyKey();
                if (cold < 0 || latency < coldLatency) {
                    cold = i;
                    coldLatency = latency;
                }
            }
        }
        return cold >= 0 ? b[cold] : b[hot];
    }

    /** Whether {@code rif} is above the pool's RIF quantile (see the class comment). */
    private boolean isHot(Backend[] b, int rif) {
        if (rif == 0) {
            return false; // nothing can have fewer: never above a quantile
        }
        int n = b.length;
        int start = n <= MAX_SCAN ? 0 : rng.nextInt(n);
        int below = 0;
        int need = hotRank;
        // stop as soon as the verdict is known: enough members below, or too few left to get there
        for (int k = 0, j = start; k < scan; k++) {
            if (b[j].outstanding() < rif) {
                if (++below >= need) {
                    return true;
                }
            } else if (below + (scan - k - 1) < need) {
                return false;
            }
            if (++j == n) {
                j = 0;
            }
        }
        return false;
    }

    @Override
    public List<Backend> members() {
        return m.list;
    }
}
