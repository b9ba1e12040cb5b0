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
import java.util.List;

/**
 * A Tribuo regressor on lag features ({@link LagFeatureSchema}) with a direct target at one horizon.
 *
 * <p>{@link #fit} skips every row whose features or target touch a gap, keeps the most recent
 * {@code maxRows} rows, trains on all but the last {@code calibrationFraction} of them, takes the
 * split-conformal quantile of the absolute errors on that holdout (the interval half-width), then retrains on
 * all rows. The final model therefore saw the holdout: the interval is calibrated on a slightly weaker model,
 * which errs on the wide side for a stationary series.
 */
public final class TribuoLagForecaster implements Forecaster {
    private static final String TARGET = "delta";

    private final RegressorSpec spec;
    private final LagFeatureSchema baseSchema;
    private LagFeatureSchema schema;
    private TimeAxis axis = TimeAxis.NONE;
    private final int horizon;
    private final double coverage;
    private final int maxRows;
    private final int minRows;
    private final double calibrationFraction;
    private final ConformalWindow conformal;
    private int fitLength = -1;
    private boolean relative;

    private Model<Regressor> model;
    private double scale = 1;
    private double q = Double.NaN;
    private int trainedRows;
    private String shortProvenance = "untrained";
    private double[] history = new double[0];

    /**
     * @param spec     which regressor
     * @param schema   which features
     * @param horizon  the only horizon (steps) this model forecasts
     * @param coverage interval coverage, e.g. 0.9
     * @param maxRows  most recent rows kept for training
     * @param minRows  fewer usable rows than this and {@link #fit} refuses
     */
    public TribuoLagForecaster(RegressorSpec spec, LagFeatureSchema schema, int horizon, double coverage, int maxRows, int minRows) {
        if (horizon <= 0 || !(coverage > 0 && coverage < 1) || minRows < 10 || maxRows < minRows) {
            throw new IllegalArgumentException("horizon " + horizon + ", coverage " + coverage + ", rows " + minRows + ".." + maxRows
                    + " (expected: horizon > 0, 0 < coverage < 1, 10 <= minRows <= maxRows)");
        }
        this.spec = spec;
        this.baseSchema = schema;
        this.schema = schema;
        this.horizon = horizon;
        this.coverage = coverage;
        this.maxRows = maxRows;
        this.minRows = minRows;
        this.calibrationFraction = 0.25;
        this.conformal = new ConformalWindow(coverage, CONFORMAL_WINDOW);
    }

    /** Honest residuals (the most recent) the interval is taken over. */
    static final int CONFORMAL_WINDOW = 300;

    @Override
    public String name() {
        return relative ? spec.name() + "-rel" : spec.name();
    }

    public int horizon() {
        return horizon;
    }

    @Override
    public void timeAxis(TimeAxis axis) {
        this.axis = java.util.Objects.requireNonNull(axis, "axis");
    }

    /** The features the trained model reads (the configured schema less what the history could not support). */
    public LagFeatureSchema schema() {
        return schema;
    }

    /** Training rows a history yields: origins whose features and target are all observed. */
    public int usableRows(double[] y) {
        return trainingOrigins(y).length;
    }

    private int[] trainingOrigins(double[] y) {
        int span = schema.span(horizon);
        List<Integer> rows = new ArrayList<>();
        for (int t = span - 1; t + horizon < y.length; t++) {
            if (!Double.isNaN(y[t + horizon]) && schema.complete(y, t, horizon)) {
                rows.add(t);
            }
        }
        int from = Math.max(0, rows.size() - maxRows);
        return rows.subList(from, rows.size()).stream().mapToInt(Integer::intValue).toArray();
    }

