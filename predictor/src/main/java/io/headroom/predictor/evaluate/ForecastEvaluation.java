package io.headroom.predictor.evaluate;

import io.headroom.ingest.json.JsonStrings;

import io.headroom.predictor.forecast.Backtest;
import io.headroom.predictor.forecast.Forecast;
import io.headroom.predictor.forecast.Forecaster;
import io.headroom.predictor.forecast.LastValueForecaster;
import io.headroom.predictor.forecast.ModelCatalog;
import io.headroom.predictor.forecast.SeriesModel;
import io.headroom.predictor.forecast.TimeAxis;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Offline evaluation of the forecaster on one recorded series, per horizon, with an honest choice:
 * <ol>
 *   <li>the series is split into a <em>selection</em> stretch and a later <em>held-out</em> stretch (the last
 *       {@code holdoutFolds × foldLength} forecast origins);</li>
 *   <li>every candidate of the {@link ModelCatalog} is scored by a rolling-origin {@link Backtest} on the data before
 *       the held-out stretch only, and the lowest MAE is the <em>chosen</em> model (as the live predictor would
 *       choose);</li>
 *   <li>every candidate is then scored on the held-out stretch by rolling origin: per fold a fresh instance is fit on
 *       everything before the fold and forecasts each origin of the fold from the data up to it. Metrics: MAE, RMSE,
 *       sMAPE (%), MASE (MAE over the in-sample MAE of the one-step naive forecast on the data before the held-out
 *       stretch) and the coverage of its interval.</li>
 * </ol>
 * The chosen model's held-out MAE over the best baseline's held-out MAE is {@code mae_ratio}: below 1 the forecaster
 * beats every simple baseline, even one picked with hindsight.
 *
 * <p>Usage: {@code ForecastEvaluation.evaluate(y, startEpochSecond, stepSeconds, 5, 15).toJson()}, or with explicit
 * {@link Settings} through {@code new ForecastEvaluation(settings).run(...)}.
 */
public final class ForecastEvaluation {

    /**
     * @param catalog        the candidates and their interval coverage
     * @param foldLength     origins per fold (one refit per fold)
     * @param selectionFolds folds of the selection backtest (before the held-out stretch)
     * @param holdoutFolds   folds of the held-out stretch
     */
    public record Settings(ModelCatalog catalog, int foldLength, int selectionFolds, int holdoutFolds) {
        public Settings {
            if (foldLength <= 0 || selectionFolds <= 0 || holdoutFolds <= 0) {
                throw new IllegalArgumentException("foldLength " + foldLength + ", selectionFolds " + selectionFolds + ", holdoutFolds "
                        + holdoutFolds + " (expected: all > 0)");
            }
        }

        /**
         * Defaults for a series of {@code length} steps of {@code stepSeconds} (0 = unknown): 90% intervals; with a day
         * or more of steps known, the held-out stretch is the last 2 days (at most a quarter of the series) in folds
         * of 6 hours, selection the 4 folds (a day) before, models train on up to 7 days; otherwise a quarter of the series in
         * 3 folds, selection 3 folds before it.
         */
        public static Settings forSeries(int length, long stepSeconds) {
            TimeAxis axis = new TimeAxis(0, stepSeconds);
            int day = axis.daySteps();
            if (day >= 8 && length >= 4 * day) {
                int fold = Math.max(1, day / 4);
                int holdout = Math.max(1, Math.min(8, length / 4 / fold));
                return new Settings(new ModelCatalog(0.9, 300, 0, Math.min(7 * day, 10_080), 60, false), fold, 4, holdout);
            }
            int fold = Math.max(10, length / 12);
            int maxRows = Math.max(60, Math.min(day >= 8 ? day : 5_000, length));
            return new Settings(new ModelCatalog(0.9, 300, 0, maxRows, Math.min(60, Math.max(10, length / 20)), false), fold, 3, 3);
        }

