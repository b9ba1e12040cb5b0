package io.headroom.router.limit;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The rate limits and quotas that one route applies: GCRA rates in the order consumer (all routes), route, consumer on
 * this route; then long-period quotas in the same order (each in period order: minute, hour, day, month). A request is
 * admitted only if every limit admits it; if a later one refuses, the admissions already taken are given back. The
 * answer carries the IETF {@code RateLimit} value of the most constrained policy (fewest requests left) and the
 * {@code RateLimit-Policy} list of all of them (draft-ietf-httpapi-ratelimit-headers). A refusing quota's
 * {@code Retry-After} is the time until its window resets. Last come the consumer's allowances of cluster-wide
 * quotas ({@link QuotaAllowances}), which replace its local quota of the same period while their plan is valid.
 */
public final class RouteLimiter {
    private static final Quota[] NONE = new Quota[0];
    private static final Quota.Window[] NO_WINDOWS = new Quota.Window[0];
    /** The {@code RateLimit} response header's name. */
    public static final HeaderName RATE_LIMIT = HeaderNames.create("RateLimit");
    /** The {@code RateLimit-Policy} response header's name. */
    public static final HeaderName RATE_LIMIT_POLICY = HeaderNames.create("RateLimit-Policy");

    /**
     * The last {@code RateLimit-Policy} value built, what it was built from, and the response header that carries it
     * (Helidon's cached kind: its HTTP/1.1 line is encoded once, not on every response).
     */
    private record PolicyHeader(Policy consumer, Quota.Window[] windows, QuotaAllowances.Entry[] allow, int phases, String value,
                                Header header) {
    }

    /** The last admitting decision: reused while the tightest policy, its remaining count and reset stay the same. */
    private record Allowed(String name, long remaining, long seconds, Decision decision) {
    }

    private volatile PolicyHeader header;
    private volatile Allowed lastAllowed;

    private final RateLimiter global;
    private final Policy route;
    private final Policy perConsumer;
    private final AtomicLong routeCell;
    private final Cells perConsumerCells;
    private final Quota[] routeQuotas;
    private final Quota[] routeConsumerQuotas;

    RouteLimiter(RateLimiter global, Policy route, Policy perConsumer, Quota[] routeQuotas, Quota[] routeConsumerQuotas) {
        this(global, route, perConsumer, routeQuotas, routeConsumerQuotas, null);
    }

    /** With the rate cells of {@code carry} (the route's limiter before a reload), or new ones when it is null. */
    RouteLimiter(RateLimiter global, Policy route, Policy perConsumer, Quota[] routeQuotas, Quota[] routeConsumerQuotas,
                 RouteLimiter carry) {
        this.routeCell = carry != null ? carry.routeCell : new AtomicLong(Gcra.EMPTY);
        this.perConsumerCells = carry != null ? carry.perConsumerCells : new Cells(RateLimiter.MAX_KEYS);
        this.global = global;
        this.route = route;
        this.perConsumer = perConsumer;
        this.routeQuotas = routeQuotas == null ? NONE : routeQuotas;
        this.routeConsumerQuotas = routeConsumerQuotas == null ? NONE : routeConsumerQuotas;
    }

    Quota[] routeQuotas() {
        return routeQuotas;
    }

    Quota[] routeConsumerQuotas() {
        return routeConsumerQuotas;
    }

    RouteLimiter(RateLimiter global, Policy route, Policy perConsumer) {
        this(global, route, perConsumer, NONE, NONE);
    }

    /**
     * The outcome of one request. Immutable; an admitting decision is shared by the requests it fits (same tightest
     * policy, remaining count, reset and policy list), so it is built once rather than per request.
     *
     * @param allowed           admitted or not
     * @param policyName        the refusing policy, or the most constrained one when admitted
     * @param retryAfterSeconds whole seconds until a retry can be admitted (refused only; at least 1)
     * @param rateLimitHeader   the {@code RateLimit} response header: {@code "name";r=REMAINING;t=SECONDS}
     * @param policyHeader      the {@code RateLimit-Policy} response header: every applied policy
     */
    public record Decision(boolean allowed, String policyName, long retryAfterSeconds, Header rateLimitHeader, Header policyHeader) {
        /** The {@code RateLimit} value: {@code "name";r=REMAINING;t=SECONDS}. */
        public String rateLimit() {
            return rateLimitHeader.get();
        }

        /** The {@code RateLimit-Policy} value: every applied policy. */
        public String policies() {
            return policyHeader.get();
        }

        /** A refusal: its {@code RateLimit} says none remain until the retry. */
        static Decision refused(String name, long retryAfterSeconds, Header policyHeader) {
            return new Decision(false, name, retryAfterSeconds,
                    HeaderValues.create(RATE_LIMIT, "\"" + name + "\";r=0;t=" + retryAfterSeconds), policyHeader);
        }
    }

