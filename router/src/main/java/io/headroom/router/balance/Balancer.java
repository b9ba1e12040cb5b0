package io.headroom.router.balance;

import io.headroom.router.config.BalancerConfig;
import io.headroom.router.upstream.Backend;
import io.headroom.time.Ticker;

import java.util.List;

/**
 * Picks a backend for a request over an immutable set of members. Implementations are built once per snapshot and
 * must be safe and lock-free for concurrent {@link #pick} calls; changing members or weights builds a new one.
 */
public interface Balancer {

    /** The backend for this request, or null when there is none. */
    Backend pick(RequestContext ctx);

    /** The members this balancer chooses from (weight > 0), in schedule order of first appearance. */
    List<Backend> members();

    /**
     * Smooth weighted round robin (nginx's algorithm) precomputed into a schedule, so {@link #pick} is one atomic
     * increment and an array read. Weights are scaled to integers (see {@link SmoothWeightedRoundRobin#integerWeights}).
     *
     * @param backends members
     * @param weights  their weights, same order; zero excludes a member; all zero means all equal
     */
    static Balancer smoothWeighted(List<Backend> backends, double[] weights) {
        return SmoothWeightedRoundRobin.create(backends, weights);
    }

    /**
     * Builds the balancer of {@code type} over a snapshot's members.
     *
     * @param type     the algorithm
     * @param backends members
     * @param weights  their weights, same order; zero excludes a member; all zero means all equal (round robin only
     *                 uses them to exclude)
     * @param seed     seed of the balancer's random draws (P2C, random, hash fallback) and round robin's start
     * @param ticker   monotonic time (peak-EWMA decay)
     */
    static Balancer of(BalancerConfig.Type type, List<Backend> backends, double[] weights, long seed, Ticker ticker) {
        return switch (type) {
            case SMOOTH_WEIGHTED -> SmoothWeightedRoundRobin.create(backends, weights);
            case ROUND_ROBIN -> new RoundRobin(new Members(backends, weights), seed);
            case RANDOM -> new RandomBalancer(new Members(backends, weights), seed);
            case LEAST_REQUEST -> new LeastRequest(new Members(backends, weights), seed);
            case PEAK_EWMA -> new PeakEwma(new Members(backends, weights), seed, ticker);
            case RING_HASH -> new RingHash(new Members(backends, weights), seed);
            case MAGLEV -> new Maglev(new Members(backends, weights), seed);
            case HOT_COLD -> new HotCold(new Members(backends, weights), seed, ticker, BalancerConfig.DEFAULT_CHOICES,
                    BalancerConfig.DEFAULT_HOT_QUANTILE);
        };
    }

    /** As {@link #of(BalancerConfig.Type, List, double[], long, Ticker)}, with the type's settings from {@code config}. */
    static Balancer of(BalancerConfig config, List<Backend> backends, double[] weights, long seed, Ticker ticker) {
        if (config.type() == BalancerConfig.Type.HOT_COLD) {
            return new HotCold(new Members(backends, weights), seed, ticker, config.choices(), config.hotQuantile());
        }
        return of(config.type(), backends, weights, seed, ticker);
    }

    /** A balancer with no members: every pick is null (the proxy answers 503). */
    static Balancer empty() {
        return SmoothWeightedRoundRobin.create(List.of(), new double[0]);
    }
}
