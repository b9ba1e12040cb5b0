package io.headroom.predictor.plan;

import io.headroom.config.ConfigNode;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code predictor:} section of the configuration file.
 *
 * <pre>
 * predictor:
 *   lead-time: 30s            # forecast horizon = provisioning lead time
 *   plan-ttl: 30s             # validity of each control plan
 *   retrain-interval: 60s     # how often models are re-selected and retrained
 *   history: 1h               # per-second history kept per series
 *   training-window: 20m      # how much of it training and backtests read
 *   season: 0s                # season for seasonal-naive and the season feature (0s: none)
 *   coverage: 0.9             # forecast interval coverage
 *   settle: 1s                # wait after a second ends before it counts as complete (late windows)
 *   xgboost: false            # let XGBoost compete too
 *   horizons: [60m]           # longer horizons forecast on the per-minute series of each pool ([] for none)
 *   minute-history: 1d        # per-minute history kept per pool for them (and re-read from Kafka on start)
 *   hour-history: 0s          # how far back a restart re-reads for the hour rings (1 h aggregates, a week and a day kept);
 *                             # 0s: only as far as history / minute-history; 8d: the hour rings come back full
 *   events: launches.csv      # scheduled events as forecast input ({@link io.headroom.predictor.forecast.EventsFile}; none by default)
 *   pools:
 *     api: {capacity-per-instance: 100, target-utilisation: 0.8}
 *   quotas:                   # global per-consumer limits split into quota leases ({@link QuotaSettings})
 *     mobile-app: 100/s
 *   quota-leases: {reserve: 0.1, half-life: 5s, warm-up: 3s, forget-after: 30s}
 *   quota-tiers: {tiers: {gold: {consumers: [partner], priority: 1}, free: {consumers: [mobile-app], priority: 2}}}
 *   period-quotas: {time-zone: UTC, consumers: {mobile-app: {day: 10000}}}   # cluster-wide ({@link PeriodQuotaSettings})
 * </pre>
 */
