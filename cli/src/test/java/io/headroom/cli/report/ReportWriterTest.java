package io.headroom.cli.report;

import io.headroom.cli.evaluate.DemandSeries;
import io.headroom.cli.evaluate.Evaluation;
import io.headroom.cli.evaluate.EvaluationSettings;
import io.headroom.cli.evaluate.WhatIfEvaluator;
import io.headroom.datasets.synthetic.SyntheticWorkload;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class ReportWriterTest {
    private static final String REPLAY = """
            {"trace":"t<1>","description":"d","synthetic":false,"speedup":60,"maxInFlight":1024,"scheduled":100,"sent":100,
             "completed":100,"skipped":0,"lateSends":0,"behind":0,"fellBehind":false,"abandoned":0,"errors":0,
             "status":{"1xx":0,"2xx":100,"3xx":0,"4xx":0,"5xx":0},"maxLagMs":1.5,"stopReason":null,
             "latencyMs":{"corrected":{"count":100,"p50":10.1,"p90":14.0,"p99":19.7,"p999":25.0,"max":30.2,"mean":11.0},
                          "uncorrected":{"count":100,"p50":9.0,"p90":12.0,"p99":15.0,"p999":20.0,"max":22.0,"mean":9.5}}}
            """;

    @Test
    void writesHtmlAndLegiblePngCharts(@TempDir Path dir) throws Exception {
        Evaluation e = WhatIfEvaluator.evaluate(DemandSeries.read(SyntheticWorkload.defaults(3), null),
                EvaluationSettings.defaults(Duration.ofMinutes(3)));
        Path replay = dir.resolve("replay.json");
        Files.writeString(replay, REPLAY);
        Path out = dir.resolve("report");
        List<Path> files = ReportWriter.write(e, out, replay);

        assertThat(files.get(0)).isEqualTo(out.resolve("index.html"));
        String html = Files.readString(files.get(0));
        assertThat(html).contains("SYNTHETIC", "<td>predictive</td>", "<td>reactive</td>", "<td>static</td>", "19.7", "Perfect foresight (never short, sized at 100%) needs");
        for (Path png : files.subList(1, files.size())) {
            assertThat(html).contains("src=\"" + png.getFileName() + "\"");
            BufferedImage img = ImageIO.read(png.toFile());
            assertThat(img).as(png.toString()).isNotNull();
            assertThat(Pixels.coloured(img)).as("coloured plot pixels in " + png.getFileName()).isGreaterThan(2000);
        }
        assertThat(files).extracting(p -> p.getFileName().toString()).contains("forecast-overview.png", "forecast-peak.png",
                "instances-predictive.png", "instances-reactive.png", "instances-overview.png", "latency.png");
    }

    @Test
    void withoutAReplayThereIsNoLatencyChartAndTextIsEscaped(@TempDir Path dir) throws Exception {
        double[] c = new double[300];
        for (int i = 0; i < c.length; i++) {
            c[i] = i < 150 ? 100 : 400;
        }
        DemandSeries d = new DemandSeries("<script>x</script>", "a & b", false, java.time.Instant.parse("2024-01-01T00:00:00Z"),
                Duration.ofMinutes(1), c);
        List<Path> files = ReportWriter.write(WhatIfEvaluator.evaluate(d, EvaluationSettings.defaults(Duration.ofMinutes(3))), dir,
                null);
        String html = Files.readString(files.get(0));
        assertThat(html).doesNotContain("<script>x").contains("&lt;script&gt;x&lt;/script&gt;", "a &amp; b", "No live replay given");
        assertThat(files).extracting(p -> p.getFileName().toString()).doesNotContain("latency.png");
    }

    @Test
    void miniJsonReadsNestedValues() {
        Object r = MiniJson.parse(REPLAY);
        assertThat(MiniJson.at(r, "latencyMs.corrected.p99")).isEqualTo(19.7);
        assertThat(MiniJson.at(r, "trace")).isEqualTo("t<1>");
        assertThat(MiniJson.at(r, "stopReason")).isNull();
    }
}
