package io.headroom.predictor.forecast;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConformalWindowTest {

    @Test
    void theIntervalFollowsResidualsOnlyOnceTheirTargetsAreKnown() {
        ConformalWindow w = new ConformalWindow(0.9, 10);
        double[] seed = new double[20];
        java.util.Arrays.fill(seed, 1.0);
        w.seed(seed);
        assertThat(w.q()).isEqualTo(1.0);
        // Forecasts of 100 from origin 50 on, horizon 3; from target index 52 the series is 120 (residual 20).
        int from = 50;
        int h = 3;
        double[] y = new double[80];
        java.util.Arrays.fill(y, 100);
        for (int i = 52; i < y.length; i++) {
            y[i] = 120;
        }
        double[] points = new double[25];
        java.util.Arrays.fill(points, 100);
        Forecast[] f = w.intervals(y, points, from, h, 0.5);
        // Origin 50's target (index 52) is known from origin 53 on: until then only the seed counts.
        assertThat(f[0].upper() - f[0].mean()).isEqualTo(1.0);
        assertThat(f[2].upper() - f[2].mean()).isEqualTo(1.0);
        // At origin 53 one residual of 20 joined 9 of the seed's 1s: the 0.9 quantile of 10 is the largest.
        assertThat(f[3].upper() - f[3].mean()).isEqualTo(20.0);
        // Later the window holds only the new level of error.
        assertThat(f[24].upper() - f[24].mean()).isEqualTo(20.0);
        assertThat(f[24].lower()).isEqualTo(80.0);
    }

    @Test
    void withNothingToCalibrateOnTheIntervalIsAFractionOfTheForecast() {
        ConformalWindow w = new ConformalWindow(0.9, 10);
        assertThat(w.q()).isNaN();
        Forecast[] f = w.intervals(new double[] {1, 1, 1}, new double[] {10, Double.NaN}, 1, 5, 0.5);
        assertThat(f[0]).isEqualTo(new Forecast(10, 5, 15));
        assertThat(f[1]).isNull();
    }
}
