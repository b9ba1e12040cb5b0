package io.headroom.router.resilience;

import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class RetryBudgetTest {
    @Test
    void twentyPercentOfRequestsPlusAFloorPerSecond() {
        ManualTicker t = new ManualTicker();
        RetryBudget b = new RetryBudget(20, 3, t);
        for (int i = 0; i < 100; i++) {
            b.deposit();
        }
        int granted = 0;
        while (b.tryWithdraw()) {
            granted++;
        }
        assertThat(granted).isEqualTo(20 + 3);
        t.advance(Duration.ofSeconds(1));
        granted = 0;
        while (b.tryWithdraw()) {
            granted++;
        }
        assertThat(granted).isEqualTo(3); // a new second: the floor again, nothing banked
    }

    @Test
    void zeroPercentAndZeroFloorNeverRetries() {
        RetryBudget b = new RetryBudget(0, 0, new ManualTicker());
        b.deposit();
        assertThat(b.tryWithdraw()).isFalse();
    }
}
