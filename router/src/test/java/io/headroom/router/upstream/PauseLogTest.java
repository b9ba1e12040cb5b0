package io.headroom.router.upstream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Pauses as the waking thread records them, and how much of a latency sample they cover; all times by hand (ms). */
class PauseLogTest {
    private static final long MS = 1_000_000L;
    /** Woken every 5 ms; a wake more than 10 ms late is a pause. */
    private final PauseLog log = new PauseLog(5 * MS, 10 * MS);

    /** The thread's regular rhythm from {@code from} to {@code to} (ms): sleeps, and wakes on time. */
    private void onTime(long from, long to) {
        for (long t = from; t < to; t += 5) {
            log.sleeps(t * MS);
            log.woke((t + 5) * MS);
        }
    }

    @Test
    void aWakeOnTimeOrSlightlyLateIsNoPause() {
        onTime(0, 100);
        log.sleeps(100 * MS);
        log.woke(114 * MS); // 9 ms late: scheduling jitter, under the threshold
        onTime(114, 200);
        assertThat(log.pauses()).isZero();
        assertThat(log.overlap(0, 200 * MS)).isZero();
        assertThat(log.withoutPauses(40 * MS, 114 * MS)).isEqualTo(40 * MS);
    }

    @Test
    void aLateWakeIsAPauseFromWhenItWasDue() {
        onTime(0, 100);
        log.sleeps(100 * MS);
        log.woke(255 * MS); // due at 105: paused 105..255
        onTime(255, 300);
        assertThat(log.pauses()).isEqualTo(1);
        assertThat(log.pausedNanos()).isEqualTo(150 * MS);
        // a 160 ms sample that spanned the whole pause measured 10 ms of backend
        assertThat(log.overlap(100 * MS, 260 * MS)).isEqualTo(150 * MS);
        assertThat(log.withoutPauses(160 * MS, 260 * MS)).isEqualTo(10 * MS);
        // partial overlaps count only their part
        assertThat(log.overlap(200 * MS, 300 * MS)).isEqualTo(55 * MS);
        assertThat(log.overlap(50 * MS, 120 * MS)).isEqualTo(15 * MS);
        // samples before or after it are untouched
        assertThat(log.withoutPauses(20 * MS, 100 * MS)).isEqualTo(20 * MS);
        assertThat(log.withoutPauses(20 * MS, 300 * MS)).isEqualTo(20 * MS);
    }

    @Test
    void aDozeIsNoPauseAndNothingIsOngoingDuringIt() {
        onTime(0, 100);
        log.dozes(); // the watchdog sleeps until woken: it is due at no time
        assertThat(log.overlap(90 * MS, 900 * MS)).as("nothing under way while it dozes").isZero();
        log.woke(1_000 * MS); // woken 900 ms later by an exchange, or at the end of its doze
        assertThat(log.pauses()).isZero();
        log.sleeps(1_000 * MS);
        log.woke(1_050 * MS); // back to its period: due at 1005, 45 ms late
        assertThat(log.pauses()).isEqualTo(1);
        assertThat(log.overlap(1_000 * MS, 1_050 * MS)).isEqualTo(45 * MS);
    }

    @Test
    void theExchangeThatEndsADozeMakesThePauseBeforeTheWatchdogRunsVisible() {
        onTime(0, 100);
        log.dozes();
        log.dueAgain(1_000 * MS); // an exchange begins at 1000 and wakes the dozing watchdog: due at 1005
        // the process stops before the watchdog runs: a sample of that exchange ending at 1500 sees the pause under way
        assertThat(log.overlap(1_000 * MS, 1_500 * MS)).isEqualTo(495 * MS);
        log.woke(1_600 * MS); // the watchdog runs at last, 595 ms late
        assertThat(log.pauses()).isEqualTo(1);
        assertThat(log.pausedNanos()).isEqualTo(595 * MS);
        log.dueAgain(1_500 * MS); // not dozing: ignored (else due at 1505, and a wake at 1606 would be 101 ms late)
        log.woke(1_606 * MS);
        assertThat(log.pauses()).as("1 ms late, not a pause").isEqualTo(1);
    }

    @Test
    void aPauseStillUnderWayCountsForSamplesEndingBeforeTheWatchdogWakes() {
        onTime(0, 100);
        log.sleeps(100 * MS); // due at 105; it has not woken by 240
        // a request thread that runs first after the stall sees the pause so far
        assertThat(log.overlap(90 * MS, 240 * MS)).isEqualTo(135 * MS);
        assertThat(log.withoutPauses(150 * MS, 240 * MS)).isEqualTo(15 * MS);
        // within the threshold it is not (yet) a pause
        assertThat(log.overlap(90 * MS, 114 * MS)).isZero();
        // once the thread wakes, the recorded pause gives the same answer, counted once
        log.woke(250 * MS);
        assertThat(log.overlap(90 * MS, 240 * MS)).isEqualTo(135 * MS);
        assertThat(log.overlap(90 * MS, 250 * MS)).isEqualTo(145 * MS);
    }

    @Test
    void severalPausesInOneSampleAddUpAndAnOldOneIsNotScanned() {
        onTime(0, 100);
        log.sleeps(100 * MS);
        log.woke(130 * MS); // 105..130
        onTime(130, 200);
        log.sleeps(200 * MS);
        log.woke(240 * MS); // 205..240
        onTime(240, 300);
        assertThat(log.pauses()).isEqualTo(2);
        assertThat(log.overlap(100 * MS, 300 * MS)).isEqualTo(25 * MS + 35 * MS);
        assertThat(log.overlap(150 * MS, 300 * MS)).isEqualTo(35 * MS);
        // never more than the sample itself, and at least 1 ns of a sample is kept
        assertThat(log.overlap(110 * MS, 120 * MS)).isEqualTo(10 * MS);
        assertThat(log.withoutPauses(10 * MS, 120 * MS)).isEqualTo(1);
    }

    @Test
    void onlyTheLastCapacityPausesAreKept() {
        long t = 0;
        for (int i = 0; i < PauseLog.CAPACITY + 10; i++) {
            log.sleeps(t * MS);
            t += 5 + 20; // due at +5, woke 20 ms late
            log.woke(t * MS);
            log.sleeps(t * MS);
            t += 5;
            log.woke(t * MS);
        }
        assertThat(log.pauses()).isEqualTo(PauseLog.CAPACITY + 10);
        assertThat(log.pausedNanos()).isEqualTo((PauseLog.CAPACITY + 10) * 20 * MS);
        // a sample over all of them sees the kept ones only
        assertThat(log.overlap(0, t * MS)).isEqualTo(PauseLog.CAPACITY * 20 * MS);
    }

    @Test
    void aSampleEndingNowWhileTheThreadIsOverdueCountsTheOverdueTime() {
        onTime(0, 100);
        log.sleeps(100 * MS);
        // asked at 130 (the thread, due at 105, has not run): 25 ms of the sample are the pause under way
        assertThat(log.overlap(100 * MS, 130 * MS)).isEqualTo(25 * MS);
    }

    @Test
    void noneNeverCountsAPause() {
        assertThat(PauseLog.NONE.overlap(0, Long.MAX_VALUE / 8)).isZero();
        assertThat(PauseLog.NONE.withoutPauses(5, 10)).isEqualTo(5);
    }
}
