package io.headroom.predictor.evaluate;

import io.headroom.predictor.forecast.EwmaForecaster;
import io.headroom.predictor.forecast.LastValueForecaster;
import io.headroom.predictor.forecast.ModelCatalog;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ForecastEvaluationTest {
    private static final ForecastEvaluation.Settings SMALL = new ForecastEvaluation.Settings(
            new ModelCatalog(0.9, 100, 0, 600, 60, false), 100, 3, 3);

    /** y = t: every last-value forecast at horizon h is exactly h short, and the trend is learnable exactly. */
    @Test
    void linearRampHasKnownBaselineErrorsAndTheLagModelBeatsThem() {
        double[] y = new double[1200];
        Arrays.setAll(y, t -> t);
        ForecastEvaluation.Report r = new ForecastEvaluation(SMALL).run(y, 0, 60, 5);
        ForecastEvaluation.HorizonResult h = r.horizons().get(0);
        assertThat(h.horizonLabel()).isEqualTo("5m");

        ForecastEvaluation.Metrics lv = h.baselines().stream().filter(m -> m.name().equals(LastValueForecaster.NAME)).findFirst().orElseThrow();
        assertThat(lv.points()).isEqualTo(300);
        assertThat(lv.mae()).isCloseTo(5, within(1e-9));
        assertThat(lv.rmse()).isCloseTo(5, within(1e-9));
        assertThat(lv.mase()).isCloseTo(5, within(1e-9)); // the one-step naive error is 1
        assertThat(lv.coverage()).isEqualTo(1.0);           // every residual is 5, so is the conformal half-width
        // sMAPE: mean over the held-out targets a of 2*5/(2a-5), in %
        double smape = 0;
        for (int o = 1200 - 5 + 1 - 300; o < 1200 - 5 + 1; o++) {
            double a = o - 1 + 5;
            smape += 2 * 5 / (a + a - 5);
        }
        assertThat(lv.smape()).isCloseTo(100 * smape / 300, within(1e-9));

        // EWMA's best smoothing on a ramp is no smoothing: a tie, and ties go to the earlier baseline.
        assertThat(h.bestBaseline().name()).isEqualTo(LastValueForecaster.NAME);
        assertThat(h.baselines()).extracting(ForecastEvaluation.Metrics::name).contains(EwmaForecaster.NAME);
        assertThat(h.chosen().name()).isEqualTo("linear-sgd");
        assertThat(h.maeRatio()).isEqualTo(h.chosen().mae() / 5).isLessThan(0.5);
        assertThat(h.selectionMae().get(LastValueForecaster.NAME)).isCloseTo(5, within(1e-9));
    }

    /** White noise around a constant: the smoothed level beats last-value by about 1/sqrt(2) in MAE, and is chosen honestly. */
    @Test
    void noisyConstantPrefersTheSmoothedLevelAndCoversNinetyPercent() {
        Random rnd = new Random(7);
        double[] y = new double[2400];
        Arrays.setAll(y, t -> 100 + 10 * rnd.nextGaussian());
        ForecastEvaluation.Settings s = new ForecastEvaluation.Settings(new ModelCatalog(0.9, 300, 0, 1000, 60, false), 200, 3, 3);
        ForecastEvaluation.HorizonResult h = new ForecastEvaluation(s).run(y, 0, 0, 5).horizons().get(0);
        assertThat(h.horizonLabel()).isEqualTo("5 steps");
        ForecastEvaluation.Metrics lv = h.baselines().get(0);
        assertThat(lv.mae()).isCloseTo(10 * Math.sqrt(2) * Math.sqrt(2 / Math.PI), within(1.0)); // |N(0, 2 sigma^2)|
        assertThat(h.bestBaseline().name()).isEqualTo(EwmaForecaster.NAME);
        assertThat(h.bestBaseline().mae()).isCloseTo(10 * Math.sqrt(2 / Math.PI), within(0.8));
        assertThat(h.chosen().coverage()).isBetween(0.85, 0.95);
        assertThat(h.maeRatio()).isBetween(0.9, 1.1);
    }

    @Test
    void gapsAreNotScoredAndJsonHasTheDocumentedShape() {
        double[] y = new double[1200];
        Arrays.setAll(y, t -> t % 7 == 0 ? Double.NaN : t);
        ForecastEvaluation.Report r = new ForecastEvaluation(SMALL).run(y, 1_000_000, 60, 5, 15);
        ForecastEvaluation.HorizonResult h = r.horizons().get(0);
        assertThat(h.baselines().get(0).points()).isBetween(250, 260); // 300 origins less the gap targets
        String json = r.toJson();
        assertThat(json).startsWith("{").endsWith("}").contains("\"horizons\":[{\"horizon\":\"5m\",\"horizon_steps\":5,\"chosen\":{\"model\":\"")
                .contains("{\"horizon\":\"15m\",\"horizon_steps\":15,")
                .contains("\"baselines\":[{\"name\":\"last-value\",\"mae\":")
                .contains("\"best_baseline\":{\"name\":\"").contains("\"mae_ratio\":")
                .doesNotContain("NaN");
        assertThat(json.split("\"rmse\"", -1)).hasSizeGreaterThan(2);
        assertThat(json).containsPattern("\"chosen\":\\{\"model\":\"[a-z-]+\",\"mae\":[0-9.e-]+,\"rmse\":[0-9.e-]+,\"smape\":[0-9.e-]+,"
                + "\"mase\":[0-9.e-]+,\"coverage\":[0-9.e-]+");
        assertThat(r.toTable()).contains("mae_ratio").contains("last-value");
    }

    @Test
    void tooShortSeriesIsRefusedWithWhatItNeeds() {
        assertThatThrownBy(() -> new ForecastEvaluation(SMALL).run(new double[500], 0, 60, 5))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("too short").hasMessageContaining("shorter folds");
    }

    @Test
    void defaultSettingsFitTheSeries() {
        ForecastEvaluation.Settings day = ForecastEvaluation.Settings.forSeries(10 * 1440, 60);
        assertThat(day.foldLength()).isEqualTo(360);
        assertThat(day.holdoutFolds() * day.foldLength()).isEqualTo(2 * 1440);
        ForecastEvaluation.Settings oneDay = ForecastEvaluation.Settings.forSeries(1440, 60);
        assertThat((oneDay.selectionFolds() + oneDay.holdoutFolds()) * oneDay.foldLength()).isLessThan(1440);
    }
}