    /** Takes one admission for {@code consumer}; null when no limit applies to it here. */
    public Decision acquire(String consumer) {
        Policy c = global.consumerPolicy(consumer);
        Quota[] consumerQuotas = global.consumerQuotas(consumer);
        QuotaAllowances allowances = global.allowances();
        QuotaAllowances.Entry[] allow = allowances.of(consumer);
        int na = allow == null ? 0 : allow.length;
        int nq = consumerQuotas.length + routeQuotas.length + routeConsumerQuotas.length;
        if (c == null && route == null && perConsumer == null && nq == 0 && na == 0) {
            return null;
        }
        long now = global.ticker.read();
        long millis = nq == 0 && na == 0 ? 0 : global.clock.millis();
        // Which allowances decide now: 2 bits each (0 = its plan expired or its windows are past: fail static).
        int phases = 0;
        boolean stale = false;
        for (int i = 0; i < na; i++) {
            int ph = allow[i].phase(millis);
            phases |= ph << (2 * i);
            stale |= ph == 0;
        }
        if (stale) {
            allowances.failedStatic();
        }
        Quota.Window[] windows = nq == 0 ? NO_WINDOWS : new Quota.Window[nq];
        for (int group = 0, k = 0; group < 3 && nq > 0; group++) {
            for (Quota q : group == 0 ? consumerQuotas : group == 1 ? routeQuotas : routeConsumerQuotas) {
                windows[k++] = q.window(millis); // one volatile read each (a new window once per period)
            }
        }
        PolicyHeader policies = policies(c, windows, allow, phases);
        // The three rates in order, each cell kept in a local (no arrays: the admitted path allocates nothing).
        AtomicLong cell0 = null;
        AtomicLong cell1 = null;
        AtomicLong cell2 = null;
        String tightestName = null;
        long tightestRemaining = Long.MAX_VALUE;
        long tightestSeconds = 0;
        for (int i = 0; i < 3; i++) {
            Policy p = i == 0 ? c : i == 1 ? route : perConsumer;
            if (p == null) {
                continue;
            }
            AtomicLong cell = switch (i) {
                case 0 -> global.consumerCell(consumer, now);
                case 1 -> routeCell;
                default -> perConsumerCells.cell(consumer, now);
            };
            long a = Gcra.acquire(cell, now, p.emission(), p.capacity());
            if (a < 0) {
                refundRates(c, cell0, cell1, cell2);
                long retry = Math.max(1, ceilSeconds(-a));
                return Decision.refused(p.name(), retry, policies.header);
            }
            switch (i) {
                case 0 -> cell0 = cell;
                case 1 -> cell1 = cell;
                default -> cell2 = cell;
            }
            long remaining = (p.capacity() - a) / p.emission();
            if (remaining < tightestRemaining) {
                tightestRemaining = remaining;
                tightestName = p.name();
                tightestSeconds = ceilSeconds(a);
            }
        }
        // Quotas: each count is one CAS in the window read above.
        AtomicLong[] qCells = nq == 0 ? null : new AtomicLong[nq];
        int k = 0;
        for (int group = 0; group < 3 && nq > 0; group++) {
            for (Quota q : group == 0 ? consumerQuotas : group == 1 ? routeQuotas : routeConsumerQuotas) {
                Quota.Window w = windows[k];
                AtomicLong cell = group == 1 ? q.shared() : q.cell(consumer, w);
                if (group == 0 && decides(allow, phases, q.period())) {
                    Quota.count(cell, w); // the cluster allowance decides this period; the local count goes on
                    qCells[k++] = cell;
                    continue;
                }
                long left = q.acquire(cell, w);
                long reset = Math.max(1, (w.end() - millis + 999) / 1000);
                if (left < 0) {
                    refundRates(c, cell0, cell1, cell2);
                    for (int j = 0; j < k; j++) {
                        Quota.refund(qCells[j], windows[j]);
                    }
                    return Decision.refused(q.name(), reset, policies.header);
                }
                qCells[k++] = cell;
                if (left < tightestRemaining) {
                    tightestRemaining = left;
                    tightestName = q.name();
                    tightestSeconds = reset;
                }
            }
        }
        // Cluster-wide quotas: this instance's allowance of each, one CAS each, no allocation.
        for (int i = 0; i < na; i++) {
            int ph = (phases >>> (2 * i)) & 3;
            if (ph == 0) {
                continue;
            }
            QuotaAllowances.Entry e = allow[i];
            AtomicLong cell = allowances.cell(consumer, e.period);
            if (cell == null) {
                continue;
            }
            long left = QuotaAllowances.acquire(cell, ph == 1 ? e.tag : e.nextTag, ph == 1 ? e.used : 0, ph == 1 ? e.cap : e.nextCap);
            long reset = Math.max(1, ((ph == 1 ? e.end : e.nextEnd) - millis + 999) / 1000);
            if (left < 0) {
                refundRates(c, cell0, cell1, cell2);
                for (int j = 0; j < k; j++) {
                    Quota.refund(qCells[j], windows[j]);
                }
                for (int j = 0; j < i; j++) {
                    int pj = (phases >>> (2 * j)) & 3;
                    AtomicLong cj = pj == 0 ? null : allowances.cell(consumer, allow[j].period);
                    if (cj != null) {
                        QuotaAllowances.refund(cj, pj == 1 ? allow[j].tag : allow[j].nextTag);
                    }
                }
                return Decision.refused(e.name, reset, policies.header);
            }
            if (left < tightestRemaining) {
                tightestRemaining = left;
                tightestName = e.name;
                tightestSeconds = reset;
            }
        }
        return allowed(tightestName, tightestRemaining, tightestSeconds, policies);
    }

