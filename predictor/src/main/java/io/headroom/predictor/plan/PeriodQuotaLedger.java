package io.headroom.predictor.plan;

import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.QuotaAllowance;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.time.CalendarPeriod;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The cluster-wide count of each consumer's admitted requests per calendar window of its {@code period-quotas}, kept
 * from every router instance's telemetry, and the allowances that split what remains over the instances.
 *
 * <p><b>Counting.</b> A window's admitted requests of a consumer are its {@code requests - rejections}
 * ({@link ConsumerStats}); routers name every consumer of a cluster-wide quota in full (beyond the top K), so the count
 * is exact. A window counts in the calendar window that holds its start. Each (consumer, period) keeps only its newest
 * calendar window: a telemetry window of a later one starts it afresh at zero (the reset at the calendar boundary), one
 * of an earlier one is late and ignored. Windows are de-duplicated per (instance, route, pool) by sequence, since a
 * route's windows arrive in order on one partition, so a re-read of the topic never counts twice.
 *
 * <p><b>Allowances</b> ({@link #allowances}): with limit {@code L} and global count {@code U} the remainder is
 * {@code R = max(0, L - U)}. A fraction {@code reserve} of it is held back; the rest, {@code H}, goes to the live
 * instances: {@code H × floor} evenly, the remainder by each established instance's smoothed share of the consumer's
 * offered requests (of all its traffic where no instance reported the consumer; evenly when nothing is known), each
 * rounded down, so they never add up to more than {@code H ≤ R}. Instance {@code j}'s allowance is its own count
 * {@code U_j} plus its part: a cap on its own count, which already includes what the predictor has not seen yet, so
 * the instances together stay within {@code L} however late the telemetry is.
 *
 * <p>Memory is bounded by the configured consumers × periods × instances, and the de-duplication keys by
 * {@link #MAX_STREAMS}. Not thread-safe: the owner serialises access.
 */
public final class PeriodQuotaLedger {
    /** Most (instance, route, pool) streams remembered for de-duplication; past it the stalest are forgotten. */
    static final int MAX_STREAMS = 65_536;

    private record Key(String consumer, CalendarPeriod period) {
    }

    /** One (consumer, period): its newest calendar window and the counts in it. */
    private static final class Count {
        long start;
        long end;
        long total;
        final Map<String, Long> byInstance = new HashMap<>();
    }

    /** The last sequence and start seen of one stream of windows. */
    private static final class Stream {
        long sequence;
        long startMillis;
    }

    private final PeriodQuotaSettings settings;
    private final Map<Key, Count> counts = new LinkedHashMap<>();
    private final Map<String, Stream> streams = new HashMap<>();
    private long windowsCounted;
    private long duplicates;

    public PeriodQuotaLedger(PeriodQuotaSettings settings) {
        this.settings = settings;
    }

    /** Counts one telemetry window (duplicates and windows of earlier calendar windows are ignored). */
    public void accept(TelemetryWindow w) {
        if (settings.isEmpty() || w.consumers().isEmpty()) {
            return;
        }
        String streamKey = w.instanceId() + '\n' + w.route() + '\n' + w.pool();
        Stream s = streams.get(streamKey);
        if (s != null && w.sequence() <= s.sequence) {
            duplicates++;
            return;
        }
        if (s == null) {
            if (streams.size() >= MAX_STREAMS) {
                forgetStalest();
            }
            s = new Stream();
            streams.put(streamKey, s);
        }
        s.sequence = w.sequence();
        s.startMillis = w.startMillis();
        boolean counted = false;
        for (ConsumerStats c : w.consumers()) {
            Map<CalendarPeriod, Long> periods = settings.consumers().get(c.consumer());
            long admitted = c.requests() - c.rejections();
            if (periods == null || admitted <= 0) {
                continue;
            }
            for (CalendarPeriod p : periods.keySet()) {
                Count n = count(c.consumer(), p, w.startMillis());
                if (n != null) {
                    n.total += admitted;
                    n.byInstance.merge(w.instanceId(), admitted, Long::sum);
                    counted = true;
                }
            }
        }
        if (counted) {
            windowsCounted++;
        }
    }

    private void forgetStalest() {
        long oldest = Long.MAX_VALUE;
        for (Stream s : streams.values()) {
            oldest = Math.min(oldest, s.startMillis);
        }
        long cut = oldest;
        // forget at least the stalest; whole minutes at a time so that this runs rarely
        streams.values().removeIf(s -> s.startMillis <= cut + 60_000);
    }

    /** The count of the calendar window holding {@code millis}: the current one, a new one (reset), or null (late). */
    private Count count(String consumer, CalendarPeriod p, long millis) {
        Key k = new Key(consumer, p);
        Count n = counts.get(k);
        if (n != null && millis >= n.start && millis < n.end) {
            return n;
        }
        if (n != null && millis < n.start) {
            return null;
        }
        long[] se = p.window(millis, settings.zone());
        if (n == null) {
            n = new Count();
            counts.put(k, n);
        }
        n.start = se[0];
        n.end = se[1];
        n.total = 0;
        n.byInstance.clear();
        return n;
    }

    /** The cluster-wide count of {@code consumer} in the window of {@code period} that holds {@code nowMillis}. */
    public long used(String consumer, CalendarPeriod period, long nowMillis) {
        Count n = counts.get(new Key(consumer, period));
        return n != null && nowMillis >= n.start && nowMillis < n.end ? n.total : 0;
    }

    /** Per instance, the count of {@code consumer} in the window of {@code period} that holds {@code nowMillis}. */
    public Map<String, Long> usedByInstance(String consumer, CalendarPeriod period, long nowMillis) {
        Count n = counts.get(new Key(consumer, period));
        return n != null && nowMillis >= n.start && nowMillis < n.end ? Map.copyOf(n.byInstance) : Map.of();
    }

    /**
     * The earliest start of the calendar windows that hold {@code nowMillis}, over every configured period (how far
     * back a restarted predictor re-reads telemetry to rebuild its counts); {@code Long.MAX_VALUE} without quotas.
     */
    public long earliestWindowStart(long nowMillis) {
        long min = Long.MAX_VALUE;
        for (Map<CalendarPeriod, Long> periods : settings.consumers().values()) {
            for (CalendarPeriod p : periods.keySet()) {
                min = Math.min(min, p.window(nowMillis, settings.zone())[0]);
            }
        }
        return min;
    }

    /** Telemetry windows that counted towards some quota, and re-read ones ignored. */
    public long windowsCounted() {
        return windowsCounted;
    }

    public long duplicates() {
        return duplicates;
    }

    /**
     * Every live instance's allowance of every configured quota at {@code nowMillis}, sorted by consumer, period and
     * instance. {@code shares}: what is known of each instance's traffic (as for the leases); an instance silent for
     * longer than {@code forgetAfterSeconds} gets none, one reporting for less than {@code warmUpSeconds} only the
     * even part.
     */
    public List<QuotaAllowance> allowances(long nowMillis, List<QuotaLeaseAllocator.InstanceShare> shares, long warmUpSeconds,
                                           long forgetAfterSeconds) {
        List<QuotaLeaseAllocator.InstanceShare> live = new ArrayList<>();
        for (QuotaLeaseAllocator.InstanceShare i : shares) {
            if (i.secondsSinceSeen() <= forgetAfterSeconds) {
                live.add(i);
            }
        }
        if (live.isEmpty() || settings.isEmpty()) {
            return List.of();
        }
        live.sort(Comparator.comparing(QuotaLeaseAllocator.InstanceShare::instanceId));
        List<QuotaAllowance> out = new ArrayList<>();
        for (Map.Entry<String, Map<CalendarPeriod, Long>> e : settings.consumers().entrySet().stream()
                .sorted(Map.Entry.comparingByKey()).toList()) {
            String consumer = e.getKey();
            double[] weights = weights(consumer, live, warmUpSeconds);
            for (Map.Entry<CalendarPeriod, Long> pl : e.getValue().entrySet()) {
                CalendarPeriod p = pl.getKey();
                long limit = pl.getValue();
                long[] se = p.window(nowMillis, settings.zone());
                long nextEnd = p.window(se[1], settings.zone())[1];
                Count n = counts.get(new Key(consumer, p));
                boolean current = n != null && n.start == se[0];
                long total = current ? n.total : 0;
                long[] part = split(Math.max(0, limit - total), weights);
                long[] nextPart = split(limit, weights);
                for (int k = 0; k < live.size(); k++) {
                    String id = live.get(k).instanceId();
                    long used = current ? n.byInstance.getOrDefault(id, 0L) : 0;
                    out.add(new QuotaAllowance(consumer, id, p.yamlName(), se[0], se[1], nextEnd, limit, used, used + part[k], nextPart[k]));
                }
            }
        }
        return out;
    }

    /**
     * Each live instance's weight for {@code consumer}: its share of the consumer's smoothed offered requests among the
     * established instances (0 while warming up), or of all traffic where none reported the consumer; NaN entries
     * (none known) mean an even split.
     */
    private static double[] weights(String consumer, List<QuotaLeaseAllocator.InstanceShare> live, long warmUpSeconds) {
        int n = live.size();
        double byConsumer = 0;
        for (QuotaLeaseAllocator.InstanceShare i : live) {
            if (established(i, warmUpSeconds)) {
                byConsumer += i.rate(consumer, true);
            }
        }
        boolean own = byConsumer > 0;
        double total = 0;
        double[] w = new double[n];
        for (int k = 0; k < n; k++) {
            QuotaLeaseAllocator.InstanceShare i = live.get(k);
            w[k] = established(i, warmUpSeconds) ? i.rate(consumer, own) : 0;
            total += w[k];
        }
        for (int k = 0; k < n; k++) {
            w[k] = total > 0 ? w[k] / total : Double.NaN;
        }
        return w;
    }

    private static boolean established(QuotaLeaseAllocator.InstanceShare i, long warmUpSeconds) {
        return i.secondsObserved() >= Math.max(1, warmUpSeconds);
    }

    /** {@code remaining} less the reserve, split by {@code weights} over the floor, each rounded down. */
    private long[] split(long remaining, double[] weights) {
        int n = weights.length;
        double handOut = Math.floor(remaining * (1 - settings.reserve()));
        long[] out = new long[n];
        long sum = 0;
        for (int k = 0; k < n; k++) {
            double share = Double.isNaN(weights[k]) ? 1.0 / n : settings.floor() / n + (1 - settings.floor()) * weights[k];
            out[k] = (long) Math.floor(handOut * share);
            sum += out[k];
        }
        // floating-point rounding must never hand out more than the remainder
        for (int k = 0; sum > handOut && k < n; k++) {
            long cut = Math.min(out[k], sum - (long) handOut);
            out[k] -= cut;
            sum -= cut;
        }
        return out;
    }
}
