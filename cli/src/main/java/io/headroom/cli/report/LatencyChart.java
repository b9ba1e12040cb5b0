package io.headroom.cli.report;

import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.CategoryAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.labels.StandardCategoryItemLabelGenerator;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.RectangleEdge;
import org.jfree.data.category.DefaultCategoryDataset;

import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.util.List;
import java.util.Locale;

/**
 * Grouped bars of latency percentiles (ms), corrected and uncorrected, from a live replay, rendered by JFreeChart; in
 * purples, so they are not mistaken for the policy colours of the other charts.
 */
final class LatencyChart {
    static final int WIDTH = 900;
    static final int HEIGHT = 400;
    static final String CORRECTED = "corrected (from intended send time)";
    static final String UNCORRECTED = "uncorrected (from actual send)";
    static final Color CORRECTED_COLOR = new Color(118, 78, 166);
    static final Color UNCORRECTED_COLOR = new Color(190, 170, 215);

    private LatencyChart() {
    }

    /** The chart, built but not drawn; a NaN value (a percentile the JSON lacks) leaves its bar out. */
    static JFreeChart chart(String title, List<String> labels, double[] corrected, double[] uncorrected) {
        DefaultCategoryDataset data = new DefaultCategoryDataset();
        for (int i = 0; i < labels.size(); i++) {
            data.addValue(Double.isNaN(corrected[i]) ? null : corrected[i], CORRECTED, labels.get(i));
            data.addValue(Double.isNaN(uncorrected[i]) ? null : uncorrected[i], UNCORRECTED, labels.get(i));
        }
        NumberAxis ms = new NumberAxis("latency (ms)");
        ms.setUpperMargin(0.12); // room for the value labels above the bars
        BarRenderer bars = new BarRenderer();
        bars.setBarPainter(new StandardBarPainter());
        bars.setShadowVisible(false);
        bars.setItemMargin(0.04);
        bars.setSeriesPaint(0, CORRECTED_COLOR);
        bars.setSeriesPaint(1, UNCORRECTED_COLOR);
        bars.setDefaultItemLabelGenerator(new StandardCategoryItemLabelGenerator("{2}",
                new DecimalFormat("#,##0.##", DecimalFormatSymbols.getInstance(Locale.ROOT))));
        bars.setDefaultItemLabelsVisible(true);
        bars.setDefaultItemLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        CategoryPlot plot = new CategoryPlot(data, new CategoryAxis("percentile"), ms, bars);
        plot.setOrientation(PlotOrientation.VERTICAL);
        Charts.style(plot);
        JFreeChart chart = new JFreeChart(title, Charts.TITLE_FONT, plot, true);
        Charts.style(chart);
        chart.getLegend().setPosition(RectangleEdge.BOTTOM);
        return chart;
    }

    static void write(String title, List<String> labels, double[] corrected, double[] uncorrected, Path file) throws IOException {
        Charts.writePng(chart(title, labels, corrected, uncorrected), WIDTH, HEIGHT, file);
    }
}