    @Override
    public void fit(double[] y) {
        this.schema = baseSchema.fitting(y.length, horizon, minRows, axis);
        int[] origins = trainingOrigins(y);
        if (origins.length < minRows) {
            throw new IllegalStateException(name() + " needs " + minRows + " gap-free rows at horizon " + horizon + ", history gives "
                    + origins.length);
        }
        double sc = scaleOf(y);
        List<Example<Regressor>> rows = new ArrayList<>(origins.length);
        for (int t : origins) {
            double rs = rowScale(y, t, sc);
            rows.add(example(y, t, rs, (y[t + horizon] - y[t]) / rs));
        }
        int cut = (int) Math.round(rows.size() * (1 - calibrationFraction));
        Model<Regressor> calib = train(rows.subList(0, cut), y.length);
        List<Prediction<Regressor>> preds = calib.predict(rows.subList(cut, rows.size()));
        double[] res = new double[preds.size()];
        for (int i = 0; i < res.length; i++) {
            int t = origins[cut + i];
            double predicted = Math.max(0, y[t] + rowScale(y, t, sc) * preds.get(i).getOutput().getValues()[0]);
            res[i] = Math.abs(predicted - y[t + horizon]);
        }
        conformal.seed(res);
        this.q = conformal.q();
        this.model = train(rows, y.length);
        this.fitLength = y.length;
        this.scale = sc;
        this.trainedRows = rows.size();
        this.history = y;
        this.shortProvenance = name() + " (Tribuo " + Tribuo.VERSION + ", " + model.getProvenance().getTrainerProvenance()
                .getClassName().replaceAll(".*\\.", "") + ", " + rows.size() + " rows, horizon " + horizon + ", " + schema.size()
                + " features" + schema.seasonalNote() + ", conformal q" + Math.round(coverage * 100) + "=" + String.format("%.3f", q) + ")";
    }

    /**
     * Relative mode: each row's features and target are divided by the local level (the mean of the last
     * {@value #LOCAL_STEPS} steps, at least 1% of the history's scale) instead of the history's scale, so the model
     * learns relative changes, which carry over between a busy and a quiet period.
     */
    public TribuoLagForecaster relative(boolean on) {
        this.relative = on;
        return this;
    }

    static final int LOCAL_STEPS = 60;

    private double rowScale(double[] y, int t, double globalScale) {
        if (!relative) {
            return globalScale;
        }
        double sum = 0;
        int n = 0;
        for (int i = Math.max(0, t - LOCAL_STEPS + 1); i <= t; i++) {
            if (!Double.isNaN(y[i])) {
                sum += Math.abs(y[i]);
                n++;
            }
        }
        return Math.max(n == 0 ? globalScale : sum / n, 0.01 * globalScale);
    }

    /** The scale features and targets are divided by: the mean absolute observed value (1 if there is none). */
    static double scaleOf(double[] y) {
        double s = 0;
        int n = 0;
        for (double v : y) {
            if (!Double.isNaN(v)) {
                s += Math.abs(v);
                n++;
            }
        }
        return n == 0 || s / n < 1e-9 ? 1.0 : s / n;
    }

    private Model<Regressor> train(List<Example<Regressor>> rows, int historyLength) {
        RegressionFactory f = new RegressionFactory();
        MutableDataset<Regressor> ds = new MutableDataset<>(new SimpleDataSourceProvenance(
                "headroom lag features: " + historyLength + " steps, horizon " + horizon, OffsetDateTime.now(), f), f);
        ds.addAll(rows);
        return spec.trainer().get().train(ds);
    }

    private Example<Regressor> example(double[] y, int t, double sc, double target) {
        double[] f = new double[schema.size()];
        schema.compute(y, t, horizon, sc, axis, f);
        return new ArrayExample<>(new Regressor(TARGET, target), schema.namesShared(), f);
    }

    @Override
    public void observe(double[] y) {
        this.history = y;
    }

    @Override
    public Forecast forecast(int horizonSteps) {
        requireHorizon(horizonSteps);
        double[] filled = SeriesMath.carryForward(history);
        int t = filled.length - 1;
        if (t < 0 || Double.isNaN(filled[t])) {
            return new Forecast(0, 0, 0);
        }
        if (!canFeaturize(filled, t)) {
            return Forecast.around(filled[t], q);
        }
        double rs = rowScale(filled, t, scale);
        double mean = filled[t] + rs * model.predict(example(filled, t, rs, 0)).getOutput().getValues()[0];
        return Forecast.around(mean, q);
    }

