package io.headroom.datasets.progress;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ProgressBarTest {
    @Test
    void rendersBarPercentAndEta() {
        assertThat(ProgressBar.render(0.5, 10, "replay", Duration.ofSeconds(65)))
                .isEqualTo("[#####.....]  50.0% ETA 1m05s replay");
        assertThat(ProgressBar.render(2, 4, null)).isEqualTo("[####] 100.0% ETA --");
        assertThat(ProgressBar.render(Double.NaN, 3, "")).isEqualTo("[...]   0.0% ETA --");
        assertThat(ProgressBar.duration(Duration.ofHours(26))).isEqualTo("1d02h");
    }
}
