package io.headroom.predictor.forecast;

import org.tribuo.Example;
import org.tribuo.regression.Regressor;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One series' view of a {@link GlobalLagModel}: nothing is trained per series. {@link #fit} takes the current global
 * model, the series' own scale, and calibrates the series' own split-conformal interval on the last
 * {@code calibrationWindow} origins of its history (origins whose targets the global model held out when the owner
 * trains it with a matching holdout). Cheap enough to backtest and fit for 10,000 series in a cycle.
 */
public final class SharedLagForecaster implements Forecaster {
    private final Supplier<GlobalLagModel> source;
    private final String name;
    private final double coverage;
    private final int calibrationWindow;
    private GlobalLagModel model;
    private TimeAxis axis = TimeAxis.NONE;
    private double scale = 1;
    private double q = Double.NaN;
    private double[] history = new double[0];

    /**
     * @param name              model name (the global model's, e.g. {@code global-linear-sgd})
     * @param source            the current global model (null before the first training: {@link #fit} then refuses)
     * @param coverage          interval coverage, e.g. 0.9
     * @param calibrationWindow most recent origins whose residuals set the interval
     */
    public SharedLagForecaster(String name, Supplier<GlobalLagModel> source, double coverage, int calibrationWindow) {
        if (!(coverage > 0 && coverage < 1) || calibrationWindow <= 0) {
            throw new IllegalArgumentException("coverage " + coverage + ", calibrationWindow " + calibrationWindow
                    + " (expected: 0 < coverage < 1, calibrationWindow > 0)");
        }
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.coverage = coverage;
        this.calibrationWindow = calibrationWindow;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void timeAxis(TimeAxis axis) {
        this.axis = Objects.requireNonNull(axis, "axis");
    }

    @Override
    public void fit(double[] y) {
        GlobalLagModel m = source.get();
        if (m == null) {
            throw new IllegalStateException(name + ": no global model trained yet");
        }
        this.model = m;
        this.scale = TribuoLagForecaster.scaleOf(y);
        this.history = y;
        int h = m.horizon();
        int to = y.length - h + 1;
        int from = Math.max(1, to - calibrationWindow);
        double[] p = pointForecasts(y, from, to, h);
        double[] res = new double[p.length];
        for (int o = from; o < to; o++) {
            res[o - from] = Math.abs(p[o - from] - y[o - 1 + h]);
        }
        this.q = SeriesMath.conformalQuantile(res, coverage);
    }

    @Override
    public void observe(double[] y) {
        this.history = y;
    }

    @Override
    public Forecast forecast(int horizonSteps) {
        double p = pointForecasts(history, history.length, history.length + 1, horizonSteps)[0];
        if (Double.isNaN(p)) {
            return new Forecast(0, 0, 0);
        }
        return Forecast.around(p, Double.isNaN(q) ? p * BaselineForecaster.UNCALIBRATED_FRACTION : q);
    }

    /**
     * The forecasts of many series at once, each as {@link #forecast} would give it, with one
     * {@link GlobalLagModel#predict} call per global model (normally one) for all their rows: a round of 10,000 series
     * is one batch (one DMatrix for an XGBoost model) instead of 10,000 single-row calls.
     */
    static Forecast[] forecastBatch(List<SharedLagForecaster> many, int horizonSteps) {
        Forecast[] out = new Forecast[many.size()];
        java.util.Map<GlobalLagModel, List<Integer>> byModel = new java.util.IdentityHashMap<>();
        List<Example<Regressor>> rows = new ArrayList<>(many.size());
        double[] base = new double[many.size()];
        double[][] filledOf = new double[many.size()][];
        for (int i = 0; i < many.size(); i++) {
            SharedLagForecaster f = many.get(i);
            f.requireFitted(horizonSteps);
            double[] filled = SeriesMath.carryForward(f.history);
            int t = filled.length - 1;
            if (t < 0 || Double.isNaN(filled[t])) {
                out[i] = new Forecast(0, 0, 0);
            } else if (!f.model.schema().complete(filled, t, horizonSteps)) {
                out[i] = f.around(filled[t]);
            } else {
                base[i] = filled[t];
                filledOf[i] = filled;
                byModel.computeIfAbsent(f.model, k -> new ArrayList<>()).add(i);
            }
        }
        for (java.util.Map.Entry<GlobalLagModel, List<Integer>> e : byModel.entrySet()) {
            rows.clear();
            for (int i : e.getValue()) {
                SharedLagForecaster f = many.get(i);
                rows.add(e.getKey().example(filledOf[i], filledOf[i].length - 1, f.scale, f.axis));
            }
            double[] delta = e.getKey().predict(rows);
            for (int k = 0; k < delta.length; k++) {
                int i = e.getValue().get(k);
                out[i] = many.get(i).around(Math.max(0, base[i] + many.get(i).scale * delta[k]));
            }
        }
        return out;
    }

    private Forecast around(double p) {
        return Forecast.around(p, Double.isNaN(q) ? p * BaselineForecaster.UNCALIBRATED_FRACTION : q);
    }

    /** Batched: one {@link GlobalLagModel#predict} call for all origins. */
    @Override
    public double[] pointForecasts(double[] y, int from, int to, int horizonSteps) {
        requireFitted(horizonSteps);
        double[] filled = SeriesMath.carryForward(y);
        double[] out = new double[Math.max(0, to - from)];
        List<Example<Regressor>> batch = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        LagFeatureSchema schema = model.schema();
        for (int o = from; o < to; o++) {
            int t = o - 1;
            if (t < 0 || Double.isNaN(filled[t])) {
                out[o - from] = Double.NaN;
            } else if (!schema.complete(filled, t, horizonSteps)) {
                out[o - from] = filled[t];
            } else {
                batch.add(model.example(filled, t, scale, axis));
                at.add(o - from);
            }
        }
        double[] delta = model.predict(batch);
        for (int i = 0; i < delta.length; i++) {
            int k = at.get(i);
            out[k] = Math.max(0, filled[from + k - 1] + scale * delta[i]);
        }
        return out;
    }

    @Override
    public Forecast[] intervalForecasts(double[] y, int from, int to, int horizonSteps) {
        double[] p = pointForecasts(y, from, to, horizonSteps);
        Forecast[] out = new Forecast[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Double.isNaN(p[i]) ? null : Forecast.around(p[i], Double.isNaN(q) ? p[i] * BaselineForecaster.UNCALIBRATED_FRACTION : q);
        }
        return out;
    }

    private void requireFitted(int h) {
        if (model == null) {
            throw new IllegalStateException(name + " is not fitted: call fit first");
        }
        if (h != model.horizon()) {
            throw new IllegalArgumentException(name + " was trained for horizon " + model.horizon() + " steps, asked for " + h);
        }
    }

    /** The interval half-width (NaN before fit). */
    public double conformalHalfWidth() {
        return q;
    }

    @Override
    public String describe() {
        return model == null ? name + " (not fitted)" : model.describe() + String.format(java.util.Locale.ROOT,
                ", series scale %.3g, conformal q%d=%.3f", scale, Math.round(coverage * 100), q);
    }

    @Override
    public String provenance() {
        return model == null ? name + " (not fitted)" : model.model().getProvenance().toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