        public Settings withCatalog(ModelCatalog c) {
            return new Settings(c, foldLength, selectionFolds, holdoutFolds);
        }

        /**
         * With scheduled events as input of the learned models. Honest: a schedule is known before the traffic, and
         * the features read only the schedule and the clock, never the series.
         */
        public Settings withEvents(io.headroom.predictor.forecast.EventCalendar events) {
            return withCatalog(catalog.withEvents(events));
        }
    }

    /**
     * Held-out metrics of one model.
     *
     * @param coverage fraction of held-out targets inside the model's interval (nominal: the catalog's coverage)
     * @param points   scored (origin, target) pairs
     */
    public record Metrics(String name, double mae, double rmse, double smape, double mase, double coverage, int points) {
        static Metrics missing(String name) {
            return new Metrics(name, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, 0);
        }
    }

    /**
     * The result at one horizon.
     *
     * @param horizonSteps  horizon in steps
     * @param horizonLabel  e.g. {@code 5m} (or {@code 5 steps} when the step is unknown)
     * @param selectionMae  selection-backtest MAE per candidate (NaN: could not be evaluated)
     * @param chosen        held-out metrics of the chosen model
     * @param candidates    held-out metrics of every candidate, catalog order
     * @param baselines     held-out metrics of the baselines, catalog order
     * @param bestBaseline  the baseline with the lowest held-out MAE
     * @param maeRatio      chosen MAE / best baseline MAE
     */
    public record HorizonResult(int horizonSteps, String horizonLabel, Map<String, Double> selectionMae, Metrics chosen,
                                List<Metrics> candidates, List<Metrics> baselines, Metrics bestBaseline, double maeRatio) {
    }

