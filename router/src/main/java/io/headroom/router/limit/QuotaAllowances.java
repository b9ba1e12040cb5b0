package io.headroom.router.limit;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.QuotaAllowance;
import io.headroom.router.config.QuotaPeriod;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * This router instance's allowances of cluster-wide calendar quotas, taken from the valid control plans
 * ({@link QuotaAllowance}): per consumer and period, the most this instance's own count may reach in the current
 * window. The router counts its admissions of each such consumer per period (one {@code long} per cell: the window's
 * tag in the high 28 bits, the count in the low 36, one CAS a request, as in {@link Quota}) and admits while
 * {@code max(count, used) < allowance}. From the window's end until a plan for the new window arrives it uses the plan's
 * allowance for the next window.
 *
 * <p>Fail static: when the plans carrying a consumer's allowances expire, its local per-instance quotas
 * ({@code router.rate-limits.quotas}) decide again. The change is logged once each way and counted
 * ({@link #failStaticDecisions()}, {@link #failStatic()}).
 *
 * <p>Readers take one volatile read of the map and a map lookup; {@link #update} swaps the whole map (once a second).
 */
public final class QuotaAllowances {
    private static final Logger LOG = Logger.getLogger(QuotaAllowances.class.getName());
    private static final int PERIODS = QuotaPeriod.values().length;

    /** One allowance in force: one consumer, one period. Immutable. */
    public static final class Entry {
        final QuotaPeriod period;
        final String name;
        final long start;
        final long end;
        final long nextEnd;
        final long limit;
        final long used;
        final long cap;
        final long nextCap;
        final long validUntil;
        final long issuedAt;
        final long tag;
        final long nextTag;
        final String header;
        final String nextHeader;

        Entry(QuotaPeriod period, QuotaAllowance a, long validUntil, long issuedAt) {
            this.period = period;
            this.name = "cluster-consumer-" + period.yamlName();
            this.start = a.windowStartMillis();
            this.end = a.windowEndMillis();
            this.nextEnd = a.nextEndMillis();
            this.limit = a.limit();
            this.used = a.used();
            this.cap = a.allowance();
            this.nextCap = a.nextAllowance();
            this.validUntil = validUntil;
            this.issuedAt = issuedAt;
            this.tag = tagOf(start);
            this.nextTag = tagOf(end);
            this.header = "\"" + name + "\";q=" + limit + ";w=" + (end - start) / 1000;
            this.nextHeader = "\"" + name + "\";q=" + limit + ";w=" + (nextEnd - end) / 1000;
        }

        /** 1: the plan's current window holds {@code millis}; 2: its next window does; 0: neither, or the plan expired. */
        int phase(long millis) {
            if (millis >= validUntil) {
                return 0;
            }
            if (millis >= start && millis < end) {
                return 1;
            }
            return millis >= end && millis < nextEnd ? 2 : 0;
        }

        public QuotaPeriod period() {
            return period;
        }

        /** The policy name in the {@code RateLimit} headers ({@code cluster-consumer-day}, ...). */
        public String name() {
            return name;
        }

        /** The cap on this instance's count in the current window. */
        public long allowance() {
            return cap;
        }

        public long limit() {
            return limit;
        }

        public long windowEndMillis() {
            return end;
        }

        /** When the plan that carried it expires (wall clock). */
        public long validUntilMillis() {
            return validUntil;
        }
    }

    private final String instanceId;
    private volatile Map<String, Entry[]> entries = Map.of();
    /** consumer → one cell per period (by ordinal); created by {@link #update}, so a request never allocates one. */
    private final ConcurrentHashMap<String, AtomicLong[]> counts = new ConcurrentHashMap<>();
    private final LongAdder failStaticDecisions = new LongAdder();
    private volatile boolean failStatic;

    public QuotaAllowances(String instanceId) {
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    }

    static long tagOf(long windowStartMillis) {
        return Math.floorDiv(windowStartMillis, 60_000L) & ((1L << (64 - Quota.COUNT_BITS)) - 1);
    }

    /** Rebuilds the allowances from the plans now in force: per consumer and period, this instance's newest. */
    public synchronized void update(List<ControlPlan> plans) {
        Map<String, Entry[]> next = new HashMap<>();
        for (ControlPlan p : plans) {
            for (QuotaAllowance a : p.allowances()) {
                QuotaPeriod period = QuotaPeriod.of(a.period());
                if (period == null || !a.instanceId().equals(instanceId)) {
                    continue;
                }
                Entry[] es = next.computeIfAbsent(a.consumer(), k -> new Entry[PERIODS]);
                Entry old = es[period.ordinal()];
                if (old == null || p.issuedAtMillis() > old.issuedAt) {
                    es[period.ordinal()] = new Entry(period, a, p.validUntilMillis(), p.issuedAtMillis());
                }
            }
        }
        Map<String, Entry[]> compact = new HashMap<>();
        next.forEach((consumer, es) -> {
            int n = 0;
            for (Entry e : es) {
                n += e == null ? 0 : 1;
            }
            Entry[] out = new Entry[n];
            int i = 0;
            for (Entry e : es) {
                if (e != null) {
                    out[i++] = e;
                }
            }
            compact.put(consumer, out);
            counts.computeIfAbsent(consumer, k -> {
                AtomicLong[] cells = new AtomicLong[PERIODS];
                for (int j = 0; j < PERIODS; j++) {
                    cells[j] = new AtomicLong();
                }
                return cells;
            });
        });
        boolean had = !entries.isEmpty();
        boolean predictorPlan = plans.stream().anyMatch(p -> ControlPlan.SOURCE_PREDICTOR.equals(p.source()));
        if (!compact.isEmpty() || predictorPlan) {
            // Consumers the predictor no longer names (a configuration change) lose their counts and allowances.
            counts.keySet().retainAll(compact.keySet());
            entries = Map.copyOf(compact);
            had = had && !compact.isEmpty();
        }
        // When every plan has expired the last allowances stay, expired: their consumers still meet a limit (so the
        // telemetry keeps counting them in full for the predictor), and their local quotas decide (fail static).
        if (had && compact.isEmpty() && !failStatic) {
            failStatic = true;
            LOG.warning("cluster quota allowances expired (no fresh control plan): each router enforces its local per-instance"
                    + " quotas from router.rate-limits.quotas again (fail static)");
        } else if (failStatic && (!compact.isEmpty() || predictorPlan)) {
            failStatic = false;
            LOG.log(Level.INFO, "cluster quota allowances in force again for {0} consumers", compact.size());
        }
    }

    /** The allowances of {@code consumer} (at most one per period), or null when the plans give it none. */
    Entry[] of(String consumer) {
        Map<String, Entry[]> m = entries;
        return m.isEmpty() ? null : m.get(consumer);
    }

    /** The count cell of {@code consumer} for {@code period}; null before the consumer's first allowance. */
    AtomicLong cell(String consumer, QuotaPeriod period) {
        AtomicLong[] c = counts.get(consumer);
        return c == null ? null : c[period.ordinal()];
    }

    /**
     * Counts one request in {@code cell} under {@code tag} if {@code max(count, floor) < cap}; a count below
     * {@code floor} (this instance restarted mid-window) is raised to it.
     *
     * @return {@code >= 0}: admitted, the requests still admissible here in the window; {@code -1}: refused
     */
    static long acquire(AtomicLong cell, long tag, long floor, long cap) {
        while (true) {
            long old = cell.get();
            long count = (old >>> Quota.COUNT_BITS) == tag ? old & Quota.COUNT_MASK : 0;
            long effective = Math.max(count, floor);
            if (effective >= cap) {
                return -1;
            }
            if (cell.compareAndSet(old, (tag << Quota.COUNT_BITS) | (effective + 1))) {
                return cap - effective - 1;
            }
        }
    }

    /** Gives back one request counted under {@code tag}; nothing if the cell moved on to another window. */
    static void refund(AtomicLong cell, long tag) {
        while (true) {
            long old = cell.get();
            if ((old >>> Quota.COUNT_BITS) != tag || (old & Quota.COUNT_MASK) == 0) {
                return;
            }
            if (cell.compareAndSet(old, old - 1)) {
                return;
            }
        }
    }

    /** A decision made on local counts because a consumer's allowances had expired (called on the request path). */
    void failedStatic() {
        failStaticDecisions.increment();
    }

    /** Requests of consumers with allowances that were decided by local counts because their plan had expired. */
    public long failStaticDecisions() {
        return failStaticDecisions.sum();
    }

    /** Whether allowances were in force and have all expired (the routers count locally until a plan arrives). */
    public boolean failStatic() {
        return failStatic;
    }

    /** Consumers with allowances, in force or expired (for telemetry: their counts are always sent in full). */
    public Set<String> consumers() {
        return entries.keySet();
    }

    /** This instance's count of {@code consumer} in {@code period}'s window starting at {@code windowStart} (tests, metrics). */
    public long count(String consumer, QuotaPeriod period, long windowStart) {
        AtomicLong c = cell(consumer, period);
        if (c == null) {
            return 0;
        }
        long v = c.get();
        return (v >>> Quota.COUNT_BITS) == tagOf(windowStart) ? v & Quota.COUNT_MASK : 0;
    }

    /** The allowances in force now, per consumer (tests, admin). */
    public Map<String, List<Entry>> snapshot() {
        Map<String, List<Entry>> out = new HashMap<>();
        entries.forEach((k, v) -> out.put(k, List.of(v)));
        return out;
    }

    public String instanceId() {
        return instanceId;
    }
}