public record PredictorSettings(Duration leadTime, Duration planTtl, Duration retrainInterval, Duration history,
                                Duration trainingWindow, Duration season, double coverage, Duration settle, boolean xgboost,
                                Map<String, PoolSettings> pools, QuotaSettings quotas, List<Duration> horizons,
                                Duration minuteHistory, io.headroom.predictor.forecast.EventCalendar events, Duration hourHistory) {

    public static final Duration DEFAULT_LEAD_TIME = Duration.ofSeconds(30);
    public static final Duration DEFAULT_PLAN_TTL = Duration.ofSeconds(30);
    public static final List<Duration> DEFAULT_HORIZONS = List.of(Duration.ofMinutes(60));
    public static final Duration DEFAULT_MINUTE_HISTORY = Duration.ofDays(1);
    /** The longest horizon: a day. */
    public static final Duration MAX_HORIZON = Duration.ofDays(1);

    public PredictorSettings {
        events = java.util.Objects.requireNonNull(events, "events");
        if (hourHistory.isNegative() || hourHistory.compareTo(MAX_HOUR_HISTORY) > 0) {
            throw new IllegalArgumentException("hour-history " + hourHistory + ": expected 0 to " + MAX_HOUR_HISTORY);
        }
        if (leadTime.toMillis() < 1000 || planTtl.toMillis() < 1000 || retrainInterval.toMillis() < 1000 || settle.isNegative()
                || history.compareTo(trainingWindow) < 0 || trainingWindow.toSeconds() < 120) {
            throw new IllegalArgumentException("lead-time, plan-ttl, retrain-interval >= 1s, settle >= 0, training-window >= 2m and"
                    + " history >= training-window expected, got " + leadTime + ", " + planTtl + ", " + retrainInterval + ", "
                    + settle + ", " + trainingWindow + ", " + history);
        }
        pools = Map.copyOf(new LinkedHashMap<>(pools));
        quotas = java.util.Objects.requireNonNull(quotas, "quotas");
        horizons = List.copyOf(horizons);
        for (Duration h : horizons) {
            if (h.toMillis() % 60_000 != 0 || h.toMinutes() < 1 || h.compareTo(MAX_HORIZON) > 0) {
                throw new IllegalArgumentException("horizon " + h + ": expected whole minutes from 1m to 1d");
            }
        }
        if (!horizons.isEmpty() && minuteHistory.toMinutes() < minimumMinuteHistory(horizons)) {
            throw new IllegalArgumentException("minute-history " + minuteHistory + " is too short for horizons " + horizons
                    + ": use at least " + minimumMinuteHistory(horizons) + "m");
        }
        long min = minimumTrainingWindowSeconds(leadTime, settle, season);
        if (trainingWindow.toSeconds() < min) {
            throw new IllegalArgumentException("training-window " + trainingWindow.toSeconds() + "s is too short for lead-time "
                    + leadTime.toSeconds() + "s" + (season.isZero() ? "" : " and season " + season.toSeconds() + "s")
                    + ": a Tribuo model could never be fitted and backtested; use at least " + min + "s");
        }
    }

    /** Without scheduled events, with the default hour history. */
    public PredictorSettings(Duration leadTime, Duration planTtl, Duration retrainInterval, Duration history, Duration trainingWindow,
                             Duration season, double coverage, Duration settle, boolean xgboost, Map<String, PoolSettings> pools,
                             QuotaSettings quotas, List<Duration> horizons, Duration minuteHistory) {
        this(leadTime, planTtl, retrainInterval, history, trainingWindow, season, coverage, settle, xgboost, pools, quotas, horizons,
                minuteHistory, io.headroom.predictor.forecast.EventCalendar.NONE, DEFAULT_HOUR_HISTORY);
    }

    /** How much of the hour ring a restart re-reads by default: nothing beyond the second and minute histories. */
    public static final Duration DEFAULT_HOUR_HISTORY = Duration.ZERO;
    /** The hour ring keeps a week and a day ({@code HistoryStore.Limits.DEFAULT_HOURS}); no point re-reading more. */
    public static final Duration MAX_HOUR_HISTORY = Duration.ofDays(8);

    /** With scheduled events as forecast input (events naming a pool apply to that pool only). */
    public PredictorSettings withEvents(io.headroom.predictor.forecast.EventCalendar e) {
        return new PredictorSettings(leadTime, planTtl, retrainInterval, history, trainingWindow, season, coverage, settle, xgboost, pools,
                quotas, horizons, minuteHistory, e, hourHistory);
    }

    /** With {@code d} of the hour ring re-read from the topic on start (at most 8 days: the ring and the topic's retention). */
    public PredictorSettings withHourHistory(Duration d) {
        return new PredictorSettings(leadTime, planTtl, retrainInterval, history, trainingWindow, season, coverage, settle, xgboost, pools,
                quotas, horizons, minuteHistory, events, d);
    }

    /** Without global quotas (no leases), with the default long horizons. */
    public PredictorSettings(Duration leadTime, Duration planTtl, Duration retrainInterval, Duration history, Duration trainingWindow,
                             Duration season, double coverage, Duration settle, boolean xgboost, Map<String, PoolSettings> pools) {
        this(leadTime, planTtl, retrainInterval, history, trainingWindow, season, coverage, settle, xgboost, pools, QuotaSettings.NONE);
    }

    /** With the default long horizons ({@value #DEFAULT_HORIZONS_TEXT}) and minute history (1 day). */
    public PredictorSettings(Duration leadTime, Duration planTtl, Duration retrainInterval, Duration history, Duration trainingWindow,
                             Duration season, double coverage, Duration settle, boolean xgboost, Map<String, PoolSettings> pools,
                             QuotaSettings quotas) {
        this(leadTime, planTtl, retrainInterval, history, trainingWindow, season, coverage, settle, xgboost, pools, quotas,
                DEFAULT_HORIZONS, DEFAULT_MINUTE_HISTORY);
    }

    static final String DEFAULT_HORIZONS_TEXT = "[60m]";

    /**
     * Minutes of per-minute history a long horizon needs to be learned: 60 minutes of features, 60 training rows, a
     * 3 x 40-minute backtest and the longest horizon twice, plus slack. Shorter, and it is forecast by a baseline.
     */
    public static long minimumMinuteHistory(List<Duration> horizons) {
        long h = horizons.stream().mapToLong(Duration::toMinutes).max().orElse(0);
        return 60 + 60 + 3 * 40 + 2 * h + 10;
    }

    /** How far back the telemetry topic is re-read on start: the longest of the second, minute and hour histories. */
    public Duration replaySpan() {
        Duration span = horizons.isEmpty() || minuteHistory.compareTo(history) < 0 ? history : minuteHistory;
        return hourHistory.compareTo(span) > 0 ? hourHistory : span;
    }

    /**
     * The shortest training window in which a learned model can be fitted and backtested: the steps its features read
     * (60, or a season), the fewest training rows (60), the backtest's 3 folds of 40 steps, and the horizon twice (the
     * first fold's targets and the backtest's last targets), plus a little slack.
     */
    public static long minimumTrainingWindowSeconds(Duration leadTime, Duration settle, Duration season) {
        long h = (long) Math.ceil(leadTime.toMillis() / 1000.0) + 1 + (long) Math.ceil(settle.toMillis() / 1000.0);
        long span = Math.max(60, season.toSeconds() + 1);
        return span + 60 + 3 * 40 + 2 * h + 10;
    }

    /** Defaults with the given pools. */
    public static PredictorSettings of(Map<String, PoolSettings> pools) {
        return new PredictorSettings(DEFAULT_LEAD_TIME, DEFAULT_PLAN_TTL, Duration.ofSeconds(60), Duration.ofHours(1),
                Duration.ofMinutes(20), Duration.ZERO, 0.9, Duration.ofSeconds(1), false, pools);
    }

    public PredictorSettings withLeadTime(Duration d) {
        return new PredictorSettings(d, planTtl, retrainInterval, history, trainingWindow, season, coverage, settle, xgboost, pools, quotas,
                horizons, minuteHistory, events, hourHistory);
    }

    public PredictorSettings withRetrainInterval(Duration d) {
        return new PredictorSettings(leadTime, planTtl, d, history, trainingWindow, season, coverage, settle, xgboost, pools, quotas,
                horizons, minuteHistory, events, hourHistory);
    }

    public PredictorSettings withQuotas(QuotaSettings q) {
        return new PredictorSettings(leadTime, planTtl, retrainInterval, history, trainingWindow, season, coverage, settle, xgboost, pools, q,
                horizons, minuteHistory, events, hourHistory);
    }

    /** Long horizons forecast on the per-minute series, with {@code minutes} of per-minute history kept per pool. */
    public PredictorSettings withHorizons(List<Duration> h, Duration minutes) {
        return new PredictorSettings(leadTime, planTtl, retrainInterval, history, trainingWindow, season, coverage, settle, xgboost, pools,
                quotas, h, minutes, events, hourHistory);
    }

    /** Lead time in whole seconds (rounded up). */
    public int leadTimeSeconds() {
        return (int) Math.ceil(leadTime.toMillis() / 1000.0);
    }

    /** Parses {@code predictor:} of {@code root}; errors name file:line and the fix. */
    public static PredictorSettings from(ConfigNode root) {
        ConfigNode p = root.child("predictor").requireOnly("lead-time", "plan-ttl", "retrain-interval", "history", "training-window",
                "season", "coverage", "settle", "xgboost", "pools", "quotas", "quota-leases", "quota-tiers", "period-quotas", "horizons",
                "minute-history", "events", "hour-history");
        Duration lead = positive(p, "lead-time", DEFAULT_LEAD_TIME);
        Duration ttl = positive(p, "plan-ttl", DEFAULT_PLAN_TTL);
        Duration retrain = positive(p, "retrain-interval", Duration.ofSeconds(60));
        Duration history = positive(p, "history", Duration.ofHours(1));
        Duration window = positive(p, "training-window", Duration.ofMinutes(20));
        if (window.toSeconds() < 120) {
            throw p.errorAt("training-window", "training-window " + window.toSeconds() + "s is too short to train or backtest a model",
                    "use at least 2m");
        }
        Duration season = p.duration("season", Duration.ZERO);
        if (season.isNegative() || season.compareTo(history) > 0) {
            throw p.errorAt("season", "season must be between 0s and the history kept (" + history + ")",
                    "write e.g. season: 1h, or 0s for none");
        }
        Duration settle = p.duration("settle", Duration.ofSeconds(1));
        if (settle.isNegative()) {
            throw p.errorAt("settle", "settle must not be negative", "write e.g. settle: 1s");
        }
        long minWindow = minimumTrainingWindowSeconds(lead, settle, season);
        if (window.toSeconds() < minWindow) {
            throw p.errorAt("training-window", "training-window " + window.toSeconds() + "s is too short to fit and backtest a model at"
                    + " lead-time " + lead.toSeconds() + "s" + (season.isZero() ? "" : " with season " + season.toSeconds() + "s"),
                    "use at least " + minWindow + "s (or a shorter lead-time)");
        }
        if (history.compareTo(window) < 0) {
            throw p.errorAt("history", "history (" + history + ") is shorter than training-window (" + window + ")",
                    "keep at least as much history as training reads");
        }
        double coverage = p.decimal("coverage", 0.9, 0.5, 0.999);
        boolean xgb = p.bool("xgboost", false);
        ConfigNode poolsNode = p.child("pools");
        Map<String, PoolSettings> pools = new LinkedHashMap<>();
        for (String name : poolsNode.keys()) {
            ConfigNode pool = poolsNode.child(name).requireOnly("capacity-per-instance", "target-utilisation");
            if (!pool.has("capacity-per-instance")) {
                throw pool.error("pool '" + name + "' has no capacity-per-instance",
                        "add capacity-per-instance: <req/s one instance serves>, e.g. {capacity-per-instance: 100}");
            }
            double cap = pool.decimal("capacity-per-instance", 1, 1e-6, 1e12);
            double util = pool.decimal("target-utilisation", 0.8, 0.01, 1.0);
            pools.put(name, new PoolSettings(name, cap, util));
        }
        List<Duration> horizons = p.has("horizons") ? horizons(p) : DEFAULT_HORIZONS;
        Duration minuteHistory = p.duration("minute-history", DEFAULT_MINUTE_HISTORY);
        long minMinutes = minimumMinuteHistory(horizons);
        if (!horizons.isEmpty() && minuteHistory.toMinutes() < minMinutes) {
            throw p.errorAt("minute-history", "minute-history " + minuteHistory.toMinutes() + "m is too short to learn horizons " + horizons,
                    "use at least " + minMinutes + "m (or shorter horizons)");
        }
        io.headroom.predictor.forecast.EventCalendar events = io.headroom.predictor.forecast.EventCalendar.NONE;
        if (p.has("events")) {
            String file = p.string("events", "").strip();
            if (file.isEmpty()) {
                throw p.errorAt("events", "events is empty", "name a CSV file of scheduled events, e.g. events: launches.csv");
            }
            try {
                events = io.headroom.predictor.forecast.EventsFile.load(java.nio.file.Path.of(file));
            } catch (io.headroom.config.ConfigException e) {
                throw p.errorAt("events", "events file " + file + ": " + e.getMessage(), e.fix());
            }
        }
        Duration hourHistory = p.duration("hour-history", DEFAULT_HOUR_HISTORY);
        if (hourHistory.isNegative() || hourHistory.compareTo(MAX_HOUR_HISTORY) > 0) {
            throw p.errorAt("hour-history", "hour-history " + hourHistory + " is outside 0s..8d",
                    "the hour ring keeps a week and a day, and the telemetry topic 8 days: write e.g. hour-history: 8d");
        }
        return new PredictorSettings(lead, ttl, retrain, history, window, season, coverage, settle, xgb, pools, QuotaSettings.from(root, p),
                horizons, minuteHistory, events, hourHistory);
    }

    private static final java.util.regex.Pattern HORIZON = java.util.regex.Pattern.compile("(\\d+)\\s*(m|h)");

    private static List<Duration> horizons(ConfigNode p) {
        List<Duration> out = new java.util.ArrayList<>();
        for (ConfigNode item : p.list("horizons")) {
            java.util.regex.Matcher m = HORIZON.matcher(item.scalarValue().trim());
            Duration d = m.matches() ? (m.group(2).equals("h") ? Duration.ofHours(Long.parseLong(m.group(1)))
                    : Duration.ofMinutes(Long.parseLong(m.group(1)))) : null;
            if (d == null || d.isZero() || d.compareTo(MAX_HORIZON) > 0) {
                throw item.error("horizon '" + item.scalarValue() + "' is not whole minutes or hours between 1m and 24h",
                        "write e.g. horizons: [15m, 60m]");
            }
            out.add(d);
        }
        return out;
    }

    private static Duration positive(ConfigNode p, String key, Duration def) {
        Duration d = p.duration(key, def);
        if (d.toMillis() < 1000) {
            throw p.errorAt(key, key + " must be at least 1s, got " + d.toMillis() + "ms", "write e.g. " + key + ": " + def.toSeconds() + "s");
        }
        return d;
    }
}
