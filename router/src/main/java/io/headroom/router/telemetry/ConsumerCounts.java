package io.headroom.router.telemetry;

import io.headroom.ingest.model.ConsumerStats;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per-consumer counts of one route's rate-limited requests, for its telemetry windows. Recording is lock-free (a map
 * read and a {@code LongAdder} increment, a put the first time a consumer is seen). Bounded twice: at most
 * {@code maxTracked} consumers have cells at once (beyond that, new ones count in the {@link ConsumerStats#OTHER}
 * cell), and a window carries at most {@code topK} consumers, busiest first, the rest summed under
 * {@link ConsumerStats#OTHER}. A consumer idle for a whole window loses its cell, so the tracked set follows who is
 * active now. Pinned consumers ({@link #pin}) are named whenever they had requests, on top of the K.
 *
 * <p>Counts are cumulative and the closer subtracts what it saw before, as in {@link Counters}. A request recorded
 * by a thread that took a cell just before the closer retired it (idle for a whole window) is lost: at most one
 * request per such racing thread, only for a consumer that was otherwise silent for a second.
 */
final class ConsumerCounts {
    /** One consumer's cumulative counts and what the closer saw of them last time. */
    private static final class Cell {
        final LongAdder requests = new LongAdder();
        final LongAdder rejections = new LongAdder();
        long seenRequests;
        long seenRejections;
    }

    private final int topK;
    private final int maxTracked;
    private final ConcurrentHashMap<String, Cell> cells = new ConcurrentHashMap<>();
    private final Cell other = new Cell();
    /** Consumers always named in full (cluster-wide quotas count them exactly); bounded by configuration. */
    private volatile java.util.Set<String> pinned = java.util.Set.of();

    ConsumerCounts(int topK, int maxTracked) {
        if (topK < 1 || maxTracked < topK) {
            throw new IllegalArgumentException("top-k " + topK + ", max tracked " + maxTracked + " (expected: 1 <= top-k <= max tracked)");
        }
        this.topK = topK;
        this.maxTracked = maxTracked;
    }

    /** One request of {@code consumer} that met a limit; {@code rejected} when the limit refused it. */
    void record(String consumer, boolean rejected) {
        Cell c = cells.get(consumer);
        if (c == null) {
            c = cells.size() >= maxTracked && !pinned.contains(consumer) ? other : cells.computeIfAbsent(consumer, k -> new Cell());
        }
        if (rejected) {
            c.rejections.increment();
        }
        c.requests.increment();
    }

    /**
     * The counts since the previous call, busiest first (ties by name), at most {@code topK} (at most the
     * constructor's) consumers plus
     * {@link ConsumerStats#OTHER}; empty when nothing was recorded. Closer thread only.
     */
    List<ConsumerStats> delta(int topK) {
        java.util.Set<String> pins = pinned;
        List<ConsumerStats> out = new ArrayList<>();
        List<ConsumerStats> pinnedOut = new ArrayList<>();
        Iterator<Map.Entry<String, Cell>> it = cells.entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<String, Cell> e = it.next();
            Cell c = e.getValue();
            if (c.requests.sum() == c.seenRequests && c.rejections.sum() == c.seenRejections) {
                it.remove(); // idle for a whole window
                continue;
            }
            ConsumerStats d = take(e.getKey(), c);
            if (d != null) {
                (pins.contains(d.consumer()) ? pinnedOut : out).add(d);
            }
        }
        long otherRequests = 0;
        long otherRejections = 0;
        ConsumerStats o = take(ConsumerStats.OTHER, other);
        if (o != null) {
            otherRequests = o.requests();
            otherRejections = o.rejections();
        }
        topK = Math.max(1, Math.min(topK, this.topK));
        if (out.size() > topK) {
            out.sort(Comparator.comparingLong(ConsumerStats::requests).reversed().thenComparing(ConsumerStats::consumer));
            for (ConsumerStats s : out.subList(topK, out.size())) {
                otherRequests += s.requests();
                otherRejections += s.rejections();
            }
            out = new ArrayList<>(out.subList(0, topK));
        } else {
            out.sort(Comparator.comparingLong(ConsumerStats::requests).reversed().thenComparing(ConsumerStats::consumer));
        }
        if (!pinnedOut.isEmpty()) {
            out.addAll(pinnedOut);
            out.sort(Comparator.comparingLong(ConsumerStats::requests).reversed().thenComparing(ConsumerStats::consumer));
        }
        if (otherRequests > 0) {
            out.add(new ConsumerStats(ConsumerStats.OTHER, otherRequests, Math.min(otherRequests, otherRejections)));
        }
        return out;
    }

    /** The change of one cell since the last look, or null when there was none. */
    private static ConsumerStats take(String consumer, Cell c) {
        // requests is incremented last, so reading it first never counts a rejection of a request not yet counted.
        long req = c.requests.sum();
        long rej = c.rejections.sum();
        long dReq = req - c.seenRequests;
        long dRej = rej - c.seenRejections;
        if (dReq == 0 && dRej == 0) {
            return null;
        }
        c.seenRequests = req;
        c.seenRejections = rej;
        // A rejection counted before its request at the window edge is carried to the next window.
        long shown = Math.min(dRej, dReq);
        c.seenRejections -= dRej - shown;
        return dReq == 0 ? null : new ConsumerStats(consumer, dReq, shown);
    }

    /**
     * Consumers named in every window in which they had requests, beyond the top K and beyond the tracking bound (the
     * consumers of cluster-wide quotas, whose counts the predictor needs exactly). The set comes from configuration and
     * control plans, so it is bounded.
     */
    void pin(java.util.Set<String> consumers) {
        pinned = java.util.Set.copyOf(consumers);
    }

    int tracked() {
        return cells.size();
    }
}
