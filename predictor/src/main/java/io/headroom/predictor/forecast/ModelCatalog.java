package io.headroom.predictor.forecast;

import java.util.ArrayList;
import java.util.List;

/**
 * The standard competitors for a series: last-value, seasonal naive (if a season is set), linear SGD on lag
 * features, and optionally XGBoost. Baselines come first, so a learned model must strictly beat them.
 *
 * @param coverage          interval coverage, e.g. 0.9
 * @param calibrationWindow origins the baselines calibrate their interval on
 * @param season            season length in steps, 0 for none
 * @param maxRows           most recent rows a Tribuo model trains on
 * @param minRows           fewest gap-free rows a Tribuo model trains on
 * @param xgboost           whether XGBoost competes too (slower to train)
 */
public record ModelCatalog(double coverage, int calibrationWindow, int season, int maxRows, int minRows, boolean xgboost) {

    public static final ModelCatalog DEFAULT = new ModelCatalog(0.9, 300, 0, 1200, 60, false);

    public List<SeriesModel.Candidate> candidates(int horizon) {
        List<SeriesModel.Candidate> out = new ArrayList<>();
        out.add(new SeriesModel.Candidate(LastValueForecaster.NAME, this::lastValue));
        if (season > 0) {
            out.add(new SeriesModel.Candidate(SeasonalNaiveForecaster.NAME,
                    () -> new SeasonalNaiveForecaster(season, coverage, calibrationWindow)));
        }
        LagFeatureSchema schema = LagFeatureSchema.standard(season);
        RegressorSpec sgd = RegressorSpec.linearSgd();
        out.add(new SeriesModel.Candidate(sgd.name(), () -> new TribuoLagForecaster(sgd, schema, horizon, coverage, maxRows, minRows)));
        if (xgboost) {
            RegressorSpec xgb = RegressorSpec.xgboost(40, 3, 42L);
            out.add(new SeriesModel.Candidate(xgb.name(), () -> new TribuoLagForecaster(xgb, schema, horizon, coverage, maxRows, minRows)));
        }
        return out;
    }

    public Forecaster lastValue() {
        return new LastValueForecaster(coverage, calibrationWindow);
    }

    /** A {@link SeriesModel} for {@code series} at {@code horizon} with these candidates. */
    public SeriesModel model(String series, int horizon, Backtest backtest) {
        return new SeriesModel(series, candidates(horizon), this::lastValue, horizon, backtest);
    }
}
