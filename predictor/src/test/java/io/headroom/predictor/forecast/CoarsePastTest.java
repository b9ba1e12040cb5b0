package io.headroom.predictor.forecast;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Hourly means before a per-minute history, as the seasonal lags read them. */
class CoarsePastTest {
    static final long H0 = 1_700_006_400L; // an hour boundary

    @Test
    void unknownHoursAtTheEndsAreTrimmedAndValuesAreReadByTheHourOrBetweenHourMiddles() {
        CoarsePast p = CoarsePast.of(H0, 3600, new double[] {Double.NaN, 10, 20, Double.NaN, 40, Double.NaN});
        assertThat(p.startEpochSecond()).isEqualTo(H0 + 3600);
        assertThat(p.means()).hasSize(4);
        assertThat(p.endEpochSecond()).isEqualTo(H0 + 5 * 3600);
        assertThat(p.at(H0 + 3600)).isEqualTo(10);
        assertThat(p.at(H0 + 3600 - 1)).isNaN();
        assertThat(p.at(H0 + 5 * 3600)).isNaN();
        // The middle of an hour reads its mean; its boundary with a known neighbour, the mean of the two.
        assertThat(p.interpolated(H0 + 3600 + 1800)).isCloseTo(10, within(0.01));
        assertThat(p.interpolated(H0 + 2 * 3600)).isCloseTo(15, within(0.01));
        assertThat(p.interpolated(H0 + 2 * 3600 + 2700)).isCloseTo(20, within(0.01)); // next hour unknown: its own mean
        assertThat(p.interpolated(H0 + 3 * 3600 + 100)).isNaN();
        assertThat(CoarsePast.of(H0, 3600, new double[] {Double.NaN})).isEqualTo(CoarsePast.NONE);
    }

    @Test
    void aSeasonalLagBeforeTheHistoryReadsThePastAndIsKeptWhenThePastCoversIt() {
        TimeAxis minutes = new TimeAxis(H0 + 7 * 86_400L, 60);
        LagFeatureSchema schema = new LagFeatureSchema(10, new int[] {5, 15, 60}, 0, new int[] {minutes.weekSteps()}, false);
        double[] y = new double[1440];
        Arrays.fill(y, 100);
        int h = 60;
        // A day of minutes: too short for a weekly lag on its own.
        assertThat(schema.fitting(y.length, h, 60, minutes).seasonalLags()).isEmpty();
        double[] hours = new double[7 * 24];
        Arrays.fill(hours, 100);
        hours[9] = 400; // 09:00-12:00 of the first day of the past: a surge
        hours[10] = 400;
        hours[11] = 400;
        TimeAxis withPast = minutes.withPast(CoarsePast.of(H0, 3600, hours));
        assertThat(withPast.pastSteps()).isEqualTo(7 * 1440);
        LagFeatureSchema fitted = schema.fitting(y.length, h, 60, withPast);
        assertThat(fitted.seasonalLags()).containsExactly(10_080);
        double[] f = new double[fitted.size()];
        int slag = Arrays.asList(fitted.names()).indexOf("slag_10080");
        int t = 10 * 60 + 30 - h; // the target is 10:30 of the history's day; a week before it, the surge
        fitted.compute(y, t, h, 100, withPast, f);
        assertThat(f[slag]).as("the surge hour a week before the target, over scale, minus the level").isCloseTo(3, within(1e-9));
        fitted.compute(y, t, h, 100, minutes, f);
        assertThat(f[slag]).as("no past: no information").isZero();
    }
}