    private boolean canFeaturize(double[] filled, int t) {
        requireTrained();
        return schema.complete(filled, t, horizon);
    }

    @Override
    public double[] pointForecasts(double[] y, int from, int to, int horizonSteps) {
        requireHorizon(horizonSteps);
        requireTrained();
        double[] filled = SeriesMath.carryForward(y);
        double[] out = new double[Math.max(0, to - from)];
        List<Example<Regressor>> batch = new ArrayList<>();
        List<Integer> at = new ArrayList<>();
        for (int o = from; o < to; o++) {
            int t = o - 1;
            if (t < 0 || Double.isNaN(filled[t])) {
                out[o - from] = Double.NaN;
            } else if (!schema.complete(filled, t, horizon)) {
                out[o - from] = filled[t];
            } else {
                batch.add(example(filled, t, rowScale(filled, t, scale), 0));
                at.add(o - from);
            }
        }
        // One batch: XGBoost costs 100x more per row when scored one row at a time.
        List<Prediction<Regressor>> preds = batch.isEmpty() ? List.of() : model.predict(batch);
        for (int i = 0; i < preds.size(); i++) {
            int k = at.get(i);
            int t = from + k - 1;
            out[k] = Math.max(0, filled[t] + rowScale(filled, t, scale) * preds.get(i).getOutput().getValues()[0]);
        }
        return out;
    }

    /**
     * Batched {@link #pointForecasts} with this model's conformal interval around each. From the end of the fit history
     * the interval is taken over the last {@value #CONFORMAL_WINDOW} honest residuals, each origin's joining once its
     * target is known (the holdout's residuals seed it), so it follows the recent error level as a frequent refit would.
     */
    @Override
    public Forecast[] intervalForecasts(double[] y, int from, int to, int horizonSteps) {
        double[] p = pointForecasts(y, from, to, horizonSteps);
        if (from == fitLength) {
            return conformal.intervals(y, p, from, horizonSteps, BaselineForecaster.UNCALIBRATED_FRACTION);
        }
        Forecast[] out = new Forecast[p.length];
        for (int i = 0; i < p.length; i++) {
            out[i] = Double.isNaN(p[i]) ? null : Forecast.around(p[i], q);
        }
        return out;
    }

    /**
     * Saves the trained model: {@code model.tribuo} (Tribuo's protobuf format, provenance included) and
     * {@code forecaster.properties} (schema, scale, interval) in {@code dir}, created if missing.
     */
    public void save(java.nio.file.Path dir) throws java.io.IOException {
        requireTrained();
        java.nio.file.Files.createDirectories(dir);
        model.serializeToFile(dir.resolve("model.tribuo"));
        java.util.Properties p = new java.util.Properties();
        p.setProperty("name", name());
        p.setProperty("horizon", Integer.toString(horizon));
        p.setProperty("coverage", Double.toString(coverage));
        p.setProperty("maxRows", Integer.toString(maxRows));
        p.setProperty("minRows", Integer.toString(minRows));
        p.setProperty("scale", Double.toString(scale));
        p.setProperty("q", Double.toString(q));
        p.setProperty("trainedRows", Integer.toString(trainedRows));
        p.setProperty("describe", shortProvenance);
        p.setProperty("lags", Integer.toString(schema.lags()));
        p.setProperty("windows", ints(schema.windows()));
        p.setProperty("season", Integer.toString(schema.season()));
        p.setProperty("seasonalLags", ints(schema.seasonalLags()));
        p.setProperty("calendar", Boolean.toString(schema.calendar()));
        p.setProperty("relative", Boolean.toString(relative));
        p.setProperty("events", Integer.toString(schema.events().events().size()));
        if (!schema.events().isEmpty()) {
            // The schedule the features read, as an events file (so the loaded model computes the same features).
            List<String> lines = new ArrayList<>(List.of("start,end,weight,label"));
            for (EventCalendar.Event e : schema.events().events()) {
                lines.add(java.time.Instant.ofEpochSecond(e.startEpochSecond()) + "," + java.time.Instant.ofEpochSecond(e.endEpochSecond())
                        + "," + e.weight() + "," + e.label().replace('\n', ' '));
            }
            java.nio.file.Files.write(dir.resolve("events.csv"), lines);
        }
        try (var out = java.nio.file.Files.newBufferedWriter(dir.resolve("forecaster.properties"))) {
            p.store(out, "headroom TribuoLagForecaster");
        }
    }