    /**
     * The admitting decision for the tightest policy {@code name} with {@code remaining} requests left and a reset in
     * {@code seconds}: the last one when it says the same (under a limit that is not close, the common case, every
     * request does), else a new one with its {@code RateLimit} header encoded once for the requests that follow.
     */
    private Decision allowed(String name, long remaining, long seconds, PolicyHeader policies) {
        Allowed last = lastAllowed;
        if (last != null && last.remaining == remaining && last.seconds == seconds && last.decision.policyHeader() == policies.header
                && last.name.equals(name)) {
            return last.decision;
        }
        Decision d = new Decision(true, name, 0,
                HeaderValues.createCached(RATE_LIMIT, "\"" + name + "\";r=" + remaining + ";t=" + seconds), policies.header);
        lastAllowed = new Allowed(name, remaining, seconds, d);
        return d;
    }

    /** Whether an allowance of {@code period} decides now (phase bits of {@link #acquire}). */
    private static boolean decides(QuotaAllowances.Entry[] allow, int phases, io.headroom.router.config.QuotaPeriod period) {
        for (int i = 0; allow != null && i < allow.length; i++) {
            if (allow[i].period == period && ((phases >>> (2 * i)) & 3) != 0) {
                return true;
            }
        }
        return false;
    }

    /**
     * The {@code RateLimit-Policy} value: the rate policies, then the quotas' current windows, then the cluster
     * allowances that decide now. It changes only with the consumer's rate policy (lease, override, default), when a
     * quota window turns over and when a new plan arrives, so the last one is kept and compared by identity instead of
     * being concatenated on every request.
     */
    private PolicyHeader policies(Policy c, Quota.Window[] windows, QuotaAllowances.Entry[] allow, int phases) {
        PolicyHeader h = header;
        if (h != null && h.consumer == c && h.windows.length == windows.length && h.allow == allow && h.phases == phases) {
            boolean same = true;
            for (int i = 0; i < windows.length && same; i++) {
                same = h.windows[i] == windows[i];
            }
            if (same) {
                return h;
            }
        }
        StringBuilder b = new StringBuilder(64);
        for (Policy p : new Policy[]{c, route, perConsumer}) {
            if (p != null) {
                b.append(b.isEmpty() ? "" : ", ").append(p.header());
            }
        }
        for (Quota.Window w : windows) {
            b.append(b.isEmpty() ? "" : ", ").append(w.header());
        }
        for (int i = 0; allow != null && i < allow.length; i++) {
            int ph = (phases >>> (2 * i)) & 3;
            if (ph != 0) {
                b.append(b.isEmpty() ? "" : ", ").append(ph == 1 ? allow[i].header : allow[i].nextHeader);
            }
        }
        String value = b.toString();
        h = new PolicyHeader(c, windows.clone(), allow, phases, value, HeaderValues.createCached(RATE_LIMIT_POLICY, value));
        header = h;
        return h;
    }

    /** Gives back the rate admissions taken so far ({@code cellN} null: not taken), consumer ({@code c}), route, route-consumer. */
    private void refundRates(Policy c, AtomicLong cell0, AtomicLong cell1, AtomicLong cell2) {
        if (cell0 != null) {
            Gcra.refund(cell0, c.emission());
        }
        if (cell1 != null) {
            Gcra.refund(cell1, route.emission());
        }
        if (cell2 != null) {
            Gcra.refund(cell2, perConsumer.emission());
        }
    }

    private static long ceilSeconds(long nanos) {
        return (nanos + 999_999_999L) / 1_000_000_000L;
    }
}
