package io.headroom.cli.report;

import io.headroom.cli.evaluate.DemandSeries;
import io.headroom.cli.evaluate.EvaluationSettings;
import io.headroom.cli.evaluate.WhatIfEvaluator;
import io.headroom.datasets.synthetic.SyntheticWorkload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The report in a real browser: headless Chromium (Debian's package, installed by .ci/run) opens index.html from disk;
 * the DOM it ends with says every chart image loaded with its natural size (the page's load script writes that into
 * data attributes), and its screenshot holds the charts' coloured pixels. A copy of the report without its PNG files
 * is the control: there the page marks every chart as not loaded, and none of the series colours reach the screen.
 */
@Timeout(300)
class ReportBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final String REPLAY = """
            {"trace":"synthetic","speedup":60,"scheduled":100,"sent":100,"completed":100,"skipped":0,"errors":0,"fellBehind":false,
             "status":{"2xx":100},
             "latencyMs":{"corrected":{"p50":10.1,"p90":14.0,"p99":19.7,"p999":25.0,"max":30.2},
                          "uncorrected":{"p50":9.0,"p90":12.0,"p99":15.0,"p999":20.0,"max":22.0}}}
            """;
    private static final Pattern IMG = Pattern.compile("<img\\b[^>]*>");
    /** Tall enough that the whole page, all six charts included, is in the screenshot. */
    private static final String WINDOW = "--window-size=1280,6000";

    @TempDir
    Path tmp;

    @Test
    void chromiumLoadsAndDrawsEveryChart() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM), "chromium is not installed (.ci/run installs it: apt-get install chromium)");
        Path replay = tmp.resolve("replay.json");
        Files.writeString(replay, REPLAY);
        Path out = tmp.resolve("report");
        List<Path> files = ReportWriter.write(WhatIfEvaluator.evaluate(DemandSeries.read(SyntheticWorkload.defaults(2), null),
                EvaluationSettings.defaults(Duration.ofMinutes(3))), out, replay);
        List<Path> charts = files.subList(1, files.size());
        assertThat(charts).hasSize(6);
        String url = out.resolve("index.html").toUri().toString();

        String dom = chromium(List.of("--dump-dom", url));
        assertThat(dom).contains("data-charts=\"6\"");
        List<String> imgs = images(dom);
        assertThat(imgs).hasSize(6);
        for (Path chart : charts) {
            BufferedImage png = ImageIO.read(chart.toFile());
            String img = imgs.stream().filter(t -> t.contains("src=\"" + chart.getFileName() + "\"")).findFirst()
                    .orElseThrow(() -> new AssertionError("no <img> for " + chart.getFileName() + " in " + imgs));
            assertThat(img).as(chart.getFileName().toString()).contains("data-loaded=\"true\"")
                    .contains("data-natural-width=\"" + png.getWidth() + "\"");
        }
        assertThat(dom).as("the page's note under a chart that did not load").doesNotContain("<p class=\"warn\">Chart ");

        BufferedImage shot = screenshot(url, "report");
        int drawn = Pixels.coloured(shot);
        // Each chart alone has thousands of coloured pixels (ReportWriterTest); six of them far more.
        assertThat(drawn).as("coloured pixels in the screenshot of the report").isGreaterThan(30_000);
        // The colours of the series themselves reach the screen: the forecast band and the predictive policy's line.
        assertThat(Pixels.ofColour(shot, ReportWriter.BAND.getRGB())).as("forecast interval band pixels").isGreaterThan(2_000);
        assertThat(Pixels.ofColour(shot, ReportWriter.PREDICTIVE.getRGB())).as("predictive ready-instances pixels").isGreaterThan(500);
        assertThat(Pixels.ofColour(shot, LatencyChart.CORRECTED_COLOR.getRGB())).as("latency bar pixels").isGreaterThan(2_000);

        // The control: the same page without its PNG files.
        Path bare = tmp.resolve("bare");
        Files.createDirectories(bare);
        Files.copy(out.resolve("index.html"), bare.resolve("index.html"));
        String bareUrl = bare.resolve("index.html").toUri().toString();
        String bareDom = chromium(List.of("--dump-dom", bareUrl));
        assertThat(images(bareDom)).hasSize(6).allSatisfy(t -> assertThat(t).contains("data-loaded=\"false\""));
        assertThat(bareDom).contains("<p class=\"warn\">Chart forecast-overview.png did not load: keep the PNG files next to index.html.</p>");
        BufferedImage bareShot = screenshot(bareUrl, "bare");
        // Only the red notes under the missing charts are coloured there; none of the series colours appear.
        assertThat(Pixels.coloured(bareShot)).as("coloured pixels without the charts").isLessThan(drawn / 3);
        assertThat(Pixels.ofColour(bareShot, ReportWriter.BAND.getRGB())).as("band pixels without the charts").isZero();
        assertThat(Pixels.ofColour(bareShot, ReportWriter.PREDICTIVE.getRGB())).as("predictive pixels without the charts").isZero();
        assertThat(Pixels.ofColour(bareShot, LatencyChart.CORRECTED_COLOR.getRGB())).as("latency bar pixels without the charts").isZero();
    }

    private static List<String> images(String dom) {
        List<String> tags = new ArrayList<>();
        Matcher m = IMG.matcher(dom);
        while (m.find()) {
            tags.add(m.group());
        }
        return tags;
    }

    private BufferedImage screenshot(String url, String name) throws Exception {
        Path png = tmp.resolve(name + "-screenshot.png");
        chromium(List.of("--screenshot=" + png, WINDOW, "--hide-scrollbars", url));
        BufferedImage img = ImageIO.read(png.toFile());
        assertThat(img).as("screenshot written").isNotNull();
        // Kept for a person to look at: cli/target/report-screenshot.png
        Files.copy(png, Path.of("target", name + "-screenshot.png"), StandardCopyOption.REPLACE_EXISTING);
        return img;
    }

    private String chromium(List<String> extra) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--allow-file-access-from-files", "--user-data-dir=" + tmp.resolve("chromium-profile-" + System.nanoTime()),
                "--virtual-time-budget=10000"));
        cmd.addAll(extra);
        File out = tmp.resolve("chromium-" + System.nanoTime() + ".out").toFile();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(false).redirectOutput(out)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("chromium did not finish within 120 s: " + cmd);
        }
        return Files.readString(out.toPath());
    }
}
