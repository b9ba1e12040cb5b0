package io.headroom.predictor.forecast;

import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.Tribuo;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;

/**
 * One Tribuo regressor on {@link LagFeatureSchema} features trained on rows pooled from many series: the learned
 * model of a large fleet, where a model per series would cost too much to train (issue 5, item 8).
 *
 * <p>The features are already scale-free (relative to the level, over the series' own scale), so one model serves a
 * route at 10 req/s and one at 10k. Each series contributes at most {@code max(1, maxRows / series)}
 * rows, spread evenly over its usable origins, so the training set stays bounded however many series there are.
 * Rows whose target lies in the last {@code holdout} steps of a history are never trained on: a per-series backtest
 * or conformal calibration over those steps then sees genuinely unseen targets. Immutable once trained; scoring is
 * thread-safe and batched.
 */
public final class GlobalLagModel {
    private static final String TARGET = "delta";

    private final RegressorSpec spec;
    private final LagFeatureSchema schema;
    private final int horizon;
    private final Model<Regressor> model;
    private final int rows;
    private final int series;
    private final String describe;

    private GlobalLagModel(RegressorSpec spec, LagFeatureSchema schema, int horizon, Model<Regressor> model, int rows, int series) {
        this.spec = spec;
        this.schema = schema;
        this.horizon = horizon;
        this.model = model;
        this.rows = rows;
        this.series = series;
        this.describe = name() + " (Tribuo " + Tribuo.VERSION + ", " + model.getProvenance().getTrainerProvenance().getClassName()
                .replaceAll(".*\\.", "") + ", " + rows + " rows from " + series + " series, horizon " + horizon + ", " + schema.size()
                + " features" + schema.seasonalNote() + ")";
    }

    /**
     * Trains on rows pooled from {@code histories} (all on {@code axis}; NaN = gap).
     *
     * @param holdout  the last steps of each history whose targets are not trained on (0: train on everything)
     * @param maxRows  bound on the pooled training rows
     * @param minRows  fewer usable rows in all and training is refused ({@link IllegalStateException})
     */
    public static GlobalLagModel train(RegressorSpec spec, LagFeatureSchema schema, int horizon, Collection<double[]> histories,
                                       TimeAxis axis, int holdout, int maxRows, int minRows) {
        Objects.requireNonNull(axis, "axis");
        return train(spec, schema, horizon, List.copyOf(histories), java.util.Collections.nCopies(histories.size(), axis), holdout,
                maxRows, minRows);
    }

    /**
     * As {@link #train(RegressorSpec, LagFeatureSchema, int, Collection, TimeAxis, int, int, int)}, with an axis per
     * history ({@code axes.get(i)} for {@code histories.get(i)}: the same steps, each with its own {@link CoarsePast}).
     * A seasonal lag is kept when the history with the longest past supports it; the others read it as "no information".
     */
    public static GlobalLagModel train(RegressorSpec spec, LagFeatureSchema schema, int horizon, List<double[]> histories,
                                       List<TimeAxis> axes, int holdout, int maxRows, int minRows) {
        if (axes.size() != histories.size()) {
            throw new IllegalArgumentException(axes.size() + " axes for " + histories.size() + " histories (expected: one each)");
        }
        if (horizon <= 0 || holdout < 0 || maxRows < minRows || minRows < 10) {
            throw new IllegalArgumentException("horizon " + horizon + ", holdout " + holdout + ", rows " + minRows + ".." + maxRows
                    + " (expected: horizon > 0, holdout >= 0, 10 <= minRows <= maxRows)");
        }
        int shortest = histories.stream().mapToInt(h -> h.length).min().orElse(0);
        TimeAxis longestPast = axes.stream().max(java.util.Comparator.comparingInt(TimeAxis::pastSteps)).orElse(TimeAxis.NONE);
        LagFeatureSchema fitted = schema.fitting(Math.max(0, shortest - holdout), horizon, minRows, longestPast);
        int perSeries = Math.max(1, maxRows / Math.max(1, histories.size()));
        RegressionFactory factory = new RegressionFactory();
        List<Example<Regressor>> rows = new ArrayList<>();
        int contributing = 0;
        String[] names = fitted.namesShared();
        for (int i = 0; i < histories.size(); i++) {
            double[] y = histories.get(i);
            TimeAxis axis = Objects.requireNonNull(axes.get(i), "axis");
            double sc = TribuoLagForecaster.scaleOf(y);
            int span = fitted.span(horizon);
            List<Integer> usable = new ArrayList<>();
            for (int t = span - 1; t + horizon < y.length - holdout; t++) {
                if (!Double.isNaN(y[t + horizon]) && fitted.complete(y, t, horizon)) {
                    usable.add(t);
                }
            }
            if (usable.isEmpty()) {
                continue;
            }
            contributing++;
            int take = Math.min(perSeries, usable.size());
            // Evenly spaced, newest included: deterministic, no sampling noise between retrains.
            for (int k = 0; k < take; k++) {
                int t = usable.get(usable.size() - 1 - (int) ((long) k * usable.size() / take));
                double[] f = new double[fitted.size()];
                fitted.compute(y, t, horizon, sc, axis, f);
                rows.add(new ArrayExample<>(new Regressor(TARGET, (y[t + horizon] - y[t]) / sc), names, f));
            }
            if (rows.size() >= maxRows) {
                break;
            }
        }
        if (rows.size() < minRows) {
            throw new IllegalStateException("global " + spec.name() + " needs " + minRows + " gap-free rows at horizon " + horizon
                    + ", " + histories.size() + " series give " + rows.size());
        }
        MutableDataset<Regressor> ds = new MutableDataset<>(new SimpleDataSourceProvenance("headroom lag features pooled from "
                + contributing + " series, horizon " + horizon + ", holdout " + holdout, OffsetDateTime.now(), factory), factory);
        ds.addAll(rows);
        return new GlobalLagModel(spec, fitted, horizon, spec.trainer().get().train(ds), rows.size(), contributing);
    }

    /** e.g. {@code global-linear-sgd}. */
    public String name() {
        return "global-" + spec.name();
    }

    public int horizon() {
        return horizon;
    }

    /** The features it reads. */
    public LagFeatureSchema schema() {
        return schema;
    }

    public int trainedRows() {
        return rows;
    }

    public int trainedSeries() {
        return series;
    }

    /** Tribuo's model, with its provenance. */
    public Model<Regressor> model() {
        return model;
    }

    public String describe() {
        return describe;
    }

    /** The features at origin {@code t} of {@code filled} (gap-free over the span), for {@link #predict}. */
    Example<Regressor> example(double[] filled, int t, double scale, TimeAxis axis) {
        double[] f = new double[schema.size()];
        schema.compute(filled, t, horizon, scale, axis, f);
        return new ArrayExample<>(new Regressor(TARGET, 0), schema.namesShared(), f);
    }

    /** Predicted change over the horizon, over scale, for each example: one batch (XGBoost costs 100x per single row). */
    double[] predict(List<Example<Regressor>> batch) {
        if (batch.isEmpty()) {
            return new double[0];
        }
        List<Prediction<Regressor>> p = model.predict(batch);
        double[] out = new double[p.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = p.get(i).getOutput().getValues()[0];
        }
        return out;
    }
}
