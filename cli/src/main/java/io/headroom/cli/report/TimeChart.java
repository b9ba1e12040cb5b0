package io.headroom.cli.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.LegendItem;
import org.jfree.chart.LegendItemCollection;
import org.jfree.chart.axis.DateAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.DatasetRenderingOrder;
import org.jfree.chart.plot.IntervalMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.DeviationRenderer;
import org.jfree.chart.renderer.xy.XYItemRenderer;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.renderer.xy.XYStepRenderer;
import org.jfree.chart.ui.Layer;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.chart.ui.RectangleInsets;
import org.jfree.data.xy.DefaultXYDataset;
import org.jfree.data.xy.YIntervalSeries;
import org.jfree.data.xy.YIntervalSeriesCollection;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.geom.Line2D;
import java.awt.geom.Rectangle2D;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TimeZone;

/**
 * A time-series chart rendered by JFreeChart: lines and step lines, an interval band and shaded periods over a UTC
 * time axis, with a title, axis labels with units and a legend. Long series are reduced to at most {@link #POINTS}
 * points before plotting (the bucket's maximum for lines, its envelope for bands, the share of flagged steps for
 * shading), so a month of minutes still shows every peak rather than a solid block of overdrawn segments.
 */
final class TimeChart {
    static final int WIDTH = 1200;
    static final int HEIGHT = 440;
    /** About the plot's width in pixels: more points than this would only overdraw. */
    static final int POINTS = 1000;

    private record Line(String name, Color color, double[] values, float width, boolean steps) {
    }

    private record Band(String name, Color color, double[] lower, double[] upper) {
    }

    private record Shade(String name, Color color, boolean[] mask) {
    }

    private final String title;
    private final String yLabel;
    private final Instant start;
    private final Duration step;
    private final int from;
    private final int to;
    private final int bucket;
    private final List<Line> lines = new ArrayList<>();
    private final List<Band> bands = new ArrayList<>();
    private final List<Shade> shades = new ArrayList<>();

    /** A chart of steps {@code [from, to)} of series that start at {@code start} with one value per {@code step}. */
    TimeChart(String title, String yLabel, Instant start, Duration step, int from, int to) {
        if (to <= from) {
            throw new IllegalArgumentException("empty range [" + from + ", " + to + ")");
        }
        this.title = title;
        this.yLabel = yLabel;
        this.start = start;
        this.step = step;
        this.from = from;
        this.to = to;
        this.bucket = (to - from + POINTS - 1) / POINTS;
    }

    TimeChart line(String name, Color color, double[] values) {
        lines.add(new Line(name, color, values, 1.4f, false));
        return this;
    }

    /** A step line (instance counts): horizontal until the value changes. */
    TimeChart steps(String name, Color color, double[] values, float width) {
        lines.add(new Line(name, color, values, width, true));
        return this;
    }

    TimeChart band(String name, Color color, double[] lower, double[] upper) {
        bands.add(new Band(name, color, lower, upper));
        return this;
    }

    TimeChart shade(String name, Color color, boolean[] mask) {
        shades.add(new Shade(name, color, mask));
        return this;
    }

    void write(Path file) throws IOException {
        Charts.writePng(chart(), WIDTH, HEIGHT, file);
    }

    /** The chart, built but not drawn. */
    JFreeChart chart() {
        DateAxis time = new DateAxis(timeLabel());
        time.setTimeZone(TimeZone.getTimeZone(ZoneOffset.UTC));
        time.setLocale(Locale.ROOT);
        time.setStandardTickUnits(DateAxis.createStandardDateTickUnits(TimeZone.getTimeZone(ZoneOffset.UTC), Locale.ROOT));
        time.setRange(millis(from), millis(to));
        time.setLowerMargin(0);
        time.setUpperMargin(0);
        NumberAxis value = new NumberAxis(yLabel);
        value.setAutoRangeIncludesZero(true);
        value.setUpperMargin(0.06);
        XYPlot plot = new XYPlot(null, time, value, null);
        Charts.style(plot);
        plot.setDatasetRenderingOrder(DatasetRenderingOrder.FORWARD);
        LegendItemCollection legend = new LegendItemCollection();
        Rectangle2D box = new Rectangle2D.Double(-8, -5, 16, 10);
        for (Shade s : shades) {
            shade(plot, s);
            legend.add(new LegendItem(s.name(), null, null, null, box, s.color()));
        }
        int index = 0;
        for (Band b : bands) {
            plot.setDataset(index, bandData(b));
            DeviationRenderer r = new DeviationRenderer(true, false);
            r.setAlpha(1f);
            for (int k = 0; k < plot.getDataset(index).getSeriesCount(); k++) {
                r.setSeriesPaint(k, new Color(0, 0, 0, 0)); // the band only: its centre line is another series
                r.setSeriesFillPaint(k, b.color());
            }
            plot.setRenderer(index++, r);
            legend.add(new LegendItem(b.name(), null, null, null, box, b.color()));
        }
        Line2D sample = new Line2D.Double(-10, 0, 10, 0);
        for (Line l : lines) {
            DefaultXYDataset data = new DefaultXYDataset();
            data.addSeries(l.name(), lineData(l.values()));
            plot.setDataset(index, data);
            XYItemRenderer r = l.steps() ? new XYStepRenderer() : new XYLineAndShapeRenderer(true, false);
            BasicStroke stroke = new BasicStroke(l.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND);
            r.setSeriesPaint(0, l.color());
            r.setSeriesStroke(0, stroke);
            plot.setRenderer(index++, r);
            legend.add(new LegendItem(l.name(), null, null, null, sample, new BasicStroke(3f), l.color()));
        }
        plot.setFixedLegendItems(legend);
        JFreeChart chart = new JFreeChart(title, Charts.TITLE_FONT, plot, true);
        Charts.style(chart);
        chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        chart.getLegend().setItemLabelPadding(new RectangleInsets(2, 4, 2, 16));
        return chart;
    }

