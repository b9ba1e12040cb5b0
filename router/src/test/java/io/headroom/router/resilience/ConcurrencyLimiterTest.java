package io.headroom.router.resilience;

import io.headroom.router.config.ConcurrencyLimitConfig;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Admission at the limit, and windows of samples driven by a hand-moved clock. */
class ConcurrencyLimiterTest {
    private static final long MS = 1_000_000L;

    @Test
    void admitsUpToTheLimitAndCountsRefusals() {
        ConcurrencyLimiter l = new ConcurrencyLimiter(new ConcurrencyLimitConfig(true, 3, 1, 10, 1.0, 1.5, 0, 600,
                Duration.ofMillis(100), 1), new ManualTicker());
        assertThat(l.tryAcquire()).isTrue();
        assertThat(l.tryAcquire()).isTrue();
        assertThat(l.tryAcquire()).isTrue();
        assertThat(l.tryAcquire()).isFalse();
        assertThat(l.tryAcquire()).isFalse();
        assertThat(l.inFlight()).isEqualTo(3);
        assertThat(l.rejected()).isEqualTo(2);
        l.release();
        assertThat(l.tryAcquire()).isTrue();
        assertThat(l.tryAcquire()).isFalse();
        assertThat(l.rejected()).isEqualTo(3);
    }

    @Test
    void theLimitMovesOncePerWindowOfEnoughTimeAndSamples() {
        ManualTicker t = new ManualTicker(1_000 * MS);
        ConcurrencyLimiter l = new ConcurrencyLimiter(new ConcurrencyLimitConfig(true, 10, 2, 50, 1.0, 1.5, 0, 600,
                Duration.ofMillis(100), 3), t);
        for (int i = 0; i < 10; i++) {
            assertThat(l.tryAcquire()).isTrue();
        }
        l.sample(1 * MS);
        l.sample(1 * MS);
        l.sample(1 * MS);
        assertThat(l.status().updates()).isZero(); // three samples, but the window is not 100 ms old
        t.advance(Duration.ofMillis(100));
        l.sample(1 * MS);
        // window: mean 1 ms, 10 in flight; gradient 1, queue 0: 10
        assertThat(l.status()).isEqualTo(new ConcurrencyLimiter.Status(10, 10, 0, 1.0, 1.0, 1));

        // the backend slows down to 100 ms
        t.advance(Duration.ofMillis(100));
        l.sample(100 * MS);
        l.sample(100 * MS);
        assertThat(l.limit()).isEqualTo(10); // two samples < min-samples
        l.sample(100 * MS);
        // long = (1 + 100) / 2 = 50.5 ms; gradient = 1.5 × 50.5 / 100 = 0.7575; 10 × 0.7575 = 7.575
        assertThat(l.limit()).isEqualTo(7);
        assertThat(l.tryAcquire()).isFalse();
        for (int i = 0; i < 3; i++) {
            l.release();
        }
        assertThat(l.tryAcquire()).isFalse(); // 7 in flight
        l.release();
        assertThat(l.tryAcquire()).isTrue();
        ConcurrencyLimiter.Status s = l.status();
        assertThat(s.limit()).isEqualTo(7);
        assertThat(s.inFlight()).isEqualTo(7);
        assertThat(s.rejected()).isEqualTo(2);
        assertThat(s.lastRttMs()).isEqualTo(100.0);
        assertThat(s.longRttMs()).isEqualTo(50.5);
        assertThat(s.updates()).isEqualTo(2);
    }
}
