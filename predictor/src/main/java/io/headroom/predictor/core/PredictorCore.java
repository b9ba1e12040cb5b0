package io.headroom.predictor.core;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.QuotaAllowance;
import io.headroom.ingest.model.QuotaLease;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.forecast.Backtest;
import io.headroom.predictor.forecast.CoarsePast;
import io.headroom.predictor.forecast.Forecast;
import io.headroom.predictor.forecast.ModelCatalog;
import io.headroom.predictor.forecast.SeriesFleet;
import io.headroom.predictor.forecast.SeriesModel;
import io.headroom.predictor.forecast.TimeAxis;
import io.headroom.predictor.history.BackendThroughput;
import io.headroom.predictor.history.HistoryStore;
import io.headroom.predictor.history.InstanceTraffic;
import io.headroom.predictor.history.SeriesHistory;
import io.headroom.predictor.plan.CapacityPlanner;
import io.headroom.predictor.plan.ConsumerTraffic;
import io.headroom.predictor.plan.PoolSettings;
import io.headroom.predictor.plan.PredictorSettings;
import io.headroom.predictor.plan.PeriodQuotaLedger;
import io.headroom.predictor.plan.PeriodQuotaSettings;
import io.headroom.predictor.plan.QuotaLeaseAllocator;
import io.headroom.predictor.plan.QuotaSettings;
import io.headroom.predictor.plan.TierPlanner;
import io.headroom.predictor.plan.TierSettings;
import io.headroom.predictor.plan.WeightPlanner;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The predictor without Kafka: telemetry windows in, scaling intents and control plans out, time passed in as
 * an argument so the offline simulator drives it in simulated time.
 *
 * <p>Each {@link #tick}: the last complete second is {@code floor((now - settle) / 1000) - 1} (a second is
 * complete once it ended and {@code settle} passed for late windows). Each configured pool's series (the sum of
 * its routes) is forecast {@code lead-time + 1 + settle} steps past that second, i.e. at {@code now + lead-time};
 * the intent sizes the pool on the interval's upper bound and the plan weights backends by healthy throughput.
 * Pools with no telemetry in the last {@value #STALE_SECONDS} seconds get no intent or plan: no data is not zero
 * traffic, and the autoscaler's reactive floor and the routers' fail-static fallback handle it.
 *
 * <p>With global limits configured ({@code predictor.quotas}), every pool's plan also carries the quota leases of
 * {@link QuotaLeaseAllocator}: the same leases in each plan, because a consumer's limit spans all routes and the
 * router takes the newest lease of any plan. They share the plan's TTL, so a router whose predictor goes quiet falls
 * back to its static limits. A pool whose backends have no evidence yet still gets a plan (with no weights) when
 * there are leases to carry.
 *
 * <p>Retraining runs on the {@code trainingExecutor} every {@code retrain-interval} (at most one job at a time),
 * on copies of the history, and swaps models in atomically; with {@link #inline} it runs inside the tick
 * (deterministic, for simulation and tests). Thread-safe: {@link #accept} and {@link #tick} may be called from
 * different threads.
 */
public final class PredictorCore {
    private static final Logger LOG = Logger.getLogger(PredictorCore.class.getName());
    static final int STALE_SECONDS = 10;
    static final int OBSERVED_SECONDS = 5;
    static final double THROUGHPUT_HALF_LIFE_SECONDS = 5;
    static final int MAX_LEASES_DESCRIBED = 32;
    /** Up to this many pools each also trains its own Tribuo model; beyond, only the fleet's global model is learned. */
    static final int PER_SERIES_LEARNED_LIMIT = 64;
    /**
     * An hour of the hour ring is read by the long-horizon models' seasonal lags only if each of the pool's routes with
     * data in it was observed for at least this many of its seconds; a partial hour (an outage, a route that began
     * within it) reads as unknown, never as the hour's rate.
     */
    static final int MIN_HOUR_SECONDS = 2700;

    /** What one tick produced. */
    public record Tick(long nowMillis, List<ScalingIntent> intents, List<ControlPlan> plans, List<PoolForecast> forecasts,
                       List<ScalingEvent> events) {
        public Tick {
            intents = List.copyOf(intents);
            plans = List.copyOf(plans);
            forecasts = List.copyOf(forecasts);
            events = List.copyOf(events);
        }

        /** Without events. */
        public Tick(long nowMillis, List<ScalingIntent> intents, List<ControlPlan> plans, List<PoolForecast> forecasts) {
            this(nowMillis, intents, plans, forecasts, List.of());
        }
    }

    /** Counters since start. */
    public record Stats(long accepted, long duplicates, long retrains, long trainingFailures, long trainingSkippedBusy) {
    }

    private final PredictorSettings settings;
    private final Executor trainingExecutor;
    private final HistoryStore store;
    private final ModelCatalog catalog;
    private final Backtest backtest;
    private final int horizonSteps;
    private final int windowSteps;
    private final SeriesFleet fleet;
    /** Per long horizon (minutes): the models of every pool's per-minute series. */
    private final Map<Integer, SeriesFleet> longFleets = new LinkedHashMap<>();
    private final int minuteSteps;
    /** Whether the long-horizon models read the hour ring before their per-minute window (weekly lag on a day of minutes). */
    private final boolean hourLags;
    private long aheadMinute = Long.MIN_VALUE;
    private final Map<String, List<PoolForecast.Ahead>> ahead = new LinkedHashMap<>();
    private final Map<String, Long> lastTrainAttempt = new LinkedHashMap<>();
    private final Map<String, PoolForecast> latest = new LinkedHashMap<>();
    private final AtomicBoolean training = new AtomicBoolean();
    private final AtomicLong retrains = new AtomicLong();
    private final AtomicLong trainingFailures = new AtomicLong();
    private final AtomicLong trainingSkipped = new AtomicLong();
    private long lastEpoch;
    /** Per-consumer offered traffic per instance and per pool, for the leases and the tier planner. */
    private final ConsumerTraffic consumerTraffic;
    /** Cluster-wide counts of the calendar quotas ({@code period-quotas}) and their allowances. */
    private final PeriodQuotaLedger ledger;
    /** The tier factors of the last plan (tier → factor, rounded to hundredths), to log and publish changes only. */
    private final Map<String, Double> tierFactors = new LinkedHashMap<>();
    /** Tier → the pool that last tightened it (the key of its loosening event). */
    private final Map<String, String> tierPools = new LinkedHashMap<>();
    private TierPlanner.Decision tiers = TierPlanner.Decision.NONE;

    /**
     * @param settings         the {@code predictor:} section
     * @param trainingExecutor where retraining runs (a single background thread in the service)
     */
    public PredictorCore(PredictorSettings settings, Executor trainingExecutor) {
        this(settings, trainingExecutor, true);
    }

    /** With {@code hourLags} false the long-horizon models see no hour ring before their per-minute window (tests compare). */
    PredictorCore(PredictorSettings settings, Executor trainingExecutor, boolean hourLags) {
        this.settings = settings;
        this.hourLags = hourLags;
        this.trainingExecutor = trainingExecutor;
        int historySeconds = (int) settings.history().toSeconds();
        int minutesKept = Math.max(60, historySeconds / 60 + 1);
        this.minuteSteps = (int) settings.minuteHistory().toMinutes();
        this.store = new HistoryStore(new HistoryStore.Limits(historySeconds, minutesKept, 60, 1 << 16, 1024, 10_000,
                settings.horizons().isEmpty() ? minutesKept : minuteSteps + 1));
        int season = (int) settings.season().toSeconds();
        this.catalog = new ModelCatalog(settings.coverage(), 300, season, 1200, 60, settings.xgboost()).withEvents(settings.events());
        this.backtest = new Backtest(3, 40);
        java.util.Set<String> shared = new java.util.HashSet<>(settings.quotas().limits().keySet());
        shared.addAll(settings.quotas().periods().consumers().keySet());
        this.consumerTraffic = new ConsumerTraffic(shared, 60, 1024);
        this.ledger = new PeriodQuotaLedger(settings.quotas().periods());
        this.horizonSteps = settings.leadTimeSeconds() + 1 + (int) Math.ceil(settings.settle().toMillis() / 1000.0);
        this.windowSteps = (int) settings.trainingWindow().toSeconds();
        this.fleet = new SeriesFleet(catalog, horizonSteps, backtest, new TimeAxis(0, 1),
                settings.pools().size() <= PER_SERIES_LEARNED_LIMIT);
        for (PoolSettings p : settings.pools().values()) {
            fleet.model(p.name());
        }
        ModelCatalog minutes = new ModelCatalog(settings.coverage(), 300, 0, minuteSteps, 60, settings.xgboost()).withEvents(settings.events());
        for (java.time.Duration h : settings.horizons()) {
            longFleets.put((int) h.toMinutes(), new SeriesFleet(minutes, (int) h.toMinutes(), new Backtest(3, 40), new TimeAxis(0, 60),
                    settings.pools().size() <= PER_SERIES_LEARNED_LIMIT));
        }
    }

    /** A core that retrains synchronously inside {@link #tick}: deterministic, for simulation and tests. */
    public static PredictorCore inline(PredictorSettings settings) {
        return new PredictorCore(settings, Runnable::run);
    }

    /** As {@link #inline(PredictorSettings)}, with or without the hour ring before the long horizons' per-minute window. */
    static PredictorCore inline(PredictorSettings settings, boolean hourLags) {
        return new PredictorCore(settings, Runnable::run, hourLags);
    }

    /** Records a telemetry window; false if it was a duplicate (or beyond the series limit). */
    public synchronized boolean accept(TelemetryWindow w) {
        ledger.accept(w); // its own de-duplication: it must see every window, even one the store turns away
        if (!store.accept(w)) {
            return false;
        }
        consumerTraffic.accept(w);
        return true;
    }

    /**
     * Counts a window towards the calendar quotas only: one older than the history kept, re-read on start so that a
     * restarted predictor's counts do not begin at zero in the middle of the month.
     */
    public synchronized void acceptForQuotas(TelemetryWindow w) {
        ledger.accept(w);
    }

    /**
     * How far back telemetry must be re-read at {@code nowMillis}: the start of the history kept, or of the oldest
     * calendar window of a cluster-wide quota when that is earlier.
     */
    public synchronized long rewindFrom(long nowMillis) {
        return Math.min(nowMillis - settings.replaySpan().toMillis(), ledger.earliestWindowStart(nowMillis));
    }

    /** The cluster-wide count of {@code consumer} in the {@code period} window holding {@code nowMillis}. */
    public synchronized long periodQuotaUsed(String consumer, io.headroom.time.CalendarPeriod period, long nowMillis) {
        return ledger.used(consumer, period, nowMillis);
    }

    /** The same per router instance. */
    public synchronized Map<String, Long> periodQuotaUsedByInstance(String consumer, io.headroom.time.CalendarPeriod period,
                                                                   long nowMillis) {
        return ledger.usedByInstance(consumer, period, nowMillis);
    }

    /** The allowances a plan at {@code nowMillis} would carry (recomputed; empty without {@code period-quotas}). */
    public synchronized List<QuotaAllowance> quotaAllowances(long nowMillis) {
        return allowances(nowMillis, lastCompleteSecond(nowMillis));
    }

    /** Steps (seconds) between the last complete second and the forecast target. */
    public int horizonSteps() {
        return horizonSteps;
    }

    private long lastCompleteSecond(long nowMillis) {
        return Math.floorDiv(nowMillis - settings.settle().toMillis(), 1000) - 1;
    }

    /** One planning round at {@code nowMillis}: forecasts, intents, plans (and retraining when due). */
    public Tick tick(long nowMillis) {
        List<Runnable> jobs = new ArrayList<>();
        Tick t;
        synchronized (this) {
            long last = lastCompleteSecond(nowMillis);
            Map<String, double[]> due = new LinkedHashMap<>();
            TimeAxis axis = windowAxis(last);
            for (String pool : settings.pools().keySet()) {
                SeriesHistory h = store.pool(pool);
                if (h == null) {
                    continue;
                }
                Long attempt = lastTrainAttempt.get(pool);
                // A level shift refits at once: the old model would keep forecasting the old level until the schedule.
                if (attempt == null || nowMillis - attempt >= settings.retrainInterval().toMillis()
                        || fleet.model(pool).levelShiftDetected()) {
                    due.put(pool, h.values(last - windowSteps + 1, last + 1));
                }
            }
            if (!due.isEmpty()) {
                if (training.compareAndSet(false, true)) {
                    due.keySet().forEach(p -> lastTrainAttempt.put(p, nowMillis));
                    Map<String, double[]> minuteDue = minuteWindows(due.keySet(), last);
                    Map<String, CoarsePast> pasts = minutePasts(minuteDue.keySet(), last);
                    TimeAxis minuteAxis = minuteAxis(last);
                    jobs.add(() -> {
                        retrain(due, axis, nowMillis);
                        retrainLong(minuteDue, pasts, minuteAxis, nowMillis);
                    });
                } else {
                    trainingSkipped.incrementAndGet();
                }
            }
        }
        for (Runnable job : jobs) {
            try {
                trainingExecutor.execute(job);
            } catch (RejectedExecutionException e) {
                training.set(false);
            }
        }
        synchronized (this) {
            t = plan(nowMillis);
        }
        return t;
    }

    /** Index 0 of the training window that ends with second {@code last}: absolute epoch seconds, 1-s steps. */
    private TimeAxis windowAxis(long last) {
        return new TimeAxis(last - windowSteps + 1, 1);
    }

    private void retrain(Map<String, double[]> due, TimeAxis axis, long nowMillis) {
        try {
            record(fleet.retrain(due, axis, nowMillis, null, 1));
        } catch (RuntimeException ex) {
            trainingFailures.incrementAndGet();
            LOG.log(Level.WARNING, "retraining failed; every pool keeps its previous model", ex);
        } finally {
            training.set(false);
        }
    }

    /** The last complete minute at second {@code last}: the minute whose final second is at or before it. */
    private static long lastCompleteMinute(long last) {
        return Math.floorDiv(last + 1, 60) - 1;
    }

    /** Index 0 of the per-minute window that ends with the last complete minute (60-s steps, absolute epoch seconds). */
    private TimeAxis minuteAxis(long last) {
        return new TimeAxis((lastCompleteMinute(last) - minuteSteps + 1) * 60, 60);
    }

    /** Per-minute mean rates (req/s, NaN = no data) of each pool's last {@code minute-history}, for the long horizons. */
    private Map<String, double[]> minuteWindows(java.util.Collection<String> pools, long last) {
        Map<String, double[]> out = new LinkedHashMap<>();
        if (longFleets.isEmpty()) {
            return out;
        }
        long m = lastCompleteMinute(last);
        for (String pool : pools) {
            SeriesHistory h = store.pool(pool);
            if (h != null) {
                out.put(pool, h.minutes().rates(m - minuteSteps + 1, m + 1));
            }
        }
        return out;
    }

    /**
     * Each pool's hourly means before its per-minute window (the window that ends with the last complete minute at
     * second {@code last}), for the long horizons' seasonal lags: the hours of its routes' hour rings that end at or
     * before the window's first minute, so every origin of a fit, backtest or forecast on the window lies after all
     * of them; partial hours read NaN ({@link #MIN_HOUR_SECONDS}). Empty without long horizons or with hour lags off.
     */
    private Map<String, CoarsePast> minutePasts(java.util.Collection<String> pools, long last) {
        Map<String, CoarsePast> out = new LinkedHashMap<>();
        if (longFleets.isEmpty() || !hourLags) {
            return out;
        }
        long toHour = Math.floorDiv(minuteAxis(last).startEpochSecond(), 3600);
        long fromHour = toHour - HistoryStore.Limits.DEFAULT_HOURS;
        for (String pool : pools) {
            double[] means = store.poolHourlyRates(pool, fromHour, toHour, MIN_HOUR_SECONDS);
            CoarsePast p = CoarsePast.of(fromHour * 3600, 3600, means);
            if (!p.isEmpty()) {
                out.put(pool, p);
            }
        }
        return out;
    }

    /**
     * The time axis of {@code pool}'s per-minute window at {@code nowMillis}, with the hourly means before it that its
     * long-horizon models read (see {@link #minutePasts}). For tests and the dashboard.
     */
    public synchronized TimeAxis minuteAxis(String pool, long nowMillis) {
        long last = lastCompleteSecond(nowMillis);
        return minuteAxis(last).withPast(minutePasts(List.of(pool), last).getOrDefault(pool, CoarsePast.NONE));
    }

    /** The model selection of a configured pool at a long horizon of {@code predictor.horizons} (empty if either is not configured). */
    public Optional<SeriesModel.Selection> aheadSelection(String pool, java.time.Duration horizon) {
        SeriesFleet f = longFleets.get((int) horizon.toMinutes());
        return f == null || !settings.pools().containsKey(pool) ? Optional.empty() : Optional.of(f.model(pool).selection());
    }

    private void retrainLong(Map<String, double[]> minuteDue, Map<String, CoarsePast> pasts, TimeAxis minuteAxis, long nowMillis) {
        if (minuteDue.isEmpty()) {
            return;
        }
        for (Map.Entry<Integer, SeriesFleet> e : longFleets.entrySet()) {
            try {
                SeriesFleet.Result r = e.getValue().retrain(minuteDue, minuteAxis, pasts, nowMillis, null, 1);
                r.selections().forEach((pool, sel) -> LOG.log(Level.FINE, "pool {0} at {1}m: {2}",
                        new Object[] {pool, e.getKey(), sel.summary()}));
                trainingFailures.addAndGet(r.failures().size());
            } catch (RuntimeException ex) {
                trainingFailures.incrementAndGet();
                LOG.log(Level.WARNING, "retraining the " + e.getKey() + "m models failed; they keep their previous models", ex);
            }
        }
    }

    /**
     * Forecasts at the long horizons for {@code pool}, recomputed once per complete minute (the per-minute series only
     * changes then); empty without long horizons or per-minute data.
     */
    private List<PoolForecast.Ahead> ahead(PoolSettings pool, long last) {
        if (longFleets.isEmpty()) {
            return List.of();
        }
        long m = lastCompleteMinute(last);
        if (m != aheadMinute) {
            ahead.clear();
            aheadMinute = m;
        }
        List<PoolForecast.Ahead> cached = ahead.get(pool.name());
        if (cached != null) {
            return cached;
        }
        double[] recent = minuteWindows(List.of(pool.name()), last).get(pool.name());
        List<PoolForecast.Ahead> out = new ArrayList<>();
        if (recent != null && !Double.isNaN(io.headroom.predictor.forecast.SeriesMath.lastObserved(recent))) {
            TimeAxis axis = minuteAxis(last).withPast(minutePasts(List.of(pool.name()), last).getOrDefault(pool.name(), CoarsePast.NONE));
            for (Map.Entry<Integer, SeriesFleet> e : longFleets.entrySet()) {
                SeriesModel model = e.getValue().model(pool.name());
                Forecast f = model.forecast(recent, axis);
                out.add(new PoolForecast.Ahead(e.getKey() * 60, f.mean(), f.lower(), f.upper(),
                        CapacityPlanner.desiredInstances(f.upper(), pool), model.selection().model()));
            }
        }
        ahead.put(pool.name(), List.copyOf(out));
        return ahead.get(pool.name());
    }

    private static String describeAhead(List<PoolForecast.Ahead> ahead) {
        StringBuilder b = new StringBuilder();
        for (PoolForecast.Ahead a : ahead) {
            b.append(String.format(Locale.ROOT, "; in %dm: %.1f req/s [%.1f, %.1f] -> %d instances (%s)", a.horizonSeconds() / 60, a.mean(),
                    a.lower(), a.upper(), a.desired(), a.model()));
        }
        return b.toString();
    }

    private void record(SeriesFleet.Result r) {
        retrains.addAndGet(r.selections().size());
        r.selections().forEach((pool, s) -> LOG.log(Level.FINE, "pool {0}: {1}", new Object[] {pool, s.summary()}));
        trainingFailures.addAndGet(r.failures().size());
        r.failures().forEach((pool, ex) -> LOG.log(Level.WARNING, "retraining pool " + pool + " failed; it keeps its previous model", ex));
    }

    /** Retrains every pool now on the calling thread (tests, or a simulator that wants fresh models). */
    public void retrainNow(long nowMillis) {
        Map<String, double[]> due = new LinkedHashMap<>();
        TimeAxis axis;
        synchronized (this) {
            long last = lastCompleteSecond(nowMillis);
            axis = windowAxis(last);
            for (String pool : settings.pools().keySet()) {
                SeriesHistory h = store.pool(pool);
                if (h != null) {
                    due.put(pool, h.values(last - windowSteps + 1, last + 1));
                    lastTrainAttempt.put(pool, nowMillis);
                }
            }
        }
        record(fleet.retrain(due, axis, nowMillis, null, 1));
        Map<String, double[]> minuteDue;
        Map<String, CoarsePast> pasts;
        TimeAxis minuteAxis;
        synchronized (this) {
            long last = lastCompleteSecond(nowMillis);
            minuteDue = minuteWindows(due.keySet(), last);
            pasts = minutePasts(minuteDue.keySet(), last);
            minuteAxis = minuteAxis(last);
        }
        retrainLong(minuteDue, pasts, minuteAxis, nowMillis);
    }

    /** A pool's plan inputs, kept from the forecast pass until the leases are known. */
    private record PoolPass(PoolSettings pool, SeriesModel.Selection selection, BackendThroughput throughput, Map<String, Double> ratios,
                            Map<String, Double> latencies) {
    }

    private Tick plan(long nowMillis) {
        long last = lastCompleteSecond(nowMillis);
        List<ScalingIntent> intents = new ArrayList<>();
        List<ControlPlan> plans = new ArrayList<>();
        List<PoolForecast> forecasts = new ArrayList<>();
        List<PoolPass> passes = new ArrayList<>();
        for (PoolSettings pool : settings.pools().values()) {
            SeriesHistory h = store.pool(pool.name());
            if (h == null || h.newestSecond() <= last - STALE_SECONDS) {
                continue;
            }
            double[] recent = h.values(last - windowSteps + 1, last + 1);
            double observed = observed(recent);
            if (Double.isNaN(observed)) {
                continue;
            }
            SeriesModel model = fleet.model(pool.name());
            Forecast f = model.forecast(recent, windowAxis(last));
            SeriesModel.Selection sel = model.selection();
            List<PoolForecast.Ahead> later = ahead(pool, last);
            ScalingIntent intent = CapacityPlanner.intent(pool, nowMillis, settings.leadTimeSeconds(), observed, f, sel.model(),
                    "forecast by " + sel.summary() + describeAhead(later));
            intents.add(intent);
            PoolForecast pf = new PoolForecast(pool.name(), nowMillis, settings.leadTimeSeconds(), observed, f.mean(), f.lower(), f.upper(),
                    intent.desiredNow(), sel.model(), sel.summary(), later);
            latest.put(pool.name(), pf);
            forecasts.add(pf);
            BackendThroughput tp = store.throughput(pool.name());
            Map<String, Double> ratios = tp == null ? Map.of()
                    : tp.successRatios(last, THROUGHPUT_HALF_LIFE_SECONDS, WeightPlanner.MIN_EVIDENCE);
            Map<String, Double> latencies = tp == null ? Map.of()
                    : tp.meanLatencies(last, THROUGHPUT_HALF_LIFE_SECONDS, WeightPlanner.MIN_EVIDENCE);
            passes.add(new PoolPass(pool, sel, tp, ratios, latencies));
        }
        tiers = tierDecision(last, forecasts);
        List<ScalingEvent> events = tierChanges(nowMillis, tiers);
        List<QuotaLease> leases = leases(last);
        List<QuotaAllowance> allowances = allowances(nowMillis, last);
        String leaseNote = (leases.isEmpty() ? "" : "; " + describe(leases) + describeTiers(tiers)) + describeAllowances(allowances);
        for (PoolPass pass : passes) {
            PoolSettings pool = pass.pool();
            SeriesModel.Selection sel = pass.selection();
            BackendThroughput tp = pass.throughput();
            Map<String, Double> ratios = pass.ratios();
            if (!ratios.isEmpty() || !leases.isEmpty() || !allowances.isEmpty()) {
                lastEpoch = Math.max(lastEpoch + 1, nowMillis);
                Map<String, Double> weights = WeightPlanner.weights(ratios, pass.latencies(), WeightPlanner.DEFAULT_FLOOR);
                Map<String, Double> healthy = tp == null ? Map.of() : tp.smoothed(last, THROUGHPUT_HALF_LIFE_SECONDS);
                Map<String, Double> factors = WeightPlanner.latencyFactors(ratios.keySet(), pass.latencies());
                String latencyNote = factors.isEmpty() ? "" : String.format(Locale.ROOT,
                        " x latency factor (min(1, %.2f x median / own mean latency)) %s; mean latency ms %s",
                        WeightPlanner.LATENCY_TOLERANCE, rounded(factors, "%.2f"), rounded(millis(pass.latencies())));
                String provenance = String.format(Locale.ROOT,
                        "weights = smoothed success ratio (2xx-4xx over requests, half-life %.0fs) %s%s; healthy req/s %s; forecast %s; %s",
                        THROUGHPUT_HALF_LIFE_SECONDS, rounded(ratios), latencyNote, rounded(healthy), sel.summary(), sel.description())
                        + leaseNote;
                plans.add(new ControlPlan(ControlPlan.poolScope(pool.name()), ControlPlan.SOURCE_PREDICTOR, lastEpoch, nowMillis,
                        nowMillis + settings.planTtl().toMillis(), weights, leases, List.of(), provenance, allowances));
            }
        }
        return new Tick(nowMillis, intents, plans, forecasts, events);
    }

    /** The tier planner's factors for the pools forecast this tick (every tier at 1 without tiers or ceilings). */
    private TierPlanner.Decision tierDecision(long last, List<PoolForecast> forecasts) {
        TierSettings ts = settings.quotas().tiers();
        if (ts.isEmpty()) {
            return TierPlanner.Decision.NONE;
        }
        Map<String, Map<String, Double>> byPool = consumerTraffic.byPool(last, settings.quotas().halfLife().toMillis() / 1000.0);
        List<TierPlanner.PoolLoad> loads = new ArrayList<>();
        for (PoolForecast pf : forecasts) {
            Integer max = ts.maxInstances().get(pf.pool());
            PoolSettings pool = settings.pools().get(pf.pool());
            if (max == null || pool == null) {
                continue;
            }
            loads.add(new TierPlanner.PoolLoad(pf.pool(), pool.plannedPerInstance() * max, pf.upper(), pf.observed(),
                    byPool.getOrDefault(pf.pool(), Map.of())));
        }
        return TierPlanner.plan(ts, loads);
    }

    /**
     * Logs every tier whose factor changed since the last plan (to the hundredth) and returns one {@code QUOTA} event
     * each for {@code headroom.events}.
     */
    private List<ScalingEvent> tierChanges(long nowMillis, TierPlanner.Decision d) {
        List<ScalingEvent> out = new ArrayList<>();
        for (TierSettings.Tier t : settings.quotas().tiers().tiers()) {
            double f = Math.round(d.factor(t.name()) * 100) / 100.0;
            Double before = tierFactors.put(t.name(), f);
            double was = before == null ? 1.0 : before;
            if (f == was) {
                continue;
            }
            String reason = f < 1 ? d.reasons().get(t.name())
                    : "forecast upper bound back under capacity in every pool: the configured limits of tier " + t.name() + " apply again";
            String what = String.format(Locale.ROOT, "tier %s limits x%.2f -> x%.2f (%s): %s", t.name(), was, f,
                    f < was ? "tightened" : "loosened", reason);
            LOG.info("quota " + what);
            String pool = f < 1 ? d.pools().getOrDefault(t.name(), "") : tierPools.getOrDefault(t.name(), "");
            tierPools.put(t.name(), pool);
            out.add(new ScalingEvent(pool, nowMillis, ScalingEvent.Action.QUOTA, "tier:" + t.name(),
                    (int) Math.round(f * 100), -1, what));
        }
        return out;
    }

    private static String describeTiers(TierPlanner.Decision d) {
        if (!d.tightened()) {
            return "";
        }
        StringBuilder b = new StringBuilder("; quota tiers tightened ahead of the forecast:");
        d.factors().entrySet().stream().filter(e -> e.getValue() < 1).sorted(Map.Entry.comparingByKey()).forEach(e ->
                b.append(String.format(Locale.ROOT, " %s x%.2f (%s)", e.getKey(), e.getValue(), d.reasons().get(e.getKey()))));
        return b.toString();
    }

    /** What is known of each instance's traffic up to second {@code last}: its share for leases and allowances. */
    private List<QuotaLeaseAllocator.InstanceShare> shares(long last) {
        List<QuotaLeaseAllocator.InstanceShare> shares = new ArrayList<>();
        double halfLife = settings.quotas().halfLife().toMillis() / 1000.0;
        Map<String, Map<String, Double>> perConsumer = consumerTraffic.byInstance(last, halfLife);
        for (InstanceTraffic.Rate r : store.instances().rates(last, halfLife)) {
            shares.add(new QuotaLeaseAllocator.InstanceShare(r.instanceId(), r.requestsPerSecond(), r.secondsObserved(),
                    r.secondsSinceSeen(), perConsumer.getOrDefault(r.instanceId(), Map.of())));
        }
        return shares;
    }

    /** Each live instance's allowance of each cluster-wide calendar quota; empty without {@code period-quotas}. */
    private List<QuotaAllowance> allowances(long nowMillis, long last) {
        QuotaSettings q = settings.quotas();
        if (q.periods().isEmpty()) {
            return List.of();
        }
        return ledger.allowances(nowMillis, shares(last), q.warmUp().toSeconds(), q.forgetAfter().toSeconds());
    }

    private String describeAllowances(List<QuotaAllowance> allowances) {
        if (allowances.isEmpty()) {
            return "";
        }
        PeriodQuotaSettings ps = settings.quotas().periods();
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "; calendar quota allowances (%s) = each instance's own count + its part of what remains less a %.0f%% reserve"
                        + " (%.0f%% of that even, the rest by its smoothed share of the consumer's requests):",
                ps.zone(), ps.reserve() * 100, ps.floor() * 100));
        int shown = Math.min(allowances.size(), MAX_LEASES_DESCRIBED);
        for (QuotaAllowance a : allowances.subList(0, shown)) {
            b.append(String.format(Locale.ROOT, " %s@%s %s %d/%d up to %d", a.consumer(), a.instanceId(), a.period(), a.used(), a.limit(),
                    a.allowance()));
        }
        if (shown < allowances.size()) {
            b.append(" and ").append(allowances.size() - shown).append(" more");
        }
        return b.toString();
    }

    /** The quota leases for the instances' traffic up to second {@code last}; empty without global limits. */
    private List<QuotaLease> leases(long last) {
        QuotaSettings q = settings.quotas();
        if (q.isEmpty()) {
            return List.of();
        }
        List<QuotaLeaseAllocator.InstanceShare> shares = shares(last);
        if (!tiers.tightened()) {
            return QuotaLeaseAllocator.allocate(q, shares);
        }
        Map<String, QuotaLeaseAllocator.GlobalLimit> scaled = new LinkedHashMap<>();
        for (QuotaLeaseAllocator.GlobalLimit l : q.limits().values()) {
            TierSettings.Tier t = q.tiers().tierOf(l.consumer());
            double f = t == null ? 1 : tiers.factor(t.name());
            scaled.put(l.consumer(), f >= 1 ? l
                    : new QuotaLeaseAllocator.GlobalLimit(l.consumer(), l.ratePerSecond() * f, Math.max(1, (long) Math.floor(l.burst() * f))));
        }
        return QuotaLeaseAllocator.allocate(q.withLimits(scaled), shares);
    }

    /** The tier factors of the last plan (tier → factor; 1 = the configured limits). */
    public synchronized Map<String, Double> tierFactors() {
        return Map.copyOf(tiers.factors());
    }

    /** Latest leases, for tests and the dashboard (recomputed; empty without global limits). */
    public synchronized List<QuotaLease> quotaLeases(long nowMillis) {
        return leases(lastCompleteSecond(nowMillis));
    }

    private String describe(List<QuotaLease> leases) {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT,
                "quota leases = floor %.0f%% of each limit spread over live instances + the rest by each instance's smoothed"
                        + " share of the consumer's offered requests (half-life %ds; its share of all traffic where no instance"
                        + " reported the consumer):", settings.quotas().reserve() * 100, settings.quotas().halfLife().toSeconds()));
        // Bounded: the plan is one Kafka record, and many consumers × instances must not make it huge.
        int shown = Math.min(leases.size(), MAX_LEASES_DESCRIBED);
        for (QuotaLease l : leases.subList(0, shown)) {
            b.append(String.format(Locale.ROOT, " %s@%s=%.2f/s burst %d", l.consumer(), l.instanceId(), l.ratePerSecond(), l.burst()));
        }
        if (shown < leases.size()) {
            b.append(" and ").append(leases.size() - shown).append(" more");
        }
        return b.toString();
    }

    private static Map<String, Double> millis(Map<String, Double> micros) {
        Map<String, Double> out = new java.util.TreeMap<>();
        micros.forEach((k, v) -> out.put(k, v / 1000));
        return out;
    }

    private static String rounded(Map<String, Double> m) {
        return rounded(m, "%.1f");
    }

    private static String rounded(Map<String, Double> m, String format) {
        StringBuilder b = new StringBuilder("{");
        m.forEach((k, v) -> b.append(b.length() > 1 ? ", " : "").append(k).append('=').append(String.format(Locale.ROOT, format, v)));
        return b.append("}").toString();
    }

    /** Mean of the observed values among the last {@value #OBSERVED_SECONDS} seconds; NaN if all are gaps. */
    private static double observed(double[] recent) {
        double sum = 0;
        int n = 0;
        for (int i = Math.max(0, recent.length - OBSERVED_SECONDS); i < recent.length; i++) {
            if (!Double.isNaN(recent[i])) {
                sum += recent[i];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }

    /**
     * A copy of a pool's per-second history over {@code [fromSecond, toSecond)} (epoch seconds; NaN = gap), or an empty
     * array if the pool has no telemetry yet. For tests, the dashboard and warm-start checks.
     */
    public synchronized double[] poolHistory(String pool, long fromSecond, long toSecond) {
        SeriesHistory h = store.pool(pool);
        return h == null ? new double[0] : h.values(fromSecond, toSecond);
    }

    /** Mean req/s of a pool per hour, hours {@code [fromHour, toHour)} since the epoch (the hour rings of its routes); NaN = no data. */
    public synchronized double[] poolHourly(String pool, long fromHour, long toHour) {
        return store.poolHourlyRates(pool, fromHour, toHour);
    }

    public synchronized Optional<PoolForecast> latest(String pool) {
        return Optional.ofNullable(latest.get(pool));
    }

    public synchronized Map<String, PoolForecast> latest() {
        return Map.copyOf(latest);
    }

    /** The model selection of a configured pool (empty if the pool is not configured). */
    public Optional<SeriesModel.Selection> selection(String pool) {
        return settings.pools().containsKey(pool) ? Optional.of(fleet.model(pool).selection()) : Optional.empty();
    }

    public synchronized Stats stats() {
        return new Stats(store.acceptedCount(), store.duplicateCount(), retrains.get(), trainingFailures.get(), trainingSkipped.get());
    }

    public PredictorSettings settings() {
        return settings;
    }
}
