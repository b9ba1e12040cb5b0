package io.headroom.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@Timeout(60)
class ReportCommandTest {
    @Test
    void reportWritesIndexAndCharts(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("r");
        String stdout = AutoscaleCommandTest.run("report", "--dataset", AutoscaleCommandTest.stepCsv(dir).toString(), "--out",
                out.toString(), "--lead-time", "3m");
        assertThat(stdout).contains("report written to");
        assertThat(out.resolve("index.html")).exists();
        assertThat(ImageIO.read(out.resolve("instances-reactive.png").toFile())).isNotNull();
        assertThat(Files.readString(out.resolve("index.html"))).contains("instances-reactive.png");
    }

    @Test
    void missingReplayJsonIsAnEnvironmentError(@TempDir Path dir) throws Exception {
        int rc = Headroom.commandLine().execute("report", "--dataset", AutoscaleCommandTest.stepCsv(dir).toString(), "--out",
                dir.resolve("r").toString(), "--replay-json", dir.resolve("nope.json").toString());
        assertThat(rc).isEqualTo(ExitCodes.ENVIRONMENT);
    }
}
