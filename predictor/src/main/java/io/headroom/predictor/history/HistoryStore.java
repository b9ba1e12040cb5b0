package io.headroom.predictor.history;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.TelemetryWindow;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.logging.Logger;

/**
 * Everything the predictor remembers about traffic, with bounded memory: one {@link SeriesHistory} (rings at 1 s,
 * 1 min and 1 h) per route and
 * one per pool (the sum of the pool's routes), per-pool {@link BackendThroughput}, and a
 * {@link WindowDeduplicator}. Not thread-safe: the owner serialises access.
 */
public final class HistoryStore {
    private static final Logger LOG = Logger.getLogger(HistoryStore.class.getName());

    /**
     * Sizes of the store.
     *
     * @param minutesKept     minutes kept per route
     * @param poolMinutesKept minutes kept per pool (pools feed the long-horizon forecasts; there are few of them)
     * @param hoursKept       hours kept per series in the hour ring (default {@value #DEFAULT_HOURS}: a week and a day)
     */
    public record Limits(int secondsKept, int minutesKept, int throughputSeconds, int dedupSpan, int maxInstances, int maxSeries,
                         int poolMinutesKept, int hoursKept) {
        /** A week and a day of hours: a weekly lag plus a day of slack. */
        public static final int DEFAULT_HOURS = 192;
        public static final Limits DEFAULT = new Limits(3600, 1440, 60, 1 << 16, 1024, 10_000);

        public Limits {
            if (secondsKept <= 0 || minutesKept <= 0 || throughputSeconds <= 0 || dedupSpan <= 0 || maxInstances <= 0 || maxSeries <= 0
                    || poolMinutesKept <= 0 || hoursKept <= 0) {
                throw new IllegalArgumentException("every limit must be > 0: " + this);
            }
        }

        /** With the default hour ring ({@value #DEFAULT_HOURS} hours). */
        public Limits(int secondsKept, int minutesKept, int throughputSeconds, int dedupSpan, int maxInstances, int maxSeries,
                      int poolMinutesKept) {
            this(secondsKept, minutesKept, throughputSeconds, dedupSpan, maxInstances, maxSeries, poolMinutesKept, DEFAULT_HOURS);
        }

        /** Pools keep as many minutes as routes. */
        public Limits(int secondsKept, int minutesKept, int throughputSeconds, int dedupSpan, int maxInstances, int maxSeries) {
            this(secondsKept, minutesKept, throughputSeconds, dedupSpan, maxInstances, maxSeries, minutesKept);
        }
    }

    private final Limits limits;
    private final WindowDeduplicator dedup;
    private final Map<String, SeriesHistory> routes = new LinkedHashMap<>();
    private final Map<String, SeriesHistory> pools = new LinkedHashMap<>();
    private final Map<String, Set<String>> poolRoutes = new LinkedHashMap<>();
    private final Map<String, BackendThroughput> throughput = new LinkedHashMap<>();
    private final InstanceTraffic instances;
    private long accepted;
    private long refused;

    public HistoryStore(Limits limits) {
        this.limits = limits;
        this.dedup = new WindowDeduplicator(limits.dedupSpan(), limits.maxInstances());
        this.instances = new InstanceTraffic(limits.throughputSeconds(), limits.maxInstances());
    }

