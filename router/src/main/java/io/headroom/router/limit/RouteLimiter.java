package io.headroom.router.limit;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The rate limits and quotas that one route applies: GCRA rates in the order consumer (all routes), route, consumer on
 * this route; then long-period quotas in the same order (each in period order: minute, hour, day, month). A request is
 * admitted only if every limit admits it; if a later one refuses, the admissions already taken are given back. The
 * answer carries the IETF {@code RateLimit} value of the most constrained policy (fewest requests left) and the
 * {@code RateLimit-Policy} list of all of them (draft-ietf-httpapi-ratelimit-headers). A refusing quota's
 * {@code Retry-After} is the time until its window resets.
 */
public final class RouteLimiter {
    private static final Quota[] NONE = new Quota[0];

    private final RateLimiter global;
    private final Policy route;
    private final Policy perConsumer;
    private final AtomicLong routeCell = new AtomicLong(Gcra.EMPTY);
    private final Cells perConsumerCells = new Cells(RateLimiter.MAX_KEYS);
    private final Quota[] routeQuotas;
    private final Quota[] routeConsumerQuotas;

    RouteLimiter(RateLimiter global, Policy route, Policy perConsumer, Quota[] routeQuotas, Quota[] routeConsumerQuotas) {
        this.global = global;
        this.route = route;
        this.perConsumer = perConsumer;
        this.routeQuotas = routeQuotas == null ? NONE : routeQuotas;
        this.routeConsumerQuotas = routeConsumerQuotas == null ? NONE : routeConsumerQuotas;
    }

    RouteLimiter(RateLimiter global, Policy route, Policy perConsumer) {
        this(global, route, perConsumer, NONE, NONE);
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
        Quota[] consumerQuotas = global.consumerQuotas(consumer);
        int nq = consumerQuotas.length + routeQuotas.length + routeConsumerQuotas.length;
        if (c == null && route == null && perConsumer == null && nq == 0) {
            return null;
        }
        long now = global.ticker.read();
        Policy[] ps = {c, route, perConsumer};
        AtomicLong[] cells = new AtomicLong[3];
        String policies = null;
        String tightestName = null;
        long tightestRemaining = Long.MAX_VALUE;
        long tightestSeconds = 0;
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
                refundRates(ps, cells, i);
                for (int j = i + 1; j < 3; j++) {
                    if (ps[j] != null) {
                        policies = policies + ", " + ps[j].header();
                    }
                }
                if (nq > 0) {
                    policies = quotaHeaders(policies, consumerQuotas, global.clock.millis());
                }
                long retry = Math.max(1, ceilSeconds(-a));
                return new Decision(false, p.name(), retry, "\"" + p.name() + "\";r=0;t=" + retry, policies);
            }
            cells[i] = cell;
            long remaining = (p.capacity() - a) / p.emission();
            if (remaining < tightestRemaining) {
                tightestRemaining = remaining;
                tightestName = p.name();
                tightestSeconds = ceilSeconds(a);
            }
        }
        if (nq == 0) {
            return new Decision(true, tightestName, 0, "\"" + tightestName + "\";r=" + tightestRemaining + ";t=" + tightestSeconds,
                    policies);
        }
        // Quotas: each window is one volatile read; each count one CAS.
        long millis = global.clock.millis();
        AtomicLong[] qCells = new AtomicLong[nq];
        Quota.Window[] qWindows = new Quota.Window[nq];
        int k = 0;
        for (int group = 0; group < 3; group++) {
            Quota[] qs = group == 0 ? consumerQuotas : group == 1 ? routeQuotas : routeConsumerQuotas;
            for (Quota q : qs) {
                Quota.Window w = q.window(millis);
                policies = policies == null ? w.header() : policies + ", " + w.header();
                AtomicLong cell = group == 1 ? q.shared() : q.cell(consumer, w);
                long left = q.acquire(cell, w);
                long reset = Math.max(1, (w.end() - millis + 999) / 1000);
                if (left < 0) {
                    refundRates(ps, cells, 3);
                    for (int j = 0; j < k; j++) {
                        Quota.refund(qCells[j], qWindows[j]);
                    }
                    policies = quotaHeadersAfter(policies, consumerQuotas, group, q, millis);
                    return new Decision(false, q.name(), reset, "\"" + q.name() + "\";r=0;t=" + reset, policies);
                }
                qCells[k] = cell;
                qWindows[k++] = w;
                if (left < tightestRemaining) {
                    tightestRemaining = left;
                    tightestName = q.name();
                    tightestSeconds = reset;
                }
            }
        }
        return new Decision(true, tightestName, 0, "\"" + tightestName + "\";r=" + tightestRemaining + ";t=" + tightestSeconds, policies);
    }

    private static void refundRates(Policy[] ps, AtomicLong[] cells, int upTo) {
        for (int j = 0; j < upTo; j++) {
            if (cells[j] != null) {
                Gcra.refund(cells[j], ps[j].emission());
            }
        }
    }

    /** Every quota's policy item appended (a rate refused before any quota was counted). */
    private String quotaHeaders(String policies, Quota[] consumerQuotas, long millis) {
        for (Quota[] qs : new Quota[][]{consumerQuotas, routeQuotas, routeConsumerQuotas}) {
            for (Quota q : qs) {
                String h = q.window(millis).header();
                policies = policies == null ? h : policies + ", " + h;
            }
        }
        return policies;
    }

    /** The policy items of the quotas after {@code refusing} appended, so the list is the same whoever refuses. */
    private String quotaHeadersAfter(String policies, Quota[] consumerQuotas, int group, Quota refusing, long millis) {
        boolean after = false;
        for (int g = group; g < 3; g++) {
            Quota[] qs = g == 0 ? consumerQuotas : g == 1 ? routeQuotas : routeConsumerQuotas;
            for (Quota q : qs) {
                if (after) {
                    policies = policies + ", " + q.window(millis).header();
                }
                if (q == refusing) {
                    after = true;
                }
            }
        }
        return policies;
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }
}
