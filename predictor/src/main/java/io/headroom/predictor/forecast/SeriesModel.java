package io.headroom.predictor.forecast;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The model of one series: candidates compete in a {@link Backtest} on the series' own recent history, the one
 * with the lowest MAE is fit on the whole history and swapped in atomically. Until the first selection (a new
 * series) it forecasts with the fallback baseline.
 *
 * <p>{@link #retrain} may run on a background thread while {@link #forecast} runs on the tick thread: retraining
 * only touches fresh forecaster instances and publishes the winner through an {@link AtomicReference}; after
 * that only the forecasting thread uses it.
 */
public final class SeriesModel {
    /** A competitor: its name and how to build a fresh, untrained instance. Baselines first: ties go to the earlier. */
    public record Candidate(String name, Supplier<Forecaster> factory) {
        public Candidate {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(factory, "factory");
        }
    }

    /**
     * The outcome of one selection.
     *
     * @param model           name of the selected model
     * @param backtestMae     MAE per candidate (NaN: could not be evaluated, e.g. not enough history)
     * @param description     one line on the selected model (trainer, rows, interval)
     * @param provenance      the selected model's full provenance (Tribuo's, for Tribuo models)
     * @param trainedAtMillis when it was selected
     * @param historySteps    length of the history it was selected and fit on
     */
    public record Selection(String model, Map<String, Double> backtestMae, String description, String provenance,
                            long trainedAtMillis, int historySteps) {
        public Selection {
            backtestMae = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(backtestMae));
        }

        /** e.g. {@code linear-sgd (backtest MAE 3.10; last-value 5.20, seasonal-naive n/a)}. */
        public String summary() {
            StringBuilder b = new StringBuilder(model);
            Double own = backtestMae.get(model);
            b.append(" (backtest MAE ").append(fmt(own));
            List<String> others = new ArrayList<>();
            backtestMae.forEach((k, v) -> {
                if (!k.equals(model)) {
                    others.add(k + " " + fmt(v));
                }
            });
            if (!others.isEmpty()) {
                b.append("; ").append(String.join(", ", others));
            }
            return b.append(')').toString();
        }

        private static String fmt(Double v) {
            return v == null || v.isNaN() ? "n/a" : String.format(java.util.Locale.ROOT, "%.2f", v);
        }
    }

    private record Active(Forecaster forecaster, Selection selection) {
    }

    private final String series;
    private final List<Candidate> candidates;
    private final Supplier<Forecaster> fallback;
    private final int horizon;
    private final Backtest backtest;
    private final AtomicReference<Active> active;
    private volatile LevelShiftDetector levelShift = LevelShiftDetector.DEFAULT;
    private volatile double[] reference;
    private volatile boolean shiftDetected;

    /**
     * @param series     series name, for messages
     * @param candidates competitors, baselines first
     * @param fallback   used before the first selection and when nothing can be evaluated
     * @param horizon    forecast horizon in steps
     * @param backtest   how candidates are compared
     */
    public SeriesModel(String series, List<Candidate> candidates, Supplier<Forecaster> fallback, int horizon, Backtest backtest) {
        if (candidates.isEmpty() || horizon <= 0) {
            throw new IllegalArgumentException("series " + series + ": candidates " + candidates.size() + ", horizon " + horizon
                    + " (expected: at least one candidate, horizon > 0)");
        }
        this.series = series;
        this.candidates = List.copyOf(candidates);
        this.fallback = fallback;
        this.horizon = horizon;
        this.backtest = backtest;
        Forecaster f = fallback.get();
        this.active = new AtomicReference<>(new Active(f, new Selection(f.name(), Map.of(), "no history yet", f.provenance(), 0, 0)));
    }

    /** Backtests every candidate on {@code history}, fits the winner on all of it and swaps it in. Synchronous. */
    public Selection retrain(double[] history, long nowMillis) {
        return retrain(history, TimeAxis.NONE, nowMillis);
    }

    /** As {@link #retrain(double[], long)}, with index 0 of {@code history} at {@code axis} (calendar features). */
    public Selection retrain(double[] history, TimeAxis axis, long nowMillis) {
        Map<String, Double> scores = new LinkedHashMap<>();
        Candidate best = null;
        double bestMae = Double.POSITIVE_INFINITY;
        for (Candidate c : candidates) {
            double mae = backtest.mae(c.factory(), history, horizon, axis);
            scores.put(c.name(), mae);
            if (!Double.isNaN(mae) && mae < bestMae) {
                bestMae = mae;
                best = c;
            }
        }
        Forecaster winner = null;
        if (best != null) {
            winner = best.factory().get();
            winner.timeAxis(axis);
            try {
                winner.fit(history);
            } catch (IllegalStateException e) {
                winner = null;
            }
        }
        if (winner == null) {
            winner = fallback.get();
            winner.timeAxis(axis);
            winner.fit(history);
        }
        Selection s = new Selection(winner.name(), scores, winner.describe(), winner.provenance(), nowMillis, history.length);
        active.set(new Active(winner, s));
        reference = levelShift.reference(history);
        shiftDetected = false;
        return s;
    }

    /** Forecast at the model's horizon, conditioned on {@code recent} (NaN = gap). Call from one thread. */
    public Forecast forecast(double[] recent) {
        return forecast(recent, TimeAxis.NONE);
    }

    /** As {@link #forecast(double[])}, with index 0 of {@code recent} at {@code axis}. Call from one thread. */
    public Forecast forecast(double[] recent, TimeAxis axis) {
        return prepare(recent, axis).forecast(horizon);
    }

    /** The active forecaster, conditioned on {@code recent} (level shift checked), ready to forecast: {@link SeriesFleet#forecastAll}. */
    Forecaster prepare(double[] recent, TimeAxis axis) {
        Forecaster f = active.get().forecaster();
        if (!shiftDetected && levelShift.shifted(reference, recent)) {
            shiftDetected = true;
        }
        f.timeAxis(axis);
        f.observe(recent);
        return f;
    }

    /**
     * True once a forecast saw the series' level shift away from the end of the history the model was fit on
     * ({@link LevelShiftDetector}); the owner should refit now rather than wait for its schedule. Cleared by
     * {@link #retrain}.
     */
    public boolean levelShiftDetected() {
        return shiftDetected;
    }

    /** Replaces the level-shift detector (the default: {@link LevelShiftDetector#DEFAULT}). */
    public SeriesModel levelShiftDetector(LevelShiftDetector detector) {
        this.levelShift = java.util.Objects.requireNonNull(detector, "detector");
        return this;
    }

    public Selection selection() {
        return active.get().selection();
    }

    public int horizon() {
        return horizon;
    }

    public String series() {
        return series;
    }
}
