package io.headroom.predictor.forecast;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

class SeriesFleetTest {
    static final int LENGTH = 900;
    static final int HORIZON = 10;

    /** 24 series: the same 120-step wave at levels from 5 to 5,000, each with its own phase and seeded noise. */
    static Map<String, double[]> waves() {
        Random rnd = new Random(7);
        Map<String, double[]> out = new LinkedHashMap<>();
        for (int i = 0; i < 24; i++) {
            double level = 5 * Math.pow(1000, i / 23.0);
            double phase = rnd.nextDouble() * 2 * Math.PI;
            double[] y = new double[LENGTH];
            for (int t = 0; t < LENGTH; t++) {
                y[t] = t % 97 == 13 ? Double.NaN : level * (1 + 0.5 * Math.sin(2 * Math.PI * t / 120 + phase)) * (1 + 0.02 * rnd.nextGaussian());
            }
            out.put("s" + i, y);
        }
        return out;
    }

    static SeriesFleet fleet() {
        return new SeriesFleet(new ModelCatalog(0.9, 200, 0, 800, 60, false), HORIZON, new Backtest(3, 40), new TimeAxis(0, 1), false);
    }

    @Test
    void oneGlobalModelLearnsTheSharedShapeAndEachSeriesPicksByItsOwnBacktest() {
        Map<String, double[]> w = waves();
        SeriesFleet fleet = fleet();
        SeriesFleet.Result r = fleet.retrain(w, new TimeAxis(0, 1), 1, null, 1);

        assertThat(r.failures()).isEmpty();
        assertThat(r.selections()).hasSize(24);
        GlobalLagModel g = fleet.global();
        assertThat(g.trainedSeries()).isEqualTo(24);
        assertThat(g.trainedRows()).isBetween(24 * 100, SeriesFleet.GLOBAL_MAX_ROWS);
        assertThat(g.model().getProvenance().getTrainerProvenance().getClassName()).endsWith("LinearSGDTrainer");
        // A wave 10 steps ahead: the lag model sees the turn coming, smoothing cannot.
        long global = r.selections().values().stream().filter(s -> s.model().equals("global-linear-sgd")).count();
        assertThat(global).as("series choosing the global model").isGreaterThanOrEqualTo(21);
        for (SeriesModel.Selection s : r.selections().values()) {
            if (s.model().equals("global-linear-sgd")) {
                assertThat(s.backtestMae().get("global-linear-sgd")).isLessThan(s.backtestMae().get("ewma"));
            }
        }
        // Per-series models are off in a large fleet: only baselines and the shared model compete.
        assertThat(r.selections().get("s0").backtestMae().keySet()).containsExactly("last-value", "ewma", "global-linear-sgd");

        // Forecasts are in each series' own unit, with an interval calibrated on its own residuals.
        double[] big = w.get("s23");
        Forecast f = fleet.model("s23").forecast(big, new TimeAxis(0, 1));
        assertThat(f.upper()).isGreaterThan(f.mean());
        assertThat(f.mean()).isBetween(5000 * 0.3, 5000 * 1.7);
        Forecast small = fleet.model("s0").forecast(w.get("s0"), new TimeAxis(0, 1));
        assertThat(small.mean()).isBetween(5 * 0.3, 5 * 1.7);
    }

    @Test
    void aRoundScoresTheSharedModelsSeriesInOneBatchWithTheSameForecasts() {
        Map<String, double[]> w = waves();
        SeriesFleet fleet = fleet();
        fleet.retrain(w, new TimeAxis(0, 1), 1, null, 1);
        Map<String, double[]> recent = new LinkedHashMap<>();
        for (Map.Entry<String, double[]> e : w.entrySet()) {
            recent.put(e.getKey(), java.util.Arrays.copyOf(e.getValue(), LENGTH - 7)); // a later tick: new origins
        }
        recent.put("new-series", new double[] {3, 4, Double.NaN}); // never trained: the fallback baseline
        Map<String, Forecast> round = fleet.forecastAll(recent, new TimeAxis(0, 1));
        assertThat(round.keySet()).containsExactlyElementsOf(recent.keySet());
        long shared = w.keySet().stream().filter(s -> fleet.model(s).selection().model().equals("global-linear-sgd")).count();
        assertThat(shared).isGreaterThanOrEqualTo(21);
        for (String s : recent.keySet()) {
            assertThat(round.get(s)).as(s).isEqualTo(fleet.model(s).forecast(recent.get(s), new TimeAxis(0, 1)));
        }
    }

    @Test
    void retrainingSpreadOverThreadsSelectsAndForecastsExactlyAsOnOneThread() throws Exception {
        Map<String, double[]> w = waves();
        SeriesFleet serial = fleet();
        SeriesFleet parallel = fleet();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            SeriesFleet.Result a = serial.retrain(w, new TimeAxis(0, 1), 1, null, 1);
            SeriesFleet.Result b = parallel.retrain(w, new TimeAxis(0, 1), 1, pool, 2);
            for (String s : w.keySet()) {
                assertThat(b.selections().get(s).model()).isEqualTo(a.selections().get(s).model());
                assertThat(parallel.model(s).forecast(w.get(s), new TimeAxis(0, 1)))
                        .isEqualTo(serial.model(s).forecast(w.get(s), new TimeAxis(0, 1)));
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theGlobalModelNeverTrainsOnTheHeldOutEnd() {
        // Every series is flat except a jump inside the last 152 steps: a model that trained on it would forecast a jump.
        Map<String, double[]> w = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            double[] y = new double[LENGTH];
            for (int t = 0; t < LENGTH; t++) {
                y[t] = t >= LENGTH - 100 ? 1000 : 100 + (t % 3);
            }
            w.put("flat" + i, y);
        }
        SeriesFleet fleet = fleet();
        fleet.retrain(w, new TimeAxis(0, 1), 1, null, 1);
        double[] before = java.util.Arrays.copyOf(w.get("flat0"), LENGTH - 200);
        SharedLagForecaster f = new SharedLagForecaster("global-linear-sgd", fleet::global, 0.9, 120);
        f.fit(before);
        assertThat(f.forecast(HORIZON).mean()).as("no jump learned from the held-out end").isBetween(95.0, 107.0);
    }
}
