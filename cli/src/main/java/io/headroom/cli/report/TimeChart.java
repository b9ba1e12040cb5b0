package io.headroom.cli.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A time-series chart drawn with java.awt: lines, an interval band and shaded periods over a time axis, with a title,
 * axis labels with units, UTC time labels and a legend. Long series are reduced per pixel column (the column's
 * maximum for lines, its envelope for bands, any-of for shading), so a month of minutes still shows every peak.
 */
final class TimeChart {
    static final int WIDTH = 1200;
    static final int HEIGHT = 420;
    private static final int LEFT = 78;
    private static final int RIGHT = 24;
    private static final int TOP = 44;
    private static final int BOTTOM = 84;

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
        Charts.writePng(render(), file);
    }

    BufferedImage render() {
        BufferedImage img = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, WIDTH, HEIGHT);
            int pw = WIDTH - LEFT - RIGHT;
            int ph = HEIGHT - TOP - BOTTOM;
            double yMax = niceCeil(maxValue() * 1.05);
            double yTick = niceStep(yMax / 5);
            yMax = Math.ceil(yMax / yTick - 1e-9) * yTick;
            // shading first, behind everything
            for (Shade s : shades) {
                // a column covering many steps is shaded in proportion to its share of flagged steps
                for (int px = 0; px < pw; px++) {
                    int a = idx(px, pw);
                    int b = Math.max(a + 1, idx(px + 1, pw));
                    int k = 0;
                    for (int i = a; i < b && i < s.mask().length; i++) {
                        k += s.mask()[i] ? 1 : 0;
                    }
                    if (k > 0) {
                        int alpha = (int) Math.round(Math.max(0.2, (double) k / (b - a)) * 150);
                        Color c = s.color();
                        g.setColor(new Color(c.getRed(), c.getGreen(), c.getBlue(), alpha));
                        g.fillRect(LEFT + px, TOP, 1, ph);
                    }
                }
            }
            // grid and y axis
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            FontMetrics fm = g.getFontMetrics();
            for (double v = 0; v <= yMax + yTick / 2; v += yTick) {
                int y = TOP + ph - (int) Math.round(v / yMax * ph);
                g.setColor(new Color(225, 225, 225));
                g.drawLine(LEFT, y, LEFT + pw, y);
                g.setColor(Color.DARK_GRAY);
                String label = Charts.number(v);
                g.drawString(label, LEFT - 6 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
            }
            timeAxis(g, fm, pw, ph);
            for (Band b : bands) {
                drawBand(g, b, pw, ph, yMax);
            }
            for (Line l : lines) {
                drawLine(g, l, pw, ph, yMax);
            }
            g.setColor(Color.BLACK);
            g.drawRect(LEFT, TOP, pw, ph);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
            g.drawString(title, LEFT, 26);
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
            Graphics2D r = (Graphics2D) g.create();
            r.rotate(-Math.PI / 2);
            r.drawString(yLabel, -(TOP + ph / 2 + fm.stringWidth(yLabel) / 2), 16);
            r.dispose();
            legend(g, fm, ph);
        } finally {
            g.dispose();
        }
        return img;
    }

    private int idx(int px, int pw) {
        return from + (int) ((long) px * (to - from) / pw);
    }

    private double maxValue() {
        double m = 0;
        for (Line l : lines) {
            m = Math.max(m, max(l.values()));
        }
        for (Band b : bands) {
            m = Math.max(m, max(b.upper()));
        }
        return m > 0 ? m : 1;
    }

    private double max(double[] v) {
        double m = 0;
        for (int i = from; i < to && i < v.length; i++) {
            if (!Double.isNaN(v[i])) {
                m = Math.max(m, v[i]);
            }
        }
        return m;
    }

    private void drawBand(Graphics2D g, Band b, int pw, int ph, double yMax) {
        g.setColor(b.color());
        for (int px = 0; px < pw; px++) {
            int a = idx(px, pw);
            int e = Math.max(a + 1, idx(px + 1, pw));
            double lo = Double.POSITIVE_INFINITY;
            double hi = Double.NEGATIVE_INFINITY;
            for (int i = a; i < e && i < b.upper().length; i++) {
                if (!Double.isNaN(b.upper()[i])) {
                    lo = Math.min(lo, b.lower()[i]);
                    hi = Math.max(hi, b.upper()[i]);
                }
            }
            if (hi >= lo) {
                int y1 = y(hi, ph, yMax);
                int y0 = y(lo, ph, yMax);
                g.fillRect(LEFT + px, y1, 1, Math.max(1, y0 - y1));
            }
        }
    }

    private void drawLine(Graphics2D g, Line l, int pw, int ph, double yMax) {
        g.setColor(l.color());
        g.setStroke(new BasicStroke(l.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND));
        Path2D.Double path = new Path2D.Double();
        boolean open = false;
        double lastY = 0;
        for (int px = 0; px < pw; px++) {
            int a = idx(px, pw);
            int e = Math.max(a + 1, idx(px + 1, pw));
            double m = Double.NaN;
            for (int i = a; i < e && i < l.values().length; i++) {
                double v = l.values()[i];
                if (!Double.isNaN(v) && (Double.isNaN(m) || v > m)) {
                    m = v;
                }
            }
            if (Double.isNaN(m)) {
                open = false; // a gap breaks the line
                continue;
            }
            double y = y(m, ph, yMax);
            double x = LEFT + px + 0.5;
            if (!open) {
                path.moveTo(x, y);
                open = true;
            } else if (l.steps()) {
                path.lineTo(x, lastY);
                path.lineTo(x, y);
            } else {
                path.lineTo(x, y);
            }
            lastY = y;
        }
        g.draw(path);
        g.setStroke(new BasicStroke(1f));
    }

    private int y(double v, int ph, double yMax) {
        return TOP + ph - (int) Math.round(Math.max(0, Math.min(v, yMax)) / yMax * ph);
    }

    private void timeAxis(Graphics2D g, FontMetrics fm, int pw, int ph) {
        long spanMs = step.toMillis() * (long) (to - from);
        long[] candidates = {60_000L, 300_000L, 900_000L, 1_800_000L, 3_600_000L, 3 * 3_600_000L, 6 * 3_600_000L, 12 * 3_600_000L,
                86_400_000L, 2 * 86_400_000L, 7 * 86_400_000L, 14 * 86_400_000L};
        long tick = candidates[candidates.length - 1];
        for (long c : candidates) {
            if (spanMs / c <= 10) {
                tick = c;
                break;
            }
        }
        DateTimeFormatter fmt = DateTimeFormatter.ofPattern(tick >= 86_400_000L ? "MM-dd" : "MM-dd HH:mm", Locale.ROOT)
                .withZone(ZoneOffset.UTC);
        long t0 = start.toEpochMilli() + from * step.toMillis();
        long t1 = t0 + spanMs;
        for (long t = Math.floorDiv(t0 + tick - 1, tick) * tick; t <= t1; t += tick) {
            int x = LEFT + (int) Math.round((double) (t - t0) / spanMs * pw);
            g.setColor(new Color(235, 235, 235));
            g.drawLine(x, TOP, x, TOP + ph);
            g.setColor(Color.DARK_GRAY);
            g.drawLine(x, TOP + ph, x, TOP + ph + 4);
            String s = fmt.format(Instant.ofEpochMilli(t));
            g.drawString(s, x - fm.stringWidth(s) / 2, TOP + ph + 18);
        }
        String axis = "time (UTC), " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT).withZone(ZoneOffset.UTC)
                .format(Instant.ofEpochMilli(t0)) + " to " + DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm", Locale.ROOT)
                .withZone(ZoneOffset.UTC).format(Instant.ofEpochMilli(t1)) + ", one point per " + Charts.human(step)
                + ((to - from) > pw ? " (each pixel shows the highest of " + ((to - from + pw - 1) / pw) + " steps)" : "");
        g.drawString(axis, LEFT + pw / 2 - fm.stringWidth(axis) / 2, TOP + ph + 36);
    }

    private void legend(Graphics2D g, FontMetrics fm, int ph) {
        int x = LEFT;
        int y = TOP + ph + 62;
        for (Shade s : shades) {
            x = legendItem(g, fm, x, y, s.name(), s.color(), true);
        }
        for (Band b : bands) {
            x = legendItem(g, fm, x, y, b.name(), b.color(), true);
        }
        for (Line l : lines) {
            x = legendItem(g, fm, x, y, l.name(), l.color(), false);
        }
    }

    private int legendItem(Graphics2D g, FontMetrics fm, int x, int y, String name, Color c, boolean box) {
        g.setColor(c);
        if (box) {
            g.fillRect(x, y - 10, 22, 12);
            g.setColor(Color.GRAY);
            g.drawRect(x, y - 10, 22, 12);
        } else {
            g.setStroke(new BasicStroke(3f));
            g.drawLine(x, y - 4, x + 22, y - 4);
            g.setStroke(new BasicStroke(1f));
        }
        g.setColor(Color.BLACK);
        g.drawString(name, x + 28, y);
        return x + 28 + fm.stringWidth(name) + 22;
    }

    static double niceCeil(double v) {
        if (!(v > 0)) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    static double niceStep(double v) {
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[] {1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
