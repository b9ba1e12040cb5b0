package io.headroom.predictor.forecast;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/** Saving and loading a Tribuo model; level shifts trigger a refit. */
class ModelLifecycleTest {

    private static double[] daily(int n, long seed) {
        Random rnd = new Random(seed);
        double[] y = new double[n];
        Arrays.setAll(y, t -> 200 + 80 * Math.sin(2 * Math.PI * t / 1440.0) + 10 * rnd.nextGaussian());
        return y;
    }

    @Test
    void tribuoModelRoundTripsWithProvenanceAndTheSameForecasts(@TempDir Path dir) throws Exception {
        double[] y = daily(4 * 1440, 3);
        LagFeatureSchema schema = LagFeatureSchema.standard(0, new TimeAxis(0, 60));
        TribuoLagForecaster f = new TribuoLagForecaster(RegressorSpec.linearSgd(), schema, 5, 0.9, 3000, 60);
        TimeAxis axis = new TimeAxis(804_571_200L, 60);
        f.timeAxis(axis);
        f.fit(y);
        assertThat(f.schema().seasonalLags()).containsExactly(1440); // the week lag needs more history: dropped
        assertThat(f.schema().calendar()).isTrue();
        f.save(dir);

        TribuoLagForecaster g = TribuoLagForecaster.load(dir);
        g.timeAxis(axis);
        // Equal provenance objects (their toString may order the optimiser's fields differently after a round trip).
        assertThat(g.model().getProvenance()).isEqualTo(f.model().getProvenance());
        assertThat(g.provenance()).contains("LinearSGDTrainer").contains("seed=42").contains("horizon 5").contains("trained-at=");
        assertThat(g.describe()).isEqualTo(f.describe());
        assertThat(g.schema().names()).containsExactly(f.schema().names());
        assertThat(g.conformalHalfWidth()).isEqualTo(f.conformalHalfWidth());
        assertThat(g.pointForecasts(y, y.length - 100, y.length - 4, 5)).containsExactly(f.pointForecasts(y, y.length - 100, y.length - 4, 5));
        g.observe(y);
        f.observe(y);
        assertThat(g.forecast(5)).isEqualTo(f.forecast(5));
    }

    @Test
    void theRelativeAbsoluteLossModelRoundTripsAsItself(@TempDir Path dir) throws Exception {
        double[] y = daily(2 * 1440, 5);
        TribuoLagForecaster f = new TribuoLagForecaster(RegressorSpec.linearSgdAbsolute(), LagFeatureSchema.standard(0), 15, 0.9, 2000, 60)
                .relative(true);
        f.fit(y);
        f.save(dir);
        TribuoLagForecaster g = TribuoLagForecaster.load(dir);
        assertThat(g.name()).isEqualTo("linear-l1-rel");
        assertThat(g.provenance()).contains("AbsoluteLoss");
        assertThat(g.pointForecasts(y, y.length - 50, y.length - 14, 15)).containsExactly(f.pointForecasts(y, y.length - 50, y.length - 14, 15));
    }

    @Test
    void aCartTreeRoundTripsAsItself(@TempDir Path dir) throws Exception {
        double[] y = daily(2 * 1440, 5);
        TribuoLagForecaster f = new TribuoLagForecaster(RegressorSpec.cart(ModelCatalog.CART_DEPTH, 42L), LagFeatureSchema.standard(0), 15,
                0.9, 2000, 60);
        f.fit(y);
        f.save(dir);
        TribuoLagForecaster g = TribuoLagForecaster.load(dir);
        assertThat(g.name()).isEqualTo("cart");
        assertThat(g.provenance()).contains("CARTRegressionTrainer").isEqualTo(f.provenance());
        assertThat(g.pointForecasts(y, y.length - 50, y.length - 14, 15)).containsExactly(f.pointForecasts(y, y.length - 50, y.length - 14, 15));
        assertThat(ModelCatalog.DEFAULT.withCart(true).candidates(15).stream().map(SeriesModel.Candidate::name)).contains("cart");
        assertThat(ModelCatalog.DEFAULT.candidates(15).stream().map(SeriesModel.Candidate::name)).doesNotContain("cart");
    }

    @Test
    void levelShiftIsDetectedAndTheCallerRefits() {
        Random rnd = new Random(11);
        double[] before = new double[600];
        Arrays.setAll(before, t -> 100 + 5 * rnd.nextGaussian());
        SeriesModel m = ModelCatalog.DEFAULT.model("s", 5, new Backtest(2, 40));
        m.retrain(before, 0);
        m.forecast(before);
        assertThat(m.levelShiftDetected()).as("same level").isFalse();

        double[] noisy = Arrays.copyOf(before, 630);
        for (int i = 600; i < 630; i++) {
            noisy[i] = 100 + 5 * rnd.nextGaussian() + (i % 2 == 0 ? 8 : -8); // noisier, same level
        }
        m.forecast(noisy);
        assertThat(m.levelShiftDetected()).as("noise is not a shift").isFalse();

        double[] after = Arrays.copyOf(before, 640);
        for (int i = 600; i < 640; i++) {
            after[i] = 300 + 5 * rnd.nextGaussian();
        }
        m.forecast(after);
        assertThat(m.levelShiftDetected()).as("tripled").isTrue();
        m.retrain(after, 1);
        assertThat(m.levelShiftDetected()).as("cleared by the refit").isFalse();
    }

    @Test
    void detectorIgnoresSmallButSignificantDrift() {
        LevelShiftDetector d = new LevelShiftDetector(100, 20, 6, 0.3);
        double[] ref = d.reference(constant(1000, 100));
        assertThat(d.shifted(ref, constant(20, 120))).isFalse(); // +20 %: below the relative threshold
        assertThat(d.shifted(ref, constant(20, 140))).isTrue();
        assertThat(d.shifted(ref, constant(20, 60))).isTrue();
        assertThat(d.shifted(null, constant(20, 600))).isFalse();
    }

    private static double[] constant(int n, double v) {
        double[] y = new double[n];
        Arrays.fill(y, v);
        return y;
    }
}
