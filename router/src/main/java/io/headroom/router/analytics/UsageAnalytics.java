package io.headroom.router.analytics;

import io.headroom.ingest.json.JsonStrings;
import io.headroom.router.config.QuotaPeriod;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Usage per consumer and route (requests, errors, bytes, latency) by calendar day and month, for billing and the admin
 * API.
 *
 * <p>A request updates one cell: that of (consumer, route) in the current day, an {@link AtomicLongArray} of counters
 * and a latency histogram (one array per pair and day, no lock, no allocation once the cell exists). Per-consumer and
 * per-route totals, and months, are sums computed when someone asks. Memory is bounded: at most {@code maxPairs}
 * pairs a day (a new consumer past that is counted as {@link #OTHER}, so totals stay exact), {@code retainDays} days
 * kept whole; an older day is folded into its month, and at most {@code retainMonths} months are kept.
 *
 * <p>Days and months are those of the time zone given (the quota time zone), so a day of usage is the day a daily
 * quota counts.
 */
public final class UsageAnalytics {
    /** The consumer a request is counted under once a day holds {@code maxPairs} pairs. */
    public static final String OTHER = "(other)";
    /** Latency histogram: bucket i holds latencies up to {@code 100 µs × 2^(i/2)}; the last one everything longer. */
    static final int BUCKETS = 40;
    static final int REQUESTS = 0;
    static final int SERVER_ERRORS = 1;
    static final int CLIENT_ERRORS = 2;
    static final int BYTES_IN = 3;
    static final int BYTES_OUT = 4;
    static final int LATENCY_SUM_MICROS = 5;
    static final int LATENCY_MAX_MICROS = 6;
    static final int FIRST_BUCKET = 7;
    static final int SLOTS = FIRST_BUCKET + BUCKETS;
    private static final long[] BOUNDS_MICROS = new long[BUCKETS - 1];
    /**
     * For each bit length k of a latency (2^(k-1) <= micros < 2^k), the first bucket whose bound reaches 2^(k-1): the
     * bounds double every two buckets, so the latency's bucket is at most three steps further.
     */
    private static final int[] FIRST_BUCKET_OF_BIT_LENGTH = new int[65];

    static {
        for (int i = 0; i < BOUNDS_MICROS.length; i++) {
            BOUNDS_MICROS[i] = Math.round(100 * Math.pow(2, i / 2.0));
        }
        for (int k = 1; k < FIRST_BUCKET_OF_BIT_LENGTH.length; k++) {
            long low = 1L << (k - 1); // for k = 64 the sign bit: no bound reaches it, every such latency is in the last bucket
            int i = 0;
            while (i < BOUNDS_MICROS.length && (low < 0 || BOUNDS_MICROS[i] < low)) {
                i++;
            }
            FIRST_BUCKET_OF_BIT_LENGTH[k] = i;
        }
    }

    /** One day's cells: consumer → route → counters. */
    private static final class Day {
        final LocalDate date;
        final long start;
        final long end;
        final ConcurrentHashMap<String, ConcurrentHashMap<String, AtomicLongArray>> cells = new ConcurrentHashMap<>();
        final AtomicInteger pairs = new AtomicInteger();

        Day(LocalDate date, long start, long end) {
            this.date = date;
            this.start = start;
            this.end = end;
        }
    }

    private final Clock clock;
    private final ZoneId zone;
    private final int maxPairs;
    private final int retainDays;
    private final int retainMonths;
    private volatile Day current;
    private final TreeMap<LocalDate, Day> days = new TreeMap<>();               // guarded by this
    private final TreeMap<YearMonth, Map<String, Map<String, long[]>>> months = new TreeMap<>(); // folded days; guarded by this

    /**
     * @param zone         the calendar's time zone
     * @param maxPairs     most (consumer, route) pairs one day holds
     * @param retainDays   days kept whole (at least 1)
     * @param retainMonths months kept (at least 1)
     */
    public UsageAnalytics(Clock clock, ZoneId zone, int maxPairs, int retainDays, int retainMonths) {
        if (maxPairs < 1 || retainDays < 1 || retainMonths < 1) {
            throw new IllegalArgumentException("maxPairs " + maxPairs + ", retainDays " + retainDays + ", retainMonths " + retainMonths
                    + " (expected: >= 1)");
        }
        this.clock = clock;
        this.zone = zone;
        this.maxPairs = maxPairs;
        this.retainDays = retainDays;
        this.retainMonths = retainMonths;
    }

    /** With the defaults: 50 000 pairs a day, 62 days, 25 months. */
    public UsageAnalytics(Clock clock, ZoneId zone) {
        this(clock, zone, 50_000, 62, 25);
    }

    /**
     * Counts one request.
     *
     * @param route        the route's name
     * @param consumer     the consumer id (anonymous when unauthenticated)
     * @param status       the status the client got
     * @param latencyNanos time from the request's arrival to its end
     */
    public void record(String route, String consumer, int status, long bytesIn, long bytesOut, long latencyNanos) {
        Day d = day(clock.millis());
        var byRoute = d.cells.get(consumer);
        AtomicLongArray c = byRoute == null ? null : byRoute.get(route);
        if (c == null) {
            c = cell(d, consumer, route);
        }
        c.incrementAndGet(REQUESTS);
        if (status >= 500) {
            c.incrementAndGet(SERVER_ERRORS);
        } else if (status >= 400) {
            c.incrementAndGet(CLIENT_ERRORS);
        }
        if (bytesIn > 0) {
            c.addAndGet(BYTES_IN, bytesIn);
        }
        if (bytesOut > 0) {
            c.addAndGet(BYTES_OUT, bytesOut);
        }
        long micros = Math.max(0, latencyNanos / 1000);
        c.addAndGet(LATENCY_SUM_MICROS, micros);
        long max;
        while (micros > (max = c.get(LATENCY_MAX_MICROS)) && !c.compareAndSet(LATENCY_MAX_MICROS, max, micros)) {
            // another thread raised the max meanwhile; try again against its value
        }
        c.incrementAndGet(FIRST_BUCKET + bucket(micros));
    }

    /** The histogram bucket of a latency: the first whose bound is at least {@code micros}; no search, a few steps. */
    static int bucket(long micros) {
        if (micros <= BOUNDS_MICROS[0]) {
            return 0;
        }
        int i = FIRST_BUCKET_OF_BIT_LENGTH[64 - Long.numberOfLeadingZeros(micros)];
        while (i < BOUNDS_MICROS.length && BOUNDS_MICROS[i] < micros) {
            i++;
        }
        return i;
    }

    /** The bucket by binary search over the bounds: the reference {@link #bucket} is tested against. */
    static int bucketBySearch(long micros) {
        int lo = 0;
        int hi = BOUNDS_MICROS.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (BOUNDS_MICROS[mid] < micros) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private AtomicLongArray cell(Day d, String consumer, String route) {
        var byRoute = d.cells.get(consumer);
        if (byRoute != null) {
            AtomicLongArray c = byRoute.get(route);
            if (c != null) {
                return c;
            }
        }
        if (d.pairs.get() >= maxPairs && !consumer.equals(OTHER)) {
            return cell(d, OTHER, route); // bounded: newcomers share one consumer, the totals stay exact
        }
        var routes = d.cells.computeIfAbsent(consumer, k -> new ConcurrentHashMap<>());
        return routes.computeIfAbsent(route, k -> {
            d.pairs.incrementAndGet();
            return new AtomicLongArray(SLOTS);
        });
    }

    /** The day containing {@code millis}; a new one is made (and old ones folded) when the clock passes midnight. */
    private Day day(long millis) {
        Day d = current;
        if (d != null && millis >= d.start && millis < d.end) {
            return d;
        }
        synchronized (this) {
            LocalDate date = Instant.ofEpochMilli(millis).atZone(zone).toLocalDate();
            Day known = days.get(date);
            if (known == null) {
                long[] w = QuotaPeriod.DAY.window(millis, zone);
                known = new Day(date, w[0], w[1]);
                days.put(date, known);
                while (days.size() > retainDays) {
                    fold(days.pollFirstEntry().getValue());
                }
            }
            if (current == null || !known.date.isBefore(current.date)) {
                current = known; // a clock stepping back does not move "today" back
            }
            return known;
        }
    }

    /** Adds a day that leaves day retention into its month. */
    private void fold(Day d) {
        YearMonth m = YearMonth.from(d.date);
        Map<String, Map<String, long[]>> month = months.computeIfAbsent(m, k -> new HashMap<>());
        d.cells.forEach((consumer, routes) -> routes.forEach((route, c) ->
                add(month.computeIfAbsent(consumer, k -> new HashMap<>()).computeIfAbsent(route, k -> new long[SLOTS]), c)));
        while (months.size() > retainMonths) {
            months.pollFirstEntry();
        }
    }

    private static void add(long[] into, AtomicLongArray c) {
        for (int i = 0; i < SLOTS; i++) {
            long v = c.get(i);
            into[i] = i == LATENCY_MAX_MICROS ? Math.max(into[i], v) : into[i] + v;
        }
    }

    private static void add(long[] into, long[] c) {
        for (int i = 0; i < SLOTS; i++) {
            into[i] = i == LATENCY_MAX_MICROS ? Math.max(into[i], c[i]) : into[i] + c[i];
        }
    }

    // ---- queries ------------------------------------------------------------------------------------------------

    /**
     * Usage over a period.
     *
     * @param requests     requests counted
     * @param serverErrors answered 5xx (by a backend or the router)
     * @param clientErrors answered 4xx (refusals by auth, limits and quotas included)
     * @param bytesIn      request body bytes
     * @param bytesOut     response body bytes
     * @param meanMillis   mean latency
     * @param p50Millis    median latency (the upper bound of its histogram bucket, within a factor of √2)
     * @param p95Millis    95th percentile, likewise
     * @param p99Millis    99th percentile, likewise
     * @param maxMillis    the longest
     */
    public record Usage(long requests, long serverErrors, long clientErrors, long bytesIn, long bytesOut, double meanMillis,
                        double p50Millis, double p95Millis, double p99Millis, double maxMillis) {
        /** {@code {"requests":N,...}} with the record's field names; milliseconds rounded to microseconds. */
        public String toJson() {
            return "{\"requests\":" + requests + ",\"serverErrors\":" + serverErrors + ",\"clientErrors\":" + clientErrors
                    + ",\"bytesIn\":" + bytesIn + ",\"bytesOut\":" + bytesOut + ",\"meanMillis\":" + ms(meanMillis)
                    + ",\"p50Millis\":" + ms(p50Millis) + ",\"p95Millis\":" + ms(p95Millis) + ",\"p99Millis\":" + ms(p99Millis)
                    + ",\"maxMillis\":" + ms(maxMillis) + "}";
        }

        private static String ms(double v) {
            return java.math.BigDecimal.valueOf(Math.round(v * 1000) / 1000.0).stripTrailingZeros().toPlainString();
        }

        static Usage of(long[] c) {
            long n = c[REQUESTS];
            return new Usage(n, c[SERVER_ERRORS], c[CLIENT_ERRORS], c[BYTES_IN], c[BYTES_OUT],
                    n == 0 ? 0 : c[LATENCY_SUM_MICROS] / 1000.0 / n, quantile(c, 0.50), quantile(c, 0.95), quantile(c, 0.99),
                    c[LATENCY_MAX_MICROS] / 1000.0);
        }

        private static double quantile(long[] c, double q) {
            long n = c[REQUESTS];
            if (n == 0) {
                return 0;
            }
            long rank = (long) Math.ceil(q * n);
            long seen = 0;
            for (int i = 0; i < BUCKETS; i++) {
                seen += c[FIRST_BUCKET + i];
                if (seen >= rank) {
                    // the last bucket has no upper bound: the max is the honest answer there (and caps the others)
                    return i < BOUNDS_MICROS.length ? Math.min(BOUNDS_MICROS[i], c[LATENCY_MAX_MICROS]) / 1000.0
                            : c[LATENCY_MAX_MICROS] / 1000.0;
                }
            }
            return c[LATENCY_MAX_MICROS] / 1000.0;
        }
    }

    /**
     * One (consumer, route) pair's usage.
     *
     * @param consumer consumer id
     * @param route    route name
     * @param usage    its usage
     */
    public record Row(String consumer, String route, Usage usage) {
    }

    /**
     * Usage over one day or month.
     *
     * @param period     {@code 2026-03-29} or {@code 2026-03}
     * @param zone       the calendar's time zone
     * @param total      everything
     * @param byConsumer per consumer, by consumer id
     * @param byRoute    per route, by route name
     * @param rows       per (consumer, route), sorted by consumer then route
     */
    public record Report(String period, String zone, Usage total, Map<String, Usage> byConsumer, Map<String, Usage> byRoute,
                         List<Row> rows) {
        /**
         * The report as JSON, for the admin API: {@code {"period":..., "zone":..., "total":{...}, "consumers":{id:{...}},
         * "routes":{name:{...}}, "rows":[{"consumer":..., "route":..., "usage":{...}}]}}.
         */
        public String toJson() {
            StringBuilder b = new StringBuilder(256 + rows.size() * 200);
            b.append("{\"period\":").append(JsonStrings.quote(period)).append(",\"zone\":").append(JsonStrings.quote(zone))
                    .append(",\"total\":").append(total.toJson()).append(",\"consumers\":{");
            appendAll(b, byConsumer);
            b.append("},\"routes\":{");
            appendAll(b, byRoute);
            b.append("},\"rows\":[");
            for (int i = 0; i < rows.size(); i++) {
                Row r = rows.get(i);
                b.append(i == 0 ? "" : ",").append("{\"consumer\":").append(JsonStrings.quote(r.consumer())).append(",\"route\":")
                        .append(JsonStrings.quote(r.route())).append(",\"usage\":").append(r.usage().toJson()).append('}');
            }
            return b.append("]}").toString();
        }

        private static void appendAll(StringBuilder b, Map<String, Usage> m) {
            boolean first = true;
            for (Map.Entry<String, Usage> e : m.entrySet()) {
                b.append(first ? "" : ",").append(JsonStrings.quote(e.getKey())).append(':').append(e.getValue().toJson());
                first = false;
            }
        }
    }

    /** Usage on {@code date} (empty when it is not retained). */
    public Report day(LocalDate date) {
        Map<String, Map<String, long[]>> cells = new HashMap<>();
        synchronized (this) {
            Day d = days.get(date);
            if (d != null) {
                collect(d, cells);
            }
        }
        return report(date.toString(), cells);
    }

    /** Usage in {@code month}: its folded days and its days still kept whole (empty when not retained). */
    public Report month(YearMonth month) {
        Map<String, Map<String, long[]>> cells = new HashMap<>();
        synchronized (this) {
            Map<String, Map<String, long[]>> folded = months.get(month);
            if (folded != null) {
                folded.forEach((consumer, routes) -> routes.forEach((route, c) ->
                        add(cells.computeIfAbsent(consumer, k -> new HashMap<>()).computeIfAbsent(route, k -> new long[SLOTS]), c)));
            }
            for (Day d : days.values()) {
                if (YearMonth.from(d.date).equals(month)) {
                    collect(d, cells);
                }
            }
        }
        return report(month.toString(), cells);
    }

    /**
     * Today's latency histogram of each consumer, summed over its routes.
     *
     * @param day        the day ({@code yyyy-mm-dd} in the calendar's zone): the counts restart with each day
     * @param byConsumer consumer → counts per bucket ({@link #BUCKET_COUNT} of them; bounds in {@link #bucketUpperBoundMicros})
     */
    public record LatencyBuckets(String day, Map<String, long[]> byConsumer) {
    }

    /** Number of latency buckets in {@link LatencyBuckets}. */
    public static final int BUCKET_COUNT = BUCKETS;

    /** The upper bound of latency bucket {@code i} in microseconds ({@code Long.MAX_VALUE} for the last). */
    public static long bucketUpperBoundMicros(int i) {
        return i < BOUNDS_MICROS.length ? BOUNDS_MICROS[i] : Long.MAX_VALUE;
    }

    /** Today's per-consumer latency histograms (in the calendar's zone); a sum over the day's cells, for metrics. */
    public LatencyBuckets todayLatencyBuckets() {
        LocalDate date = Instant.ofEpochMilli(clock.millis()).atZone(zone).toLocalDate();
        Map<String, long[]> out = new HashMap<>();
        synchronized (this) {
            Day d = days.get(date);
            if (d != null) {
                d.cells.forEach((consumer, routes) -> {
                    long[] b = out.computeIfAbsent(consumer, k -> new long[BUCKETS]);
                    routes.values().forEach(c -> {
                        for (int i = 0; i < BUCKETS; i++) {
                            b[i] += c.get(FIRST_BUCKET + i);
                        }
                    });
                });
            }
        }
        return new LatencyBuckets(date.toString(), out);
    }

    /** Today's usage (in the calendar's zone). */
    public Report today() {
        return day(Instant.ofEpochMilli(clock.millis()).atZone(zone).toLocalDate());
    }

    /** The days kept whole, oldest first. */
    public synchronized List<LocalDate> days() {
        return List.copyOf(days.keySet());
    }

    /** The months with any usage kept (folded or in whole days), oldest first. */
    public synchronized List<YearMonth> months() {
        java.util.TreeSet<YearMonth> out = new java.util.TreeSet<>(months.keySet());
        days.keySet().forEach(d -> out.add(YearMonth.from(d)));
        return List.copyOf(out);
    }

    public ZoneId zone() {
        return zone;
    }

    private static void collect(Day d, Map<String, Map<String, long[]>> into) {
        d.cells.forEach((consumer, routes) -> routes.forEach((route, c) ->
                add(into.computeIfAbsent(consumer, k -> new HashMap<>()).computeIfAbsent(route, k -> new long[SLOTS]), c)));
    }

    private Report report(String period, Map<String, Map<String, long[]>> cells) {
        long[] total = new long[SLOTS];
        Map<String, long[]> byConsumer = new TreeMap<>();
        Map<String, long[]> byRoute = new TreeMap<>();
        List<Row> rows = new ArrayList<>();
        cells.forEach((consumer, routes) -> routes.forEach((route, c) -> {
            add(total, c);
            add(byConsumer.computeIfAbsent(consumer, k -> new long[SLOTS]), c);
            add(byRoute.computeIfAbsent(route, k -> new long[SLOTS]), c);
            rows.add(new Row(consumer, route, Usage.of(c)));
        }));
        rows.sort(Comparator.comparing(Row::consumer).thenComparing(Row::route));
        Map<String, Usage> consumers = new java.util.LinkedHashMap<>();
        byConsumer.forEach((k, v) -> consumers.put(k, Usage.of(v)));
        Map<String, Usage> routes = new java.util.LinkedHashMap<>();
        byRoute.forEach((k, v) -> routes.put(k, Usage.of(v)));
        return new Report(period, zone.getId(), Usage.of(total), consumers, routes, rows);
    }
}
