package io.headroom.router.limit;

import io.headroom.router.config.QuotaPeriod;

import java.time.ZoneId;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One long-period quota: at most {@code limit} requests per calendar {@link QuotaPeriod} in a time zone, counted in
 * cells of one {@code long} each (the window's tag in the high 28 bits, the count in the low 36), so a request is one
 * CAS with no lock and no allocation, and a cell from an earlier window reads as empty. The current window is an
 * immutable snapshot swapped when the clock passes its end; computing a window (time-zone rules) happens once per
 * window, not per request.
 */
public final class Quota {
    static final int COUNT_BITS = 36;
    static final long COUNT_MASK = (1L << COUNT_BITS) - 1;
    /** The largest limit a cell can count to. */
    public static final long MAX_LIMIT = QuotaPeriod.MAX_LIMIT;

    /**
     * A window: {@code [start, end)} in epoch milliseconds; {@code tag} (start in whole minutes, 28 bits) tells cells of
     * different windows apart, and {@code header} is its {@code RateLimit-Policy} item.
     */
    record Window(long start, long end, long tag, String header) {
    }

    private final String name;
    private final QuotaPeriod period;
    private final long limit;
    private final ZoneId zone;
    private volatile Window current = new Window(0, 0, -1, "");
    // a zero cell is empty in every window: a count of 0 under any tag
    private final ConcurrentHashMap<String, AtomicLong> cells;
    private final AtomicLong shared;
    private final AtomicBoolean sweeping = new AtomicBoolean();

    /**
     * @param name   policy name prefix ({@code consumer}, {@code route}, {@code route-consumer}); the period is appended
     * @param period calendar period
     * @param limit  requests per window, 1 to {@link #MAX_LIMIT}
     * @param zone   time zone of the calendar
     */
    public Quota(String name, QuotaPeriod period, long limit, ZoneId zone) {
        this(name, period, limit, zone, null);
    }

    /**
     * As {@link #Quota(String, QuotaPeriod, long, ZoneId)}, counting on from {@code carry} (null: from zero) when it has
     * the same period and time zone: a configuration reload that changes one consumer's quota must not reset the counts
     * of the current window for everyone. The cells are shared, so requests still running on the old configuration
     * count in the same place.
     */
    Quota(String name, QuotaPeriod period, long limit, ZoneId zone, Quota carry) {
        boolean same = carry != null && carry.period == period && carry.zone.equals(zone);
        this.cells = same ? carry.cells : new ConcurrentHashMap<>();
        this.shared = same ? carry.shared : new AtomicLong();
        if (limit < 1 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("quota limit " + limit + " (expected: 1.." + MAX_LIMIT + ")");
        }
        this.name = name + "-" + period.yamlName();
        this.period = period;
        this.limit = limit;
        this.zone = zone;
    }

    public String name() {
        return name;
    }

    public long limit() {
        return limit;
    }

    public QuotaPeriod period() {
        return period;
    }

    /** The window containing {@code millis} (the snapshot, or a new one when the clock left it). */
    Window window(long millis) {
        Window w = current;
        if (millis >= w.start && millis < w.end) {
            return w;
        }
        long[] se = period.window(millis, zone);
        // w = (end - start) in whole seconds: 82800 on a 23-hour day, 2678400 in a 31-day month
        Window next = new Window(se[0], se[1], Math.floorDiv(se[0], 60_000L) & ((1L << (64 - COUNT_BITS)) - 1),
                "\"" + name + "\";q=" + limit + ";w=" + (se[1] - se[0]) / 1000);
        current = next; // several threads may race here; each computes the same window
        return next;
    }

    /**
     * Counts one request in {@code cell} if the window has room.
     *
     * @return {@code >= 0}: admitted, and the value is the requests still admissible in this window; {@code -1}: refused
     */
    long acquire(AtomicLong cell, Window w) {
        while (true) {
            long old = cell.get();
            long count = (old >>> COUNT_BITS) == w.tag ? old & COUNT_MASK : 0;
            if (count >= limit) {
                return -1;
            }
            if (cell.compareAndSet(old, (w.tag << COUNT_BITS) | (count + 1))) {
                return limit - count - 1;
            }
        }
    }

    /**
     * Counts one request in {@code cell} without checking the limit (a cluster allowance decides for this period now;
     * the local count goes on so that it is right when the allowance expires). Saturates at the counter's maximum.
     */
    static void count(AtomicLong cell, Window w) {
        while (true) {
            long old = cell.get();
            long count = (old >>> COUNT_BITS) == w.tag ? old & COUNT_MASK : 0;
            if (count >= COUNT_MASK || cell.compareAndSet(old, (w.tag << COUNT_BITS) | (count + 1))) {
                return;
            }
        }
    }

    /** Gives back one request counted in window {@code w} (a later limit refused it); nothing if the window has passed. */
    static void refund(AtomicLong cell, Window w) {
        while (true) {
            long old = cell.get();
            if ((old >>> COUNT_BITS) != w.tag || (old & COUNT_MASK) == 0) {
                return;
            }
            if (cell.compareAndSet(old, old - 1)) {
                return;
            }
        }
    }

    /**
     * The cell of {@code key} (a consumer id). Bounded like the GCRA cells: past {@code MAX_KEYS}, cells that count
     * nothing in the current window are dropped, which changes no decision.
     */
    AtomicLong cell(String key, Window w) {
        AtomicLong c = cells.get(key);
        if (c != null) {
            return c;
        }
        if (cells.size() >= RateLimiter.MAX_KEYS && sweeping.compareAndSet(false, true)) {
            try {
                cells.values().removeIf(v -> (v.get() >>> COUNT_BITS) != w.tag || (v.get() & COUNT_MASK) == 0);
            } finally {
                sweeping.set(false);
            }
        }
        return cells.computeIfAbsent(key, k -> new AtomicLong());
    }

    /** The one cell of a quota that is not per consumer (a route's). */
    AtomicLong shared() {
        return shared;
    }

    /** Cells held now (for tests of the bound). */
    int cells() {
        return cells.size();
    }
}