    /** Loads what {@link #save} wrote; refits use the default spec of its name (linear SGD, absolute-loss SGD, CART or XGBoost). */
    @SuppressWarnings("unchecked")
    public static TribuoLagForecaster load(java.nio.file.Path dir) throws java.io.IOException {
        java.util.Properties p = new java.util.Properties();
        try (var in = java.nio.file.Files.newBufferedReader(dir.resolve("forecaster.properties"))) {
            p.load(in);
        }
        String name = p.getProperty("name");
        RegressorSpec spec = name.equals("xgboost") ? RegressorSpec.xgboost(40, 3, 42L)
                : name.equals("cart") ? RegressorSpec.cart(ModelCatalog.CART_DEPTH, 42L)
                : name.startsWith("linear-l1") ? RegressorSpec.linearSgdAbsolute() : RegressorSpec.linearSgd();
        LagFeatureSchema schema = new LagFeatureSchema(Integer.parseInt(p.getProperty("lags")), parseInts(p.getProperty("windows")),
                Integer.parseInt(p.getProperty("season")), parseInts(p.getProperty("seasonalLags")),
                Boolean.parseBoolean(p.getProperty("calendar")),
                Integer.parseInt(p.getProperty("events", "0")) == 0 ? EventCalendar.NONE : EventsFile.load(dir.resolve("events.csv")));
        TribuoLagForecaster f = new TribuoLagForecaster(spec, schema, Integer.parseInt(p.getProperty("horizon")),
                Double.parseDouble(p.getProperty("coverage")), Integer.parseInt(p.getProperty("maxRows")),
                Integer.parseInt(p.getProperty("minRows")));
        f.relative = Boolean.parseBoolean(p.getProperty("relative", "false"));
        org.tribuo.Model<?> m = org.tribuo.Model.deserializeFromFile(dir.resolve("model.tribuo"));
        if (!m.validate(Regressor.class)) {
            throw new java.io.IOException(dir + "/model.tribuo is not a regression model");
        }
        f.model = (Model<Regressor>) m;
        f.scale = Double.parseDouble(p.getProperty("scale"));
        f.q = Double.parseDouble(p.getProperty("q"));
        f.trainedRows = Integer.parseInt(p.getProperty("trainedRows"));
        f.shortProvenance = p.getProperty("describe");
        return f;
    }

    private static String ints(int[] a) {
        return java.util.Arrays.stream(a).mapToObj(Integer::toString).collect(java.util.stream.Collectors.joining(","));
    }

    private static int[] parseInts(String s) {
        return s == null || s.isBlank() ? new int[0] : java.util.Arrays.stream(s.split(",")).mapToInt(Integer::parseInt).toArray();
    }

    private void requireHorizon(int h) {
        if (h != horizon) {
            throw new IllegalArgumentException(name() + " was trained for horizon " + horizon + " steps, asked for " + h
                    + " (train one per horizon)");
        }
    }

    private void requireTrained() {
        if (model == null) {
            throw new IllegalStateException(name() + " is not trained: call fit first");
        }
    }

    /** The interval half-width from the holdout (NaN before fit). */
    public double conformalHalfWidth() {
        return q;
    }

    public int trainedRows() {
        return trainedRows;
    }

    /** Tribuo's model, with its full provenance. */
    public Model<Regressor> model() {
        return model;
    }

    /** One line: model, Tribuo version, trainer, rows, horizon, interval. */
    @Override
    public String describe() {
        return shortProvenance;
    }

    /** Tribuo's full provenance of the trained model (trainer settings, seed, data source, versions). */
    @Override
    public String provenance() {
        return model == null ? name() + " (untrained)" : model.getProvenance().toString();
    }

    @Override
    public String toString() {
        return describe();
    }
}
