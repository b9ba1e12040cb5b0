package io.headroom.predictor.forecast;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The models of many series at one horizon, built to scale to 10,000 series (issue 5, item 8): one
 * {@link GlobalLagModel} trained per cycle on rows pooled from all series, and per series a {@link SeriesModel}
 * whose candidates are the baselines, that shared model and (for small fleets) per-series Tribuo models. Each
 * series still gets its model by backtest on its own history.
 *
 * <p>The global model never trains on the last {@code backtest.evaluatedSteps() + horizon} steps of any window, so
 * the per-series backtest of the shared candidate and its conformal calibration score targets it has not seen.
 * {@link #retrain} runs on the trainer's thread (optionally spread over an executor); the swap to new models is
 * atomic per series, as in {@link SeriesModel}. {@link #model} is safe from any thread.
 */
public final class SeriesFleet {
    /** Rows the global model trains on at most, whatever the number of series. */
    public static final int GLOBAL_MAX_ROWS = 50_000;

    /** The outcome of one {@link #retrain}: a selection per series that retrained, the error per series that failed. */
    public record Result(Map<String, SeriesModel.Selection> selections, Map<String, RuntimeException> failures, String global) {
    }

    private final ModelCatalog catalog;
    private final int horizon;
    private final Backtest backtest;
    private final TimeAxis stepAxis;
    private final boolean perSeriesLearned;
    private final AtomicReference<GlobalLagModel> global = new AtomicReference<>();
    private final Map<String, SeriesModel> models = new ConcurrentHashMap<>();

    /**
     * @param stepAxis         the series' step (its start does not matter here)
     * @param perSeriesLearned whether each series also trains its own Tribuo models (keep false for large fleets)
     */
    public SeriesFleet(ModelCatalog catalog, int horizon, Backtest backtest, TimeAxis stepAxis, boolean perSeriesLearned) {
        this.catalog = catalog;
        this.horizon = horizon;
        this.backtest = backtest;
        this.stepAxis = stepAxis;
        this.perSeriesLearned = perSeriesLearned;
    }

    /** The model of {@code series}, created (forecasting with the fallback baseline) on first use. */
    public SeriesModel model(String series) {
        return models.computeIfAbsent(series, s -> new SeriesModel(s, forSeries(s).candidates(horizon, stepAxis, perSeriesLearned,
                global::get, backtest.evaluatedSteps()), catalog::lastValue, horizon, backtest));
    }

    /** The catalog of one series: its per-series models read the scheduled events that apply to it. */
    private ModelCatalog forSeries(String s) {
        return catalog.events().isEmpty() ? catalog : catalog.withEvents(catalog.events().forSeries(s));
    }

    /**
     * One forecast round: every series in {@code recent} forecast at the fleet's horizon, as {@link SeriesModel#forecast}
     * would (level shifts are noted the same way), but the series whose active model is the shared one are scored in one
     * batch. Call from the forecasting thread.
     */
    public Map<String, Forecast> forecastAll(Map<String, double[]> recent, TimeAxis axis) {
        Map<String, Forecast> out = new LinkedHashMap<>();
        List<String> sharedNames = new ArrayList<>();
        List<SharedLagForecaster> shared = new ArrayList<>();
        for (Map.Entry<String, double[]> e : recent.entrySet()) {
            Forecaster f = model(e.getKey()).prepare(e.getValue(), axis);
            if (f instanceof SharedLagForecaster s) {
                sharedNames.add(e.getKey());
                shared.add(s);
                out.put(e.getKey(), null); // keeps the caller's order
            } else {
                out.put(e.getKey(), f.forecast(horizon));
            }
        }
        Forecast[] batch = SharedLagForecaster.forecastBatch(shared, horizon);
        for (int i = 0; i < batch.length; i++) {
            out.put(sharedNames.get(i), batch[i]);
        }
        return out;
    }

    public Set<String> series() {
        return Collections.unmodifiableSet(models.keySet());
    }

    /** The current global model, null before the first successful training. */
    public GlobalLagModel global() {
        return global.get();
    }

    /**
     * Trains the global model on all {@code windows} (same {@code axis}), then re-selects and refits each series'
     * model. A series that fails keeps its previous model. With {@code executor} the per-series work is split over it
     * (one task per thread's share); with null it runs on the calling thread.
     *
     * @param threads how many tasks to split the series into when {@code executor} is given
     */
    public Result retrain(Map<String, double[]> windows, TimeAxis axis, long nowMillis, ExecutorService executor, int threads) {
        return retrain(windows, axis, Map.of(), nowMillis, executor, threads);
    }

    /**
     * As {@link #retrain(Map, TimeAxis, long, ExecutorService, int)}, each series with its own {@link CoarsePast} before
     * index 0 ({@code pasts}; a series missing there has none): the seasonal lags read it where they reach before the
     * window, e.g. a weekly lag on a day of minutes from the hour ring's week. Every past must end at or before
     * {@code axis.startEpochSecond()} ({@link TimeAxis#withPast}).
     */
    public Result retrain(Map<String, double[]> windows, TimeAxis axis, Map<String, CoarsePast> pasts, long nowMillis,
                          ExecutorService executor, int threads) {
        Map<String, TimeAxis> axes = new LinkedHashMap<>();
        windows.keySet().forEach(s -> axes.put(s, axis.withPast(pasts.getOrDefault(s, axis.past()))));
        String globalNote;
        try {
            // The shared model reads the events every series shares (those naming no series).
            GlobalLagModel g = GlobalLagModel.train(RegressorSpec.linearSgd(), catalog.withEvents(catalog.events().shared()).schema(axis), horizon,
                    List.copyOf(windows.values()), List.copyOf(axes.values()), backtest.evaluatedSteps() + horizon, GLOBAL_MAX_ROWS,
                    catalog.minRows());
            global.set(g);
            globalNote = g.describe();
        } catch (IllegalStateException notEnoughRows) {
            globalNote = "global model not trained: " + notEnoughRows.getMessage();
        }
        List<Map.Entry<String, double[]>> work = new ArrayList<>(windows.entrySet());
        Map<String, SeriesModel.Selection> selections = new ConcurrentHashMap<>();
        Map<String, RuntimeException> failures = new ConcurrentHashMap<>();
        Runnable[] shares = new Runnable[executor == null ? 1 : Math.max(1, Math.min(threads, work.size()))];
        for (int k = 0; k < shares.length; k++) {
            int from = (int) ((long) k * work.size() / shares.length);
            int to = (int) ((long) (k + 1) * work.size() / shares.length);
            shares[k] = () -> {
                for (Map.Entry<String, double[]> e : work.subList(from, to)) {
                    try {
                        selections.put(e.getKey(), model(e.getKey()).retrain(e.getValue(), axes.get(e.getKey()), nowMillis));
                    } catch (RuntimeException ex) {
                        failures.put(e.getKey(), ex);
                    }
                }
            };
        }
        if (executor == null) {
            shares[0].run();
        } else {
            List<Future<?>> running = new ArrayList<>();
            for (Runnable r : shares) {
                running.add(executor.submit(r));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted while retraining", e);
                } catch (ExecutionException e) {
                    throw new IllegalStateException("retraining failed", e.getCause());
                }
            }
        }
        return new Result(new LinkedHashMap<>(selections), new LinkedHashMap<>(failures), globalNote);
    }
}