    /** Records a window; false if it was a duplicate or belongs to a series beyond the limit. */
    public boolean accept(TelemetryWindow w) {
        if (!dedup.firstTime(w.instanceId(), w.sequence())) {
            return false;
        }
        SeriesHistory route = routes.get(w.route());
        SeriesHistory pool = pools.get(w.pool());
        if ((route == null || pool == null) && routes.size() + pools.size() >= limits.maxSeries()) {
            if (refused++ == 0) {
                LOG.warning("more than " + limits.maxSeries() + " series: windows of new routes/pools are ignored");
            }
            return false;
        }
        if (route == null) {
            route = routes.computeIfAbsent(w.route(), k -> new SeriesHistory(limits.secondsKept(), limits.minutesKept(), limits.hoursKept()));
        }
        if (pool == null) {
            pool = pools.computeIfAbsent(w.pool(), k -> new SeriesHistory(limits.secondsKept(),
                    Math.max(limits.minutesKept(), limits.poolMinutesKept()), limits.hoursKept()));
        }
        poolRoutes.computeIfAbsent(w.pool(), k -> new TreeSet<>()).add(w.route());
        BackendThroughput tp = throughput.computeIfAbsent(w.pool(), k -> new BackendThroughput(limits.throughputSeconds()));

        // Spread a window over the seconds it covers (normally exactly one).
        long first = Math.floorDiv(w.startMillis(), 1000);
        int seconds = Math.max(1, w.windowMillis() / 1000);
        double perSecond = (double) w.totalRequests() / seconds;
        for (int i = 0; i < seconds; i++) {
            route.add(first + i, perSecond);
            pool.add(first + i, perSecond);
            instances.add(w.instanceId(), first + i, perSecond);
        }
        for (BackendStats b : w.backends()) {
            tp.add(first, seconds == 1 ? b : scaled(b, seconds));
        }
        accepted++;
        return true;
    }

    private static BackendStats scaled(BackendStats b, int seconds) {
        return new BackendStats(b.backend(), b.requests() / seconds, b.status2xx() / seconds, b.status3xx() / seconds,
                b.status4xx() / seconds, b.status5xx() / seconds, b.errors() / seconds, b.rejections() / seconds,
                b.bytesIn() / seconds, b.bytesOut() / seconds, b.latency());
    }

    public SeriesHistory route(String name) {
        return routes.get(name);
    }

    /** The pool's series: the sum of its routes' windows. */
    public SeriesHistory pool(String name) {
        return pools.get(name);
    }

    /**
     * Mean req/s of a pool in hours {@code [fromHour, toHour)} (epoch hours): the sum of its routes' hour rings, NaN where
     * none of them has data. Read from the routes rather than the pool's own ring because a route's windows reach the
     * predictor in order (one partition per route), also in a warm-start replay that reads the partitions one after the
     * other and so delivers a pool's routes days apart.
     */
    public double[] poolHourlyRates(String pool, long fromHour, long toHour) {
        return poolHourlyRates(pool, fromHour, toHour, 1);
    }

    /**
     * As {@link #poolHourlyRates(String, long, long)}, but an hour reads NaN as soon as one of the pool's routes has
     * data in it over fewer than {@code minSeconds} seconds (a partial hour: an outage, a route that began or stopped
     * reporting within it, an hour still under way), so a model never reads a partial hour as the hour's rate.
     */
    public double[] poolHourlyRates(String pool, long fromHour, long toHour, int minSeconds) {
        double[] out = new double[(int) Math.max(0, toHour - fromHour)];
        java.util.Arrays.fill(out, Double.NaN);
        boolean[] partial = new boolean[out.length];
        int[] seconds = new int[out.length];
        for (String r : poolRoutes.getOrDefault(pool, Set.of())) {
            double[] h = routes.get(r).hourlyRates(fromHour, toHour, seconds);
            for (int i = 0; i < out.length; i++) {
                if (!Double.isNaN(h[i])) {
                    out[i] = Double.isNaN(out[i]) ? h[i] : out[i] + h[i];
                    partial[i] |= seconds[i] < minSeconds;
                }
            }
        }
        for (int i = 0; i < out.length; i++) {
            if (partial[i]) {
                out[i] = Double.NaN;
            }
        }
        return out;
    }

    public Set<String> routesOf(String pool) {
        return Collections.unmodifiableSet(poolRoutes.getOrDefault(pool, Set.of()));
    }

    public Set<String> routeNames() {
        return Collections.unmodifiableSet(routes.keySet());
    }

    public Set<String> poolNames() {
        return Collections.unmodifiableSet(pools.keySet());
    }

    public BackendThroughput throughput(String pool) {
        return throughput.get(pool);
    }

    /** Offered traffic per router instance, over every pool (quota lease shares). */
    public InstanceTraffic instances() {
        return instances;
    }

    public long acceptedCount() {
        return accepted;
    }

    public long duplicateCount() {
        return dedup.duplicateCount();
    }
}
