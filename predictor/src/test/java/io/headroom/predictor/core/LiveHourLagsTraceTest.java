package io.headroom.predictor.core;

import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.evaluate.Traces;
import io.headroom.predictor.plan.PoolSettings;
import io.headroom.predictor.plan.PredictorSettings;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

import static io.headroom.predictor.core.PredictorCoreTest.ok;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The live path on a real trace: NASA 1995 per minute replayed as 1-minute telemetry windows through the history store
 * and the predictor core (1 day of minutes, retrained every 6 hours), forecasting 60 minutes ahead every 10 minutes
 * for a week, with and without the hour ring's week before the minute window. A measurement recorded in
 * docs/forecaster.md: run with {@code -Dheadroom.eval.full=true} (a few minutes).
 */
class LiveHourLagsTraceTest {
    static final int HORIZON = 60;
    static final int EVERY = 10;

    record Run(double mae, int points, Map<String, Integer> models, double coverage) {
    }

    static Run run(Traces.Series s, long fromEpoch, long toEpoch, boolean hourLags) {
        PredictorSettings settings = PredictorSettings.of(Map.of("api", new PoolSettings("api", 100, 0.8)))
                .withRetrainInterval(Duration.ofHours(6)).withHorizons(List.of(Duration.ofMinutes(HORIZON)), Duration.ofDays(1));
        PredictorCore core = PredictorCore.inline(settings, hourLags);
        double[] y = s.y();
        int from = (int) ((fromEpoch - s.startEpochSecond()) / 60);
        int to = (int) ((toEpoch - s.startEpochSecond()) / 60);
        int fed = 0;
        double sum = 0;
        int n = 0;
        int covered = 0;
        Map<String, Integer> models = new TreeMap<>();
        for (int m = from; m + HORIZON <= to; m += EVERY) {
            for (; fed < m; fed++) {
                if (!Double.isNaN(y[fed])) {
                    long start = s.startEpochSecond() + fed * 60L;
                    core.accept(new TelemetryWindow("r1", fed, start * 1000, 60_000, "api", "api", List.of(ok("b1", Math.round(y[fed])))));
                }
            }
            if (Double.isNaN(y[m - 1])) {
                continue; // an outage: no telemetry, no forecast
            }
            PredictorCore.Tick t = core.tick((s.startEpochSecond() + m * 60L) * 1000 + 1000);
            if (t.forecasts().isEmpty() || t.forecasts().getFirst().ahead().isEmpty()) {
                continue;
            }
            PoolForecast.Ahead a = t.forecasts().getFirst().ahead().getFirst();
            double actual = y[m - 1 + HORIZON];
            if (!Double.isNaN(actual)) {
                sum += Math.abs(a.mean() * 60 - actual); // requests per minute, as in the evaluation tables
                n++;
                if (actual >= a.lower() * 60 - 1e-9 && actual <= a.upper() * 60 + 1e-9) {
                    covered++;
                }
                String d = core.aheadSelection("api", Duration.ofMinutes(HORIZON)).orElseThrow().description();
                models.merge(a.model() + (d.contains("slag_10080") ? " +week" : d.contains("slag_1440") ? " +day" : ""), 1, Integer::sum);
            }
        }
        return new Run(sum / n, n, models, (double) covered / n);
    }

    @Test
    void nasaWeeksWithAndWithoutTheHourRing() throws Exception {
        assumeTrue(Files.isRegularFile(Traces.NASA), "NASA dataset not present: " + Traces.NASA);
        assumeTrue(Boolean.getBoolean("headroom.eval.full"), "slow (minutes): run with -Dheadroom.eval.full=true");
        Traces.Series nasa = Traces.nasa();
        String[][] weeks = {{"1995-07-10T00:00Z", "1995-07-17T00:00Z"}, {"1995-08-14T00:00Z", "1995-08-21T00:00Z"}};
        for (String[] w : weeks) {
            long a = Traces.epoch(w[0]);
            long b = Traces.epoch(w[1]);
            Run with = run(nasa, a, b, true);
            Run without = run(nasa, a, b, false);
            System.out.printf(Locale.ROOT, "[live-hour-lags] NASA %s..%s, 60m every %dm: with the hour ring MAE %.2f (%d points,"
                    + " 90%% interval coverage %.3f) %s; without MAE %.2f (%d, coverage %.3f) %s; ratio %.3f%n", w[0], w[1], EVERY,
                    with.mae(), with.points(), with.coverage(), with.models(), without.mae(), without.points(), without.coverage(),
                    without.models(), with.mae() / without.mae());
            assertThat(with.points()).isEqualTo(without.points()).isPositive();
            assertThat(with.models().keySet()).anyMatch(k -> k.endsWith("+week"));
            assertThat(without.models().keySet()).noneMatch(k -> k.endsWith("+week"));
            // Measured: 18.17 vs 17.86 (Jul 10-17, the launch week), 11.88 vs 12.39 (Aug 14-21): within noise, never much worse.
            assertThat(with.mae()).isLessThan(1.05 * without.mae());
        }
    }
}
