package io.headroom.predictor.forecast;

import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class ForecastersTest {

    /** 200 + trend + a 50-step sine + Gaussian noise, seeded. */
    static double[] noisySine(int n, double trendPerStep, double noise, long seed) {
        Random r = new Random(seed);
        double[] y = new double[n];
        for (int t = 0; t < n; t++) {
            y[t] = 200 + trendPerStep * t + 40 * Math.sin(2 * Math.PI * t / 50) + noise * r.nextGaussian();
        }
        return y;
    }

    static TribuoLagForecaster sgd(int h) {
        return new TribuoLagForecaster(RegressorSpec.linearSgd(), LagFeatureSchema.standard(0), h, 0.9, 2000, 60);
    }

    @Test
    void lastValueIsTheLastObservedValueAndSkipsTrailingGaps() {
        LastValueForecaster f = new LastValueForecaster(0.9, 100);
        f.fit(new double[] {1, 2, 3, 7});
        assertThat(f.forecast(3).mean()).isEqualTo(7);
        f.observe(new double[] {1, 2, 5, Double.NaN, Double.NaN});
        assertThat(f.forecast(1).mean()).isEqualTo(5);
        // A constant series has zero residuals: a zero-width interval.
        f.observe(new double[] {4, 4, 4, 4, 4, 4});
        assertThat(f.forecast(2)).isEqualTo(new Forecast(4, 4, 4));
        assertThat(f.pointForecasts(new double[] {1, 2, 3, 4}, 1, 4, 1)).containsExactly(1, 2, 3);
    }

    @Test
    void lastValueIntervalIsTheConformalQuantileOfItsOwnErrors() {
        // Alternating 0, 10: the one-step error of last-value is always 10.
        double[] y = new double[40];
        for (int i = 0; i < y.length; i++) {
            y[i] = i % 2 == 0 ? 0 : 10;
        }
        LastValueForecaster f = new LastValueForecaster(0.9, 100);
        f.fit(y);
        Forecast fc = f.forecast(1);
        assertThat(fc.mean()).isEqualTo(10);
        assertThat(fc.upper()).isEqualTo(20);
        assertThat(fc.lower()).isEqualTo(0);
    }

    @Test
    void seasonalNaiveRepeatsThePreviousSeasonExactly() {
        int season = 7;
        double[] y = new double[70];
        for (int t = 0; t < y.length; t++) {
            y[t] = (t % season) * 10 + 5;
        }
        SeasonalNaiveForecaster f = new SeasonalNaiveForecaster(season, 0.9, 100);
        f.fit(y);
        for (int h = 1; h <= 20; h++) {
            Forecast fc = f.forecast(h);
            double expected = ((y.length - 1 + h) % season) * 10 + 5;
            assertThat(fc.mean()).as("h=%d", h).isEqualTo(expected);
            assertThat(fc.upper()).as("perfectly periodic: no error").isEqualTo(expected);
        }
        // A gap at the same phase one season back falls back to two seasons back.
        double[] gappy = y.clone();
        gappy[y.length - season] = Double.NaN;
        f.observe(gappy);
        assertThat(f.forecast(1).mean()).isEqualTo(y[y.length - season]);
    }

    @Test
    void linearSgdBeatsLastValueOnANoisyTrendedSine() {
        int h = 5;
        double[] y = noisySine(1500, 0.1, 5, 1);
        TribuoLagForecaster model = sgd(h);
        model.fit(Arrays.copyOf(y, 1200));
        double[] actual = Arrays.copyOfRange(y, 1200 - 1 + h, 1495 - 1 + h);
        double modelMae = SeriesMath.mae(model.pointForecasts(y, 1200, 1495, h), actual);
        LastValueForecaster lv = new LastValueForecaster(0.9, 100);
        double lastMae = SeriesMath.mae(lv.pointForecasts(y, 1200, 1495, h), actual);
        assertThat(modelMae / lastMae).as("model MAE %.2f vs last-value %.2f", modelMae, lastMae).isLessThan(0.7);
        assertThat(model.provenance()).contains("LinearSGDTrainer").contains("seed");
        assertThat(model.describe()).startsWith("linear-sgd (Tribuo");
    }

    @Test
    void conformalIntervalCoversAHeldOutStretch() {
        int h = 5;
        double[] y = noisySine(2000, 0, 8, 2);
        TribuoLagForecaster model = sgd(h);
        model.fit(Arrays.copyOf(y, 1200));
        double q = model.conformalHalfWidth();
        assertThat(q).isPositive();
        double[] p = model.pointForecasts(y, 1200, 1995, h);
        int inside = 0;
        for (int i = 0; i < p.length; i++) {
            double actual = y[1200 + i - 1 + h];
            inside += Math.abs(actual - p[i]) <= q ? 1 : 0;
        }
        double coverage = (double) inside / p.length;
        assertThat(coverage).isBetween(0.83, 0.97);
        // forecast() carries the same half-width.
        model.observe(y);
        Forecast fc = model.forecast(h);
        assertThat(fc.upper() - fc.mean()).isCloseTo(q, within(1e-9));
    }

    @Test
    void rowsTouchingAGapNeverBecomeTrainingRows() {
        int h = 5;
        double[] full = noisySine(1000, 0, 2, 3);
        double[] gappy = full.clone();
        int gapStart = 500;
        int gapLength = 50;
        for (int i = gapStart; i < gapStart + gapLength; i++) {
            gappy[i] = Double.NaN;
        }
        TribuoLagForecaster model = sgd(h);
        int span = LagFeatureSchema.standard(0).span(h);
        // Excluded: origins whose feature window overlaps the gap (gapLength + span - 1)
        // and origins whose target falls in it but whose features do not (h).
        assertThat(model.usableRows(gappy)).isEqualTo(model.usableRows(full) - (gapLength + span - 1 + h));
        // A history that is all gap yields no rows and fit refuses instead of learning from zeros.
        double[] allGap = new double[300];
        Arrays.fill(allGap, Double.NaN);
        assertThat(model.usableRows(allGap)).isZero();
        assertThatThrownBy(() -> model.fit(allGap)).isInstanceOf(IllegalStateException.class);
        // Trained on the gappy series it still forecasts the level, not a drop towards zero.
        model.fit(gappy);
        model.observe(full);
        assertThat(model.forecast(h).mean()).isBetween(140.0, 260.0);
    }

    @Test
    void aModelTrainedForOneHorizonRefusesAnother() {
        TribuoLagForecaster model = sgd(5);
        model.fit(noisySine(400, 0, 1, 4));
        assertThatThrownBy(() -> model.forecast(6)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("horizon 5");
    }

    @Test
    void xgboostTrainsAndScoresInABatch() {
        int h = 5;
        double[] y = noisySine(700, 0.1, 5, 5);
        TribuoLagForecaster model = new TribuoLagForecaster(RegressorSpec.xgboost(20, 3, 42L), LagFeatureSchema.standard(0), h, 0.9, 600, 60);
        model.fit(Arrays.copyOf(y, 600));
        double[] p = model.pointForecasts(y, 600, 695, h);
        double[] actual = Arrays.copyOfRange(y, 600 - 1 + h, 695 - 1 + h);
        double lastMae = SeriesMath.mae(new LastValueForecaster(0.9, 100).pointForecasts(y, 600, 695, h), actual);
        assertThat(SeriesMath.mae(p, actual)).isLessThan(lastMae);
        assertThat(model.provenance()).contains("XGBoostRegressionTrainer");
    }
}