    /** The whole evaluation; {@link #toJson()} and {@link #toTable()} render it. */
    public record Report(int length, long startEpochSecond, long stepSeconds, double nominalCoverage, int foldLength,
                         int selectionFolds, int holdoutFolds, List<HorizonResult> horizons, int events) {

        /** One JSON object with a {@code horizons} array (the shape {@code headroom forecast evaluate} prints). */
        public String toJson() {
            StringBuilder b = new StringBuilder("{");
            b.append("\"series_steps\":").append(length).append(",\"start_epoch_s\":").append(startEpochSecond)
                    .append(",\"step_seconds\":").append(stepSeconds).append(",\"nominal_coverage\":").append(num(nominalCoverage))
                    .append(",\"fold_steps\":").append(foldLength).append(",\"selection_folds\":").append(selectionFolds)
                    .append(",\"holdout_folds\":").append(holdoutFolds).append(",\"events\":").append(events)
                    .append(",\"horizons\":[");
            for (int i = 0; i < horizons.size(); i++) {
                HorizonResult r = horizons.get(i);
                b.append(i == 0 ? "" : ",").append("{\"horizon\":").append(str(r.horizonLabel())).append(",\"horizon_steps\":")
                        .append(r.horizonSteps()).append(",\"chosen\":").append(metrics(r.chosen(), "model"))
                        .append(",\"baselines\":[");
                for (int j = 0; j < r.baselines().size(); j++) {
                    b.append(j == 0 ? "" : ",").append(metrics(r.baselines().get(j), "name"));
                }
                b.append("],\"best_baseline\":{\"name\":").append(str(r.bestBaseline().name())).append(",\"mae\":")
                        .append(num(r.bestBaseline().mae())).append("},\"mae_ratio\":").append(num(r.maeRatio()))
                        .append(",\"selection_mae\":{");
                int k = 0;
                for (Map.Entry<String, Double> e : r.selectionMae().entrySet()) {
                    b.append(k++ == 0 ? "" : ",").append(str(e.getKey())).append(':').append(num(e.getValue()));
                }
                b.append("}}");
            }
            return b.append("]}").toString();
        }

        /** A fixed-width table: one row per horizon and candidate, the chosen one marked. */
        public String toTable() {
            StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%-8s %-16s %10s %10s %8s %7s %9s %9s%n", "horizon", "model",
                    "mae", "rmse", "smape%", "mase", "coverage", "mae_ratio"));
            for (HorizonResult r : horizons) {
                for (Metrics m : r.candidates()) {
                    boolean chosen = m.name().equals(r.chosen().name());
                    b.append(String.format(Locale.ROOT, "%-8s %-16s %10.2f %10.2f %8.2f %7.3f %9.3f %9s%n", r.horizonLabel(),
                            (chosen ? "*" : " ") + m.name() + (m.name().equals(r.bestBaseline().name()) ? " (b)" : ""), m.mae(),
                            m.rmse(), m.smape(), m.mase(), m.coverage(),
                            chosen ? String.format(Locale.ROOT, "%.3f", r.maeRatio()) : ""));
                }
            }
            return b.append("* chosen by the selection backtest; (b) best baseline on the held-out stretch\n").toString();
        }

        private static String metrics(Metrics m, String nameKey) {
            return "{\"" + nameKey + "\":" + str(m.name()) + ",\"mae\":" + num(m.mae()) + ",\"rmse\":" + num(m.rmse()) + ",\"smape\":"
                    + num(m.smape()) + ",\"mase\":" + num(m.mase()) + ",\"coverage\":" + num(m.coverage()) + ",\"points\":" + m.points()
                    + "}";
        }

        private static String num(double v) {
            return Double.isFinite(v) ? String.format(Locale.ROOT, "%.6g", v).replaceAll("(\\.\\d*?)0+(e|$)", "$1$2")
                    .replaceAll("\\.(e|$)", "$1") : "null";
        }

        private static String str(String s) {
            return JsonStrings.quote(s);
        }
    }

    private final Settings settings;

    public ForecastEvaluation(Settings settings) {
        this.settings = settings;
    }

    /** Evaluates with {@link Settings#forSeries} defaults. */
    public static Report evaluate(double[] y, long startEpochSecond, long stepSeconds, int... horizonSteps) {
        return new ForecastEvaluation(Settings.forSeries(y.length, stepSeconds)).run(y, startEpochSecond, stepSeconds, horizonSteps);
    }

    /**
     * Evaluates {@code y} (NaN = gap; index 0 starts at {@code startEpochSecond}, steps of {@code stepSeconds}, 0 if
     * unknown) at each horizon in steps.
     *
     * @throws IllegalArgumentException if the series is too short for the settings at some horizon
     */
    public Report run(double[] y, long startEpochSecond, long stepSeconds, int... horizonSteps) {
        TimeAxis axis = new TimeAxis(startEpochSecond, stepSeconds);
        List<HorizonResult> out = new ArrayList<>();
        for (int h : horizonSteps) {
            out.add(horizon(y, axis, h));
        }
        return new Report(y.length, startEpochSecond, stepSeconds, settings.catalog().coverage(), settings.foldLength(),
                settings.selectionFolds(), settings.holdoutFolds(), List.copyOf(out), settings.catalog().events().events().size());
    }

    private HorizonResult horizon(double[] y, TimeAxis axis, int h) {
        if (h <= 0) {
            throw new IllegalArgumentException("horizon: " + h + " steps (expected: > 0)");
        }
        int fold = settings.foldLength();
        int holdoutEnd = y.length - h + 1;
        int holdoutStart = holdoutEnd - settings.holdoutFolds() * fold;
        int needed = settings.selectionFolds() * fold + h + 1;
        if (holdoutStart < needed) {
            throw new IllegalArgumentException("series of " + y.length + " steps is too short at horizon " + h + ": the held-out stretch ("
                    + settings.holdoutFolds() + " x " + fold + " steps) needs at least " + needed + " steps before it (use shorter folds)");
        }
        double[] before = Arrays.copyOf(y, holdoutStart);
        Backtest selection = new Backtest(settings.selectionFolds(), fold);
        List<SeriesModel.Candidate> candidates = settings.catalog().candidates(h, axis);
        Map<String, Double> selectionMae = new LinkedHashMap<>();
        String chosen = LastValueForecaster.NAME;
        double chosenMae = Double.POSITIVE_INFINITY;
        for (SeriesModel.Candidate c : candidates) {
            double mae = selection.mae(c.factory(), before, h, axis);
            selectionMae.put(c.name(), mae);
            if (!Double.isNaN(mae) && mae < chosenMae) {
                chosenMae = mae;
                chosen = c.name();
            }
        }
        double naiveScale = oneStepNaiveMae(before);
        List<Metrics> all = new ArrayList<>();
        List<Metrics> baselines = new ArrayList<>();
        Metrics chosenMetrics = null;
        for (SeriesModel.Candidate c : candidates) {
            boolean baseline = c.factory().get().baseline();
            Metrics m = holdout(c, y, axis, h, holdoutStart, naiveScale);
            all.add(m);
            if (baseline) {
                baselines.add(m);
            }
            if (c.name().equals(chosen)) {
                chosenMetrics = m;
            }
        }
        Metrics best = baselines.stream().filter(m -> !Double.isNaN(m.mae()))
                .min((a, b) -> Double.compare(a.mae(), b.mae())).orElse(Metrics.missing("none"));
        double ratio = chosenMetrics.mae() / best.mae();
        return new HorizonResult(h, label(h, axis.stepSeconds()), selectionMae, chosenMetrics, List.copyOf(all), List.copyOf(baselines),
                best, ratio);
    }

    private Metrics holdout(SeriesModel.Candidate c, double[] y, TimeAxis axis, int h, int holdoutStart, double naiveScale) {
        double abs = 0;
        double sq = 0;
        double smape = 0;
        int n = 0;
        int covered = 0;
        for (int f = 0; f < settings.holdoutFolds(); f++) {
            int from = holdoutStart + f * settings.foldLength();
            int to = from + settings.foldLength();
            Forecaster fc = c.factory().get();
            fc.timeAxis(axis);
            try {
                fc.fit(Arrays.copyOf(y, from));
            } catch (IllegalStateException notEnoughHistory) {
                return Metrics.missing(c.name());
            }
            Forecast[] p = fc.intervalForecasts(y, from, to, h);
            for (int o = from; o < to; o++) {
                double actual = y[o - 1 + h];
                Forecast fcst = p[o - from];
                if (Double.isNaN(actual) || fcst == null) {
                    continue;
                }
                double e = fcst.mean() - actual;
                abs += Math.abs(e);
                sq += e * e;
                double denom = Math.abs(fcst.mean()) + Math.abs(actual);
                smape += denom == 0 ? 0 : 2 * Math.abs(e) / denom;
                covered += actual >= fcst.lower() && actual <= fcst.upper() ? 1 : 0;
                n++;
            }
        }
        if (n == 0) {
            return Metrics.missing(c.name());
        }
        double mae = abs / n;
        return new Metrics(c.name(), mae, Math.sqrt(sq / n), 100 * smape / n, mae / naiveScale, (double) covered / n, n);
    }

    /** In-sample MAE of the one-step naive forecast over consecutive observed pairs (the MASE scale). */
    static double oneStepNaiveMae(double[] y) {
        double sum = 0;
        int n = 0;
        for (int i = 1; i < y.length; i++) {
            if (!Double.isNaN(y[i]) && !Double.isNaN(y[i - 1])) {
                sum += Math.abs(y[i] - y[i - 1]);
                n++;
            }
        }
        return n == 0 || sum == 0 ? Double.NaN : sum / n;
    }

    static String label(int steps, long stepSeconds) {
        if (stepSeconds <= 0) {
            return steps + " steps";
        }
        long s = steps * stepSeconds;
        return s % 3600 == 0 ? s / 3600 + "h" : s % 60 == 0 ? s / 60 + "m" : s + "s";
    }
}
