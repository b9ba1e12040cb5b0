package io.headroom.cli.report;

import io.headroom.cli.evaluate.DemandSeries;
import io.headroom.cli.evaluate.Evaluation;
import io.headroom.cli.evaluate.PolicyResult;

import java.awt.Color;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes an evaluation as {@code index.html} plus PNG charts: observed vs forecast rate with the interval band (whole
 * trace and the busiest hours), desired vs ready instances for the predictive and reactive policies with their
 * under-provisioned periods shaded, latency percentiles of a live replay when given, and the summary tables. The charts
 * are JFreeChart charts rendered off screen ({@code java.awt.headless}), so no display is needed.
 */
public final class ReportWriter {
    static final Color OBSERVED = new Color(40, 40, 40);
    static final Color FORECAST = new Color(230, 110, 0);
    static final Color BAND = new Color(255, 205, 150);
    static final Color NEEDED = new Color(120, 120, 120);
    static final Color PREDICTIVE = new Color(31, 119, 180);
    static final Color REACTIVE = new Color(214, 39, 40);
    static final Color PREDICTIVE_ASKED = new Color(140, 190, 235);
    static final Color REACTIVE_ASKED = new Color(250, 160, 60);
    static final Color STATIC = new Color(44, 160, 44);
    static final Color SHORT_REACTIVE = new Color(250, 120, 120);
    static final Color SHORT_PREDICTIVE = new Color(90, 150, 230);
    /** Hours either side of the peak in the zoomed charts. */
    static final int ZOOM_HOURS = 6;

    private ReportWriter() {
    }

