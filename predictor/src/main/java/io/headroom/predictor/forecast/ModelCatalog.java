package io.headroom.predictor.forecast;

import java.util.ArrayList;
import java.util.List;

/**
 * The standard competitors for a series: last-value, seasonal naive (if a season is set), EWMA, Holt-Winters (with a
 * season), linear SGD on lag features with the squared loss ({@code linear-sgd}) and the absolute loss
 * ({@code linear-l1}; {@code linear-l1-rel} relative to the local level), and optionally XGBoost. Baselines come first, so a learned model must strictly beat them.
 *
 * @param coverage          interval coverage, e.g. 0.9
 * @param calibrationWindow origins the baselines calibrate their interval on
 * @param season            season length in steps, 0 for none
 * @param maxRows           most recent rows a Tribuo model trains on
 * @param minRows           fewest gap-free rows a Tribuo model trains on
 * @param xgboost           whether XGBoost competes too (slower to train)
 * @param events            scheduled events the learned models read as features ({@link EventCalendar#NONE}: none)
 * @param cart              whether a single regression tree (Tribuo CART) competes too (off: measured not to pay)
 */
public record ModelCatalog(double coverage, int calibrationWindow, int season, int maxRows, int minRows, boolean xgboost,
                           EventCalendar events, boolean cart) {

    /** Depth of the {@code cart} candidate's tree. */
    public static final int CART_DEPTH = 8;

    public static final ModelCatalog DEFAULT = new ModelCatalog(0.9, 300, 0, 1200, 60, false);

    public ModelCatalog {
        java.util.Objects.requireNonNull(events, "events");
    }

    /** Without CART. */
    public ModelCatalog(double coverage, int calibrationWindow, int season, int maxRows, int minRows, boolean xgboost,
                        EventCalendar events) {
        this(coverage, calibrationWindow, season, maxRows, minRows, xgboost, events, false);
    }

    /** This catalog with (or without) a single regression tree ({@code cart}, Tribuo CART) among the learned candidates. */
    public ModelCatalog withCart(boolean on) {
        return new ModelCatalog(coverage, calibrationWindow, season, maxRows, minRows, xgboost, events, on);
    }

    /** Without scheduled events. */
    public ModelCatalog(double coverage, int calibrationWindow, int season, int maxRows, int minRows, boolean xgboost) {
        this(coverage, calibrationWindow, season, maxRows, minRows, xgboost, EventCalendar.NONE);
    }

    /** This catalog whose learned models read the {@code ev_*} features of {@code calendar}. */
    public ModelCatalog withEvents(EventCalendar calendar) {
        return new ModelCatalog(coverage, calibrationWindow, season, maxRows, minRows, xgboost, calendar, cart);
    }

    public List<SeriesModel.Candidate> candidates(int horizon) {
        return candidates(horizon, TimeAxis.NONE);
    }

    /**
     * The candidates for a series whose steps are {@code axis.stepSeconds()} long (the start does not matter here).
     * With a known step and a catalog that trains on at least a day ({@code maxRows >= steps per day}), seasonal naive
     * and Holt-Winters use a daily season (unless {@code season} is set) and the lag models get daily and weekly
     * seasonal lags and calendar features; on a shorter history they drop what it cannot support.
     */
    public List<SeriesModel.Candidate> candidates(int horizon, TimeAxis axis) {
        return baselinesAndPerSeries(horizon, axis, true);
    }

    /**
     * The candidates of a series in a fleet that shares a {@link GlobalLagModel}: the baselines, the per-series Tribuo
     * models if {@code perSeriesLearned} (too costly to train for thousands of series), and, if {@code shared} is not
     * null, a {@link SharedLagForecaster} on the global model it supplies (calibrated on the last
     * {@code sharedCalibration} origins). Baselines first, then per-series models, then the shared one.
     */
    public List<SeriesModel.Candidate> candidates(int horizon, TimeAxis axis, boolean perSeriesLearned,
                                                  java.util.function.Supplier<GlobalLagModel> shared, int sharedCalibration) {
        List<SeriesModel.Candidate> out = baselinesAndPerSeries(horizon, axis, perSeriesLearned);
        if (shared != null) {
            String name = "global-" + RegressorSpec.linearSgd().name();
            out.add(new SeriesModel.Candidate(name, () -> new SharedLagForecaster(name, shared, coverage, sharedCalibration)));
        }
        return out;
    }

    private List<SeriesModel.Candidate> baselinesAndPerSeries(int horizon, TimeAxis axis, boolean perSeriesLearned) {
        List<SeriesModel.Candidate> out = new ArrayList<>();
        out.add(new SeriesModel.Candidate(LastValueForecaster.NAME, this::lastValue));
        boolean daily = daily(axis);
        int s = season > 0 ? season : daily ? axis.daySteps() : 0;
        if (s > 0) {
            out.add(new SeriesModel.Candidate(SeasonalNaiveForecaster.NAME,
                    () -> new SeasonalNaiveForecaster(s, coverage, calibrationWindow)));
        }
        out.add(new SeriesModel.Candidate(EwmaForecaster.NAME, () -> new EwmaForecaster(horizon, 0.3, coverage, calibrationWindow)));
        if (s > 0 && (season > 0 || daily)) {
            out.add(new SeriesModel.Candidate(HoltWintersForecaster.NAME,
                    () -> new HoltWintersForecaster(s, horizon, coverage, calibrationWindow)));
        }
        if (!perSeriesLearned) {
            return out;
        }
        LagFeatureSchema schema = schema(axis);
        RegressorSpec sgd = RegressorSpec.linearSgd();
        out.add(new SeriesModel.Candidate(sgd.name(), () -> new TribuoLagForecaster(sgd, schema, horizon, coverage, maxRows, minRows)));
        // The conditional median: on skewed, bursty counts it beats the mean under MAE, and surges pull it less; the
        // relative variant learns changes relative to the local level, which carry over between busy and quiet periods.
        RegressorSpec l1 = RegressorSpec.linearSgdAbsolute();
        out.add(new SeriesModel.Candidate(l1.name(), () -> new TribuoLagForecaster(l1, schema, horizon, coverage, maxRows, minRows)));
        out.add(new SeriesModel.Candidate(l1.name() + "-rel", () -> new TribuoLagForecaster(l1, schema, horizon, coverage, maxRows,
                minRows).relative(true)));
        if (cart) {
            RegressorSpec tree = RegressorSpec.cart(CART_DEPTH, 42L);
            out.add(new SeriesModel.Candidate(tree.name(), () -> new TribuoLagForecaster(tree, schema, horizon, coverage, maxRows, minRows)));
        }
        if (xgboost) {
            RegressorSpec xgb = RegressorSpec.xgboost(40, 3, 42L);
            out.add(new SeriesModel.Candidate(xgb.name(), () -> new TribuoLagForecaster(xgb, schema, horizon, coverage, maxRows, minRows)));
        }
        return out;
    }

    private boolean daily(TimeAxis axis) {
        return axis.known() && axis.daySteps() >= 8 && maxRows >= axis.daySteps();
    }

    /** The lag features of the learned models for a series on {@code axis} (daily/weekly lags and calendar when it trains on a day). */
    public LagFeatureSchema schema(TimeAxis axis) {
        return (daily(axis) ? LagFeatureSchema.standard(season, axis) : LagFeatureSchema.standard(season)).withEvents(events);
    }

    public Forecaster lastValue() {
        return new LastValueForecaster(coverage, calibrationWindow);
    }

    /** A {@link SeriesModel} for {@code series} at {@code horizon} with these candidates. */
    public SeriesModel model(String series, int horizon, Backtest backtest) {
        return new SeriesModel(series, candidates(horizon), this::lastValue, horizon, backtest);
    }

    /** A {@link SeriesModel} for a series with steps of {@code axis.stepSeconds()} (see {@link #candidates(int, TimeAxis)}). */
    public SeriesModel model(String series, int horizon, Backtest backtest, TimeAxis axis) {
        return new SeriesModel(series, candidates(horizon, axis), this::lastValue, horizon, backtest);
    }
}
