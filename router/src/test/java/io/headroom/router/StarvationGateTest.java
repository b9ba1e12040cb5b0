package io.headroom.router;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StarvationGateTest {
    private static final long MS = 1_000_000;

    @Test
    void noProbeWhileNothingYields() {
        StarvationGate gate = new StarvationGate(5 * MS);
        assertThat(gate.tick(0, false)).isFalse();
        assertThat(gate.tick(20 * MS, false)).isFalse();
        assertThat(gate.probePending()).isFalse();
        assertThat(gate.open()).isTrue();
    }

    @Test
    void aProbeServedInTimeKeepsTheGateOpen() {
        StarvationGate gate = new StarvationGate(5 * MS);
        assertThat(gate.tick(0, true)).as("yields since the last probe: wake the probe").isTrue();
        assertThat(gate.probePending()).isTrue();
        assertThat(gate.tick(MS, true)).as("no second probe while one is pending").isFalse();
        gate.probeRan(2 * MS);
        assertThat(gate.open()).isTrue();
        assertThat(gate.probePending()).isFalse();
        assertThat(gate.longestWaitNanos()).isEqualTo(2 * MS);
        assertThat(gate.tick(3 * MS, true)).isTrue();
        assertThat(gate.tick(4 * MS, true)).isFalse();
        gate.probeRan(4 * MS + 10);
        assertThat(gate.longestWaitNanos()).as("the longest wait is kept").isEqualTo(2 * MS);
        assertThat(gate.closings()).isZero();
    }

    @Test
    void aProbeWaitingPastTheLimitClosesTheGateUntilItRuns() {
        StarvationGate gate = new StarvationGate(5 * MS);
        assertThat(gate.tick(0, true)).isTrue();
        assertThat(gate.tick(5 * MS, true)).as("at the limit: still open").isFalse();
        assertThat(gate.open()).isTrue();
        assertThat(gate.tick(5 * MS + 1, true)).isFalse();
        assertThat(gate.open()).as("past the limit: yields stop").isFalse();
        assertThat(gate.tick(9 * MS, true)).isFalse();
        assertThat(gate.closings()).as("closed once, not once per tick").isEqualTo(1);
        gate.probeRan(12 * MS);
        assertThat(gate.open()).isTrue();
        assertThat(gate.longestWaitNanos()).isEqualTo(12 * MS);
        assertThat(gate.tick(13 * MS, false)).as("nothing yielded while closed: no new probe").isFalse();
        assertThat(gate.tick(14 * MS, true)).as("yields again: a new probe").isTrue();
    }

    @Test
    void aSpuriousProbeWakeUpChangesNothing() {
        StarvationGate gate = new StarvationGate(5 * MS);
        gate.probeRan(MS);
        assertThat(gate.longestWaitNanos()).isZero();
        assertThat(gate.tick(2 * MS, true)).isTrue();
        assertThat(gate.tick(8 * MS, true)).isFalse();
        assertThat(gate.open()).isFalse();
        gate.probeRan(9 * MS);
        gate.probeRan(10 * MS);
        assertThat(gate.longestWaitNanos()).isEqualTo(7 * MS);
        assertThat(gate.open()).isTrue();
    }

    @Test
    void theLimitMustBePositive() {
        assertThatThrownBy(() -> new StarvationGate(0)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("positive");
    }
}