    /** The files written, index.html first. */
    public static List<Path> write(Evaluation e, Path out, Path replayJson) throws IOException {
        Charts.headless();
        Files.createDirectories(out);
        DemandSeries d = e.demand();
        int n = d.length();
        double[] observed = new double[n];
        double[] needed = new double[n];
        for (int i = 0; i < n; i++) {
            observed[i] = d.rate(i);
            needed[i] = d.rate(i) / e.capacityPerInstance();
        }
        int peak = d.peakIndex();
        int zoom = (int) Math.max(1, ZOOM_HOURS * 3_600_000L / d.step().toMillis());
        int zFrom = Math.max(0, peak - zoom);
        int zTo = Math.min(n, peak + zoom);
        String unit = "requests/s";
        List<Path> files = new ArrayList<>();
        List<String[]> figures = new ArrayList<>(); // file, caption

        String lead = Charts.human(e.settings().leadTime());
        String cov = String.format(Locale.ROOT, "%.0f%%", 100 * e.settings().coverage());
        for (boolean zoomed : new boolean[] {false, true}) {
            int a = zoomed ? zFrom : 0;
            int b = zoomed ? zTo : n;
            String file = zoomed ? "forecast-peak.png" : "forecast-overview.png";
            new TimeChart((zoomed ? "Busiest hours: " : "") + "observed vs forecast rate, forecast made " + lead + " ahead", unit,
                    d.start(), d.step(), a, b)
                    .band(cov + " interval", BAND, clip(e.forecastLower(), n), clip(e.forecastUpper(), n))
                    .line("forecast (mean)", FORECAST, clip(e.forecastMean(), n))
                    .line("observed", OBSERVED, observed)
                    .write(out.resolve(file));
            files.add(out.resolve(file));
            figures.add(new String[] {file, (zoomed ? "The " + 2 * ZOOM_HOURS + " hours around the peak. " : "The whole trace. ")
                    + "Black: the recorded rate. Orange: what the predictor forecast for that minute, " + lead
                    + " earlier, with its " + cov + " interval (the predictive policy sizes on the upper edge)."});
        }
        for (String name : new String[] {"predictive", "reactive"}) {
            PolicyResult p = e.policies().get(name);
            Color c = name.equals("predictive") ? PREDICTIVE : REACTIVE;
            String file = "instances-" + name + ".png";
            new TimeChart("Busiest hours, " + name + " policy: instances asked for vs ready (lead time " + lead + ")", "instances",
                    d.start(), d.step(), zFrom, zTo)
                    .shade("under-provisioned (demand above ready capacity)", name.equals("predictive") ? SHORT_PREDICTIVE : SHORT_REACTIVE,
                            mask(e, p))
                    .steps("needed at 100% (demand / capacity)", NEEDED, needed, 1.2f)
                    .steps("asked for", name.equals("predictive") ? PREDICTIVE_ASKED : REACTIVE_ASKED, toDouble(p.target()), 1.4f)
                    .steps("ready", c, toDouble(p.ready()), 2.2f)
                    .write(out.resolve(file));
            files.add(out.resolve(file));
            figures.add(new String[] {file, "The " + 2 * ZOOM_HOURS + " hours around the peak under the " + name
                    + " policy. Instances asked for become ready one lead time later; shaded minutes had more demand than the"
                    + " ready instances could serve (" + Evaluation.class.getSimpleName().toLowerCase(Locale.ROOT) + " field"
                    + " underprovisioned_minutes)."});
        }
        String file = "instances-overview.png";
        new TimeChart("Whole trace: ready instances per policy", "instances", d.start(), d.step(), 0, n)
                .shade("reactive under-provisioned", SHORT_REACTIVE, mask(e, e.reactive()))
                .shade("predictive under-provisioned", SHORT_PREDICTIVE, mask(e, e.predictive()))
                .steps("static", STATIC, toDouble(e.staticFleetResult().ready()), 1.6f)
                .steps("reactive", REACTIVE, toDouble(e.reactive().ready()), 1.2f)
                .steps("predictive", PREDICTIVE, toDouble(e.predictive().ready()), 1.2f)
                .write(out.resolve(file));
        files.add(out.resolve(file));
        figures.add(new String[] {file, "Ready instances of the three policies over the whole trace, with each policy's"
                + " under-provisioned minutes shaded (predictive drawn over reactive); each pixel column covers many minutes, and"
                + " the darker its shade, the larger the share of them that were under-provisioned."});

        String replayHtml = "";
        if (replayJson != null) {
            Object r = MiniJson.parse(Files.readString(replayJson));
            List<String> labels = List.of("p50", "p90", "p99", "p99.9", "max");
            String[] keys = {"p50", "p90", "p99", "p999", "max"};
            double[] corr = new double[keys.length];
            double[] unc = new double[keys.length];
            for (int k = 0; k < keys.length; k++) {
                corr[k] = num(MiniJson.at(r, "latencyMs.corrected." + keys[k]));
                unc[k] = num(MiniJson.at(r, "latencyMs.uncorrected." + keys[k]));
            }
            String lf = "latency.png";
            LatencyChart.write("Live replay latency percentiles", labels, corr, unc, out.resolve(lf));
            files.add(out.resolve(lf));
            figures.add(new String[] {lf, "Client-side latency of the live replay in " + replayJson.getFileName()
                    + "; corrected percentiles count from each request's intended send time (open loop)."});
            replayHtml = replayTable(r, labels, corr, unc);
        }
        Path index = out.resolve("index.html");
        Files.writeString(index, html(e, figures, replayHtml, replayJson));
        files.add(0, index);
        return files;
    }

    private static double[] clip(double[] v, int n) {
        return java.util.Arrays.copyOf(v, n);
    }

    private static boolean[] mask(Evaluation e, PolicyResult p) {
        boolean[] m = new boolean[e.demand().length()];
        for (int i = 0; i < m.length; i++) {
            m[i] = p.underprovisionedAt(e.demand(), e.capacityPerInstance(), i);
        }
        return m;
    }

