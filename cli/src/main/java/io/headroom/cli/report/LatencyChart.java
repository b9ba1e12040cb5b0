package io.headroom.cli.report;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.List;

/** Grouped bars of latency percentiles (ms), corrected and uncorrected, from a live replay. */
final class LatencyChart {
    private static final int W = 900;
    private static final int H = 380;
    private static final int LEFT = 78;
    private static final int TOP = 44;
    private static final int BOTTOM = 70;

    private LatencyChart() {
    }

    static BufferedImage render(String title, List<String> labels, double[] corrected, double[] uncorrected) {
        BufferedImage img = new BufferedImage(W, H, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, W, H);
            int pw = W - LEFT - 24;
            int ph = H - TOP - BOTTOM;
            double max = 0;
            for (int i = 0; i < labels.size(); i++) {
                max = Math.max(max, Math.max(corrected[i], uncorrected[i]));
            }
            double yMax = TimeChart.niceCeil(max * 1.1);
            double tick = TimeChart.niceStep(yMax / 5);
            yMax = Math.ceil(yMax / tick - 1e-9) * tick;
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            FontMetrics fm = g.getFontMetrics();
            for (double v = 0; v <= yMax + tick / 2; v += tick) {
                int y = TOP + ph - (int) Math.round(v / yMax * ph);
                g.setColor(new Color(225, 225, 225));
                g.drawLine(LEFT, y, LEFT + pw, y);
                g.setColor(Color.DARK_GRAY);
                String s = Charts.number(v);
                g.drawString(s, LEFT - 6 - fm.stringWidth(s), y + 4);
            }
            int groups = labels.size();
            int gw = pw / groups;
            Color c1 = new Color(31, 119, 180);
            Color c2 = new Color(255, 127, 14);
            for (int i = 0; i < groups; i++) {
                int x = LEFT + i * gw + gw / 6;
                int bw = gw / 3;
                bar(g, fm, x, bw, corrected[i], yMax, ph, c1);
                bar(g, fm, x + bw, bw, uncorrected[i], yMax, ph, c2);
                g.setColor(Color.BLACK);
                g.drawString(labels.get(i), LEFT + i * gw + gw / 2 - fm.stringWidth(labels.get(i)) / 2, TOP + ph + 18);
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, pw, ph);
            g.drawString("percentile", LEFT + pw / 2 - fm.stringWidth("percentile") / 2, TOP + ph + 36);
            Graphics2D r = (Graphics2D) g.create();
            r.rotate(-Math.PI / 2);
            r.drawString("latency (ms)", -(TOP + ph / 2 + 35), 16);
            r.dispose();
            int ly = TOP + ph + 58;
            g.setColor(c1);
            g.fillRect(LEFT, ly - 10, 22, 12);
            g.setColor(Color.BLACK);
            g.drawString("corrected (from intended send time)", LEFT + 28, ly);
            int x2 = LEFT + 60 + fm.stringWidth("corrected (from intended send time)");
            g.setColor(c2);
            g.fillRect(x2, ly - 10, 22, 12);
            g.setColor(Color.BLACK);
            g.drawString("uncorrected (from actual send)", x2 + 28, ly);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, LEFT, 26);
        } finally {
            g.dispose();
        }
        return img;
    }

    private static void bar(Graphics2D g, FontMetrics fm, int x, int w, double v, double yMax, int ph, Color c) {
        int h = (int) Math.round(v / yMax * ph);
        g.setColor(c);
        g.fillRect(x, TOP + ph - h, w - 2, Math.max(1, h));
        g.setColor(Color.BLACK);
        String s = Charts.number(v);
        g.drawString(s, x + (w - 2) / 2 - fm.stringWidth(s) / 2, TOP + ph - h - 4);
    }
}
