package io.headroom.router.resilience;

import io.headroom.router.config.ConcurrencyLimitConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Literal samples in, exact limits out (Gradient2's arithmetic worked by hand in each comment). */
class Gradient2LimitTest {
    private static final double MS = 1e6;

    private static Gradient2Limit limit(int initial, int min, int max, double smoothing, int queue) {
        return new Gradient2Limit(new ConcurrencyLimitConfig(true, initial, min, max, smoothing, 1.5, queue, 600,
                Duration.ofMillis(100), 1));
    }

    @Test
    void steadyLatencyGrowsTheLimitByQueueSizeTimesSmoothingWhileHalfOfItIsUsed() {
        Gradient2Limit g = limit(10, 2, 50, 0.5, 4);
        // long = 1 ms, gradient 1: next = 10 + 4 = 14, limit = 0.5 × 10 + 0.5 × 14 = 12
        assertThat(g.update(1 * MS, 10)).isEqualTo(12);
        // 0.5 × 12 + 0.5 × 16 = 14
        assertThat(g.update(1 * MS, 12)).isEqualTo(14);
        // 3 in flight < 14 / 2: the pool is not using its limit, nothing to learn about it
        assertThat(g.update(1 * MS, 3)).isEqualTo(14);
        assertThat(g.estimate()).isEqualTo(14.0);
        // long = (3 × 1 + 4) / 4 = 1.75 ms; gradient = 1.5 × 1.75 / 4 = 0.65625;
        // next = 14 × 0.65625 + 4 = 13.1875; limit = 7 + 6.59375 = 13.59375
        assertThat(g.update(4 * MS, 14)).isEqualTo(13);
        assertThat(g.estimate()).isEqualTo(13.59375);
        assertThat(g.longRttNanos()).isEqualTo(1.75 * MS);
        assertThat(g.lastRttNanos()).isEqualTo(4 * MS);
    }

    @Test
    void aSlowdownHalvesTheLimitAtMostPerUpdateDownToTheMinimum() {
        Gradient2Limit g = limit(40, 2, 100, 1.0, 0);
        for (int i = 0; i < Gradient2Limit.WARMUP; i++) {
            assertThat(g.update(1 * MS, 40)).isEqualTo(40); // gradient 1, no queue: unchanged
        }
        // long = 1 ms × (1 - 2/601) + 100 ms × 2/601 = 1.329 ms; 1.5 × 1.329 / 100 < 0.5: the gradient is held at 0.5
        assertThat(g.update(100 * MS, 40)).isEqualTo(20);
        assertThat(g.longRttNanos()).isCloseTo(1 * MS * (1 - 2.0 / 601) + 100 * MS * 2.0 / 601, within(1e-6));
        assertThat(g.update(100 * MS, 20)).isEqualTo(10);
        assertThat(g.update(100 * MS, 10)).isEqualTo(5);
        assertThat(g.update(100 * MS, 5)).isEqualTo(2); // 2.5
        assertThat(g.update(100 * MS, 2)).isEqualTo(2); // 1.25, held at min-limit
        assertThat(g.estimate()).isEqualTo(2.0);
    }

    @Test
    void withinToleranceTheLimitDoesNotShrinkAndItStopsAtTheMaximum() {
        Gradient2Limit g = limit(48, 1, 50, 1.0, 4);
        assertThat(g.update(1 * MS, 48)).isEqualTo(50); // 52, capped
        // long = 1.25 ms; 1.5 × 1.25 / 1.5 = 1.25 → gradient 1: a rise within tolerance is not queueing
        assertThat(g.update(1.5 * MS, 50)).isEqualTo(50);
    }

    @Test
    void whenLatencyFallsFarBelowTheLongTermItIsCutByFivePercentToCatchUp() {
        Gradient2Limit g = limit(10, 1, 50, 1.0, 0);
        for (int i = 0; i < Gradient2Limit.WARMUP; i++) {
            g.update(10 * MS, 0);
        }
        assertThat(g.longRttNanos()).isCloseTo(10 * MS, within(1e-6));
        g.update(1 * MS, 0);
        double f = 2.0 / 601;
        assertThat(g.longRttNanos()).isCloseTo((10 * MS * (1 - f) + 1 * MS * f) * 0.95, within(1e-6));
    }

    @Test
    void nonPositiveSamplesAreIgnored() {
        Gradient2Limit g = limit(10, 1, 50, 1.0, 4);
        assertThat(g.update(0, 10)).isEqualTo(10);
        assertThat(g.update(-5, 10)).isEqualTo(10);
        assertThat(g.update(Double.NaN, 10)).isEqualTo(10);
        assertThat(g.longRttNanos()).isZero();
    }
}