    private static double[] toDouble(int[] v) {
        double[] d = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            d[i] = v[i];
        }
        return d;
    }

    private static double num(Object o) {
        return o instanceof Double d ? d : Double.NaN;
    }

    private static String replayTable(Object r, List<String> labels, double[] corr, double[] unc) {
        StringBuilder b = new StringBuilder("<table><tr><th></th>");
        for (String l : labels) {
            b.append("<th>").append(esc(l)).append(" ms</th>");
        }
        b.append("</tr><tr><td>corrected</td>");
        for (double v : corr) {
            b.append("<td>").append(fmt(v)).append("</td>");
        }
        b.append("</tr><tr><td>uncorrected</td>");
        for (double v : unc) {
            b.append("<td>").append(fmt(v)).append("</td>");
        }
        b.append("</tr></table>\n<p>");
        for (String k : new String[] {"trace", "speedup", "scheduled", "sent", "completed", "skipped", "errors", "fellBehind"}) {
            Object v = MiniJson.at(r, k);
            b.append(esc(k)).append(": <b>").append(esc(v instanceof Double dv ? fmt(dv) : String.valueOf(v))).append("</b>; ");
        }
        Object status = MiniJson.at(r, "status");
        if (status instanceof Map<?, ?> m) {
            b.append("status classes: ").append(esc(m.toString()));
        }
        return b.append("</p>\n").toString();
    }

    private static String html(Evaluation e, List<String[]> figures, String replayHtml, Path replayJson) {
        DemandSeries d = e.demand();
        StringBuilder b = new StringBuilder(8192);
        b.append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>Headroom report: ")
                .append(esc(d.name())).append("</title>\n<style>\n")
                .append("body{font-family:system-ui,sans-serif;margin:2em auto;max-width:1240px;color:#222}")
                .append("table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:right}")
                .append("th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}img{max-width:100%;border:1px solid #ddd}")
                .append("figure{margin:1.5em 0}figcaption{color:#555;font-size:90%}.warn{color:#a00;font-weight:bold}\n")
                .append("</style></head><body>\n");
        b.append("<h1>Headroom what-if report: ").append(esc(d.name())).append("</h1>\n");
        if (d.synthetic()) {
            b.append("<p class=\"warn\">SYNTHETIC workload: generated, not recorded traffic.</p>\n");
        }
        b.append("<p>").append(esc(d.description())).append("</p>\n");
        b.append("<h2>Summary</h2>\n<table><tr><th>policy</th><th>under-provisioned minutes</th><th>excess requests</th>")
                .append("<th>instance-minutes</th><th>mean utilisation</th><th>scale-ups</th></tr>\n");
        for (PolicyResult p : e.policies().values()) {
            b.append("<tr><td>").append(esc(p.name())).append("</td><td>").append(fmt(p.underprovisionedMinutes())).append("</td><td>")
                    .append(fmt(p.excessRequests())).append("</td><td>").append(fmt(p.instanceMinutes())).append("</td><td>")
                    .append(String.format(Locale.ROOT, "%.1f%%", 100 * p.meanUtilization())).append("</td><td>").append(p.scaleUps())
                    .append("</td></tr>\n");
        }
        b.append("</table>\n");
        double ur = e.underprovisionedRatio();
        b.append("<p>Predictive vs reactive: <b>").append(Double.isNaN(ur) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * ur))
                .append("</b> of the under-provisioned minutes at <b>")
                .append(String.format(Locale.ROOT, "%.0f%%", 100 * e.instanceMinutesRatio()))
                .append("</b> of the instance-minutes (goal: at most 15% at at most 90%: ")
                .append(e.meetsGoal() ? "met" : "not met").append(").</p>\n");
        b.append("<p>Perfect foresight (never short, sized at 100%) needs ").append(fmt(e.oracleInstanceMinutes()))
                .append(" instance-minutes, <b>").append(String.format(Locale.ROOT, "%.1f%%", 100 * e.oracleRatio()))
                .append("</b> of reactive's").append(e.goalWithinBound() ? "." : ": the goal's 90% is out of reach for any policy on this trace.")
                .append("</p>\n");
        b.append("<h2>Settings</h2>\n<table>\n");
        row(b, "trace span", d.start() + " to " + d.timeOf(d.length()) + " (UTC)");
        row(b, "steps", d.length() + " of " + Charts.human(d.step()) + ", " + d.recordedSteps() + " recorded (gaps are not scored)");
        row(b, "peak rate", String.format(Locale.ROOT, "%.2f req/s", d.peakRate()));
        row(b, "lead time", Charts.human(e.settings().leadTime()) + " (" + e.leadSteps() + " steps): instances are ready this long after they are asked for");
        row(b, "capacity per instance", String.format(Locale.ROOT, "%.4g req/s", e.capacityPerInstance()));
        row(b, "target utilisation", String.format(Locale.ROOT, "%.0f%%", 100 * e.settings().targetUtilisation()));
        row(b, "static fleet", e.staticFleet() + " instances (the peak at 100%)");
        row(b, "forecaster", e.retrains() + " retrains, every " + Charts.human(e.settings().retrainEvery()) + " of simulated time; season "
                + e.seasonSteps() + " steps; steps per model " + e.stepsByModel() + "; last selection: " + e.lastSelection());
        row(b, "evaluated in", String.format(Locale.ROOT, "%.1f s", e.elapsed().toMillis() / 1000.0));
        b.append("</table>\n<h2>Charts</h2>\n");
        for (String[] f : figures) {
            b.append("<figure><img src=\"").append(esc(f[0])).append("\" alt=\"").append(esc(f[0])).append("\">")
                    .append("<figcaption>").append(esc(f[1])).append("</figcaption></figure>\n");
        }
        if (!replayHtml.isEmpty()) {
            b.append("<h2>Live replay latency</h2>\n<p>From ").append(esc(String.valueOf(replayJson))).append("</p>\n").append(replayHtml);
        } else {
            b.append("<h2>Live replay latency</h2>\n<p>No live replay given (pass <code>--replay-json FILE</code>, written by ")
                    .append("<code>headroom replay --json</code> or the demo).</p>\n");
        }
        b.append("<h2>Fields</h2>\n<ul><li><b>under-provisioned minutes</b>: minutes with more demand than the ready instances serve at 100%.</li>")
                .append("<li><b>excess requests</b>: the demand above the ready capacity, summed over those minutes.</li>")
                .append("<li><b>instance-minutes</b>: instances asked for (starting or ready) times minutes: what a cloud bills.</li>")
                .append("<li><b>mean utilisation</b>: mean over minutes of min(1, demand / ready capacity).</li></ul>\n");
        // Once the page has loaded, each chart says whether it loaded (data-loaded, data-natural-width, read by
        // ReportBrowserTest), and a chart that did not gets a visible note instead of a silent broken image.
        b.append("<script>\naddEventListener('load', () => {\n")
                .append("  for (const img of document.images) {\n")
                .append("    const ok = img.complete && img.naturalWidth > 0;\n")
                .append("    img.dataset.loaded = ok;\n")
                .append("    img.dataset.naturalWidth = img.naturalWidth;\n")
                .append("    if (!ok) {\n")
                .append("      const p = document.createElement('p');\n")
                .append("      p.className = 'warn';\n")
                .append("      p.textContent = 'Chart ' + img.getAttribute('src') + ' did not load: keep the PNG files next to index.html.';\n")
                .append("      img.after(p);\n")
                .append("    }\n  }\n")
                .append("  document.body.dataset.charts = document.images.length;\n")
                .append("});\n</script>\n");
        return b.append("</body></html>\n").toString();
    }

    private static void row(StringBuilder b, String k, String v) {
        b.append("<tr><td>").append(esc(k)).append("</td><td style=\"text-align:left\">").append(esc(v)).append("</td></tr>\n");
    }

    private static String fmt(double v) {
        if (Double.isNaN(v)) {
            return "n/a";
        }
        return Math.abs(v - Math.rint(v)) < 1e-9 ? String.format(Locale.ROOT, "%,d", (long) Math.rint(v))
                : String.format(Locale.ROOT, "%,.1f", v);
    }

    /** HTML-escapes text for element content and attribute values. */
    static String esc(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '&' -> b.append("&amp;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&#39;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