    private String timeLabel() {
        DateTimeFormatter f = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC);
        return "time (UTC), " + f.format(Instant.ofEpochMilli(millis(from))) + " to " + f.format(Instant.ofEpochMilli(millis(to)))
                + ", one step per " + Charts.human(step)
                + (bucket > 1 ? " (each point is the highest of " + bucket + " steps)" : "");
    }

    private long millis(int index) {
        return start.toEpochMilli() + index * step.toMillis();
    }

    private int buckets() {
        return (to - from + bucket - 1) / bucket;
    }

    /** One point per bucket at its start time: the highest value in it, NaN where it has none (a gap). */
    private double[][] lineData(double[] v) {
        int n = buckets();
        double[][] xy = new double[2][n];
        for (int k = 0; k < n; k++) {
            int a = from + k * bucket;
            int e = Math.min(to, a + bucket);
            double m = Double.NaN;
            for (int i = a; i < e && i < v.length; i++) {
                if (!Double.isNaN(v[i]) && (Double.isNaN(m) || v[i] > m)) {
                    m = v[i];
                }
            }
            xy[0][k] = millis(a);
            xy[1][k] = m;
        }
        return xy;
    }

    /** The band's envelope per bucket, one series per run without gaps (an area cannot span a gap). */
    private YIntervalSeriesCollection bandData(Band b) {
        YIntervalSeriesCollection data = new YIntervalSeriesCollection();
        YIntervalSeries run = null;
        for (int k = 0; k < buckets(); k++) {
            int a = from + k * bucket;
            int e = Math.min(to, a + bucket);
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = a; i < e && i < b.upper().length && i < b.lower().length; i++) {
                if (!Double.isNaN(b.upper()[i]) && !Double.isNaN(b.lower()[i])) {
                    lo = Math.min(lo, b.lower()[i]);
                    hi = Math.max(hi, b.upper()[i]);
                }
            }
            if (hi < lo) {
                run = null;
                continue;
            }
            if (run == null) {
                run = new YIntervalSeries(b.name() + " " + data.getSeriesCount(), false, true);
                data.addSeries(run);
            }
            run.add(millis(a), lo, lo, hi);
        }
        return data;
    }

    /**
     * Flagged periods as background markers: one per run of buckets with the same share of flagged steps, its opacity
     * growing with that share, so a bucket covering many steps is as dark as the fraction of them that were flagged.
     */
    private void shade(XYPlot plot, Shade s) {
        int runStart = -1;
        int runAlpha = 0;
        for (int k = 0; k <= buckets(); k++) {
            int alpha = 0;
            if (k < buckets()) {
                int a = from + k * bucket;
                int e = Math.min(to, a + bucket);
                int flagged = 0;
                for (int i = a; i < e && i < s.mask().length; i++) {
                    flagged += s.mask()[i] ? 1 : 0;
                }
                alpha = flagged == 0 ? 0 : (int) Math.round(Math.max(0.2, (double) flagged / (e - a)) * 150);
            }
            if (alpha != runAlpha) {
                if (runAlpha > 0) {
                    Color c = s.color();
                    IntervalMarker m = new IntervalMarker(millis(from + runStart * bucket), millis(Math.min(to, from + k * bucket)),
                            new Color(c.getRed(), c.getGreen(), c.getBlue(), runAlpha));
                    m.setOutlinePaint(null);
                    plot.addDomainMarker(m, Layer.BACKGROUND);
                }
                runStart = k;
                runAlpha = alpha;
            }
        }
    }
}
