package io.headroom.router.limit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The rate limits that one route applies, checked in the order consumer (all routes), route, consumer on this route.
 * A request is admitted only if every limit admits it; if a later limit refuses, the admissions already taken are
 * given back. The answer carries the IETF {@code RateLimit} value of the most constrained policy and the
 * {@code RateLimit-Policy} list of all of them (draft-ietf-httpapi-ratelimit-headers).
 */
public final class RouteLimiter {
    private final RateLimiter global;
    private final Policy route;
    private final Policy perConsumer;
    private final AtomicLong routeCell = new AtomicLong(Gcra.EMPTY);
    private final Cells perConsumerCells = new Cells(RateLimiter.MAX_KEYS);

    RouteLimiter(RateLimiter global, Policy route, Policy perConsumer) {
        this.global = global;
        this.route = route;
        this.perConsumer = perConsumer;
    }

    /**
     * The outcome of one request.
     *
     * @param allowed           admitted or not
     * @param policyName        the refusing policy, or the most constrained one when admitted
     * @param retryAfterSeconds whole seconds until a retry can be admitted (refused only; at least 1)
     * @param rateLimit         the {@code RateLimit} value: {@code "name";r=REMAINING;t=SECONDS}
     * @param policies          the {@code RateLimit-Policy} value: every applied policy
     */
    public record Decision(boolean allowed, String policyName, long retryAfterSeconds, String rateLimit, String policies) {
    }

    /** Takes one admission for {@code consumer}; null when no limit applies to it here. */
    public Decision acquire(String consumer) {
        Policy c = global.consumerPolicy(consumer);
        if (c == null && route == null && perConsumer == null) {
            return null;
        }
        long now = global.ticker.read();
        Policy[] ps = {c, route, perConsumer};
        AtomicLong[] cells = new AtomicLong[3];
        long[] ahead = new long[3];
        String policies = null;
        int tightest = -1;
        long tightestRemaining = Long.MAX_VALUE;
        for (int i = 0; i < 3; i++) {
            Policy p = ps[i];
            if (p == null) {
                continue;
            }
            policies = policies == null ? p.header() : policies + ", " + p.header();
            AtomicLong cell = switch (i) {
                case 0 -> global.consumerCell(consumer, now);
                case 1 -> routeCell;
                default -> perConsumerCells.cell(consumer, now);
            };
            long a = Gcra.acquire(cell, now, p.emission(), p.capacity());
            if (a < 0) {
                for (int j = 0; j < i; j++) {
                    if (cells[j] != null) {
                        Gcra.refund(cells[j], ps[j].emission());
                    }
                }
                for (int j = i + 1; j < 3; j++) {
                    if (ps[j] != null) {
                        policies = policies + ", " + ps[j].header();
                    }
                }
                long retry = Math.max(1, ceilSeconds(-a));
                return new Decision(false, p.name(), retry, "\"" + p.name() + "\";r=0;t=" + retry, policies);
            }
            cells[i] = cell;
            ahead[i] = a;
            long remaining = (p.capacity() - a) / p.emission();
            if (remaining < tightestRemaining) {
                tightestRemaining = remaining;
                tightest = i;
            }
        }
        Policy t = ps[tightest];
        return new Decision(true, t.name(), 0, "\"" + t.name() + "\";r=" + tightestRemaining + ";t=" + ceilSeconds(ahead[tightest]),
                policies);
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }
}
