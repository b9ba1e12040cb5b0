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
        Map<String, Double> scores = new LinkedHashMap<>();
        Candidate best = null;
        double bestMae = Double.POSITIVE_INFINITY;
        for (Candidate c : candidates) {
            double mae = backtest.mae(c.factory(), history, horizon);
            scores.put(c.name(), mae);
            if (!Double.isNaN(mae) && mae < bestMae) {
                bestMae = mae;
                best = c;
            }
        }
        Forecaster winner = null;
        if (best != null) {
            winner = best.factory().get();
            try {
                winner.fit(history);
            } catch (IllegalStateException e) {
                winner = null;
            }
        }
        if (winner == null) {
            winner = fallback.get();
            winner.fit(history);
        }
        Selection s = new Selection(winner.name(), scores, winner.describe(), winner.provenance(), nowMillis, history.length);
        active.set(new Active(winner, s));
        return s;
    }

    /** Forecast at the model's horizon, conditioned on {@code recent} (NaN = gap). Call from one thread. */
    public Forecast forecast(double[] recent) {
        Forecaster f = active.get().forecaster();
        f.observe(recent);
        return f.forecast(horizon);
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
