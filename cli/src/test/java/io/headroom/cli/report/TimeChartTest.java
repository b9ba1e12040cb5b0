package io.headroom.cli.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.Marker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.data.xy.XYDataset;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.awt.Color;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TimeZone;

import static org.assertj.core.api.Assertions.assertThat;

/** What TimeChart hands JFreeChart: reduced series that keep their peaks, gap-split bands, shading markers, a UTC axis. */
class TimeChartTest {
    private static final Instant T0 = Instant.parse("2024-03-01T00:00:00Z");
    private static final Duration MINUTE = Duration.ofMinutes(1);

    @BeforeAll
    static void headless() {
        Charts.headless();
    }

    @Test
    void aMonthOfMinutesIsReducedToAboutAThousandPointsAndKeepsItsPeak() {
        int n = 30 * 1440;
        double[] v = new double[n];
        Arrays.fill(v, 10);
        v[12_345] = 500; // a one-minute spike
        XYPlot plot = new TimeChart("t", "requests/s", T0, MINUTE, 0, n).line("observed", Color.BLACK, v).chart().getXYPlot();
        XYDataset d = plot.getDataset(0);
        assertThat(d.getItemCount(0)).isLessThanOrEqualTo(TimeChart.POINTS).isGreaterThan(TimeChart.POINTS / 2);
        double max = 0;
        for (int i = 0; i < d.getItemCount(0); i++) {
            max = Math.max(max, d.getYValue(0, i));
        }
        assertThat(max).isEqualTo(500);
        DateAxis time = (DateAxis) plot.getDomainAxis();
        assertThat(time.getTimeZone()).isEqualTo(TimeZone.getTimeZone("UTC"));
        assertThat(time.getMinimumDate().toInstant()).isEqualTo(T0);
        assertThat(time.getLabel()).contains("time (UTC)", "each point is the highest of 44 steps");
    }

    @Test
    void aBandIsSplitAtGapsAndShadingBecomesMarkers() {
        int n = 120;
        double[] lo = new double[n];
        double[] hi = new double[n];
        boolean[] shortOf = new boolean[n];
        for (int i = 0; i < n; i++) {
            boolean gap = i >= 40 && i < 50;
            lo[i] = gap ? Double.NaN : 1;
            hi[i] = gap ? Double.NaN : 3;
            shortOf[i] = (i >= 10 && i < 15) || i == 90;
        }
        double[] ready = new double[n];
        Arrays.fill(ready, 4);
        JFreeChart chart = new TimeChart("t", "instances", T0, MINUTE, 0, n)
                .shade("short", Color.RED, shortOf)
                .band("interval", Color.ORANGE, lo, hi)
                .steps("ready", Color.BLUE, ready, 2f)
                .chart();
        XYPlot plot = chart.getXYPlot();
        assertThat(plot.getRenderer(0)).isInstanceOf(DeviationRenderer.class);
        assertThat(plot.getDataset(0).getSeriesCount()).as("band runs either side of the gap").isEqualTo(2);
        assertThat(plot.getRenderer(1)).isInstanceOf(XYStepRenderer.class);
        List<long[]> shaded = new ArrayList<>();
        for (Object o : plot.getDomainMarkers(Layer.BACKGROUND)) {
            IntervalMarker m = (IntervalMarker) o;
            shaded.add(new long[] {(long) m.getStartValue(), (long) m.getEndValue()});
        }
        assertThat(shaded).containsExactly(
                new long[] {T0.plus(MINUTE.multipliedBy(10)).toEpochMilli(), T0.plus(MINUTE.multipliedBy(15)).toEpochMilli()},
                new long[] {T0.plus(MINUTE.multipliedBy(90)).toEpochMilli(), T0.plus(MINUTE.multipliedBy(91)).toEpochMilli()});
        assertThat(plot.getFixedLegendItems().getItemCount()).isEqualTo(3);
        assertThat(plot.getFixedLegendItems().get(0).getLabel()).isEqualTo("short");
        Marker first = (Marker) plot.getDomainMarkers(Layer.BACKGROUND).iterator().next();
        assertThat(((Color) first.getPaint()).getAlpha()).as("one step per point: fully flagged").isEqualTo(150);
    }
}
