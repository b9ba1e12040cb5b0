package io.headroom.router;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The yield watch ticks only while threads yield: with none for a few slow ticks it dozes, and the next yield wakes
 * it (it then sends a probe and, with no further yields, dozes again). Without that wake it would sleep for good and
 * the starvation gate would go unguarded.
 */
class ReadYieldWatchTest {

    @Test
    void theWatchDozesWhenNothingYieldsAndTheNextYieldWakesIt() throws Exception {
        yieldOnAVirtualThread(); // starts the watch if no earlier test did
        long first = awaitAbove(ReadYield::watchDozes, 0, "the watch dozes once nothing yields");

        yieldOnAVirtualThread();
        long second = awaitAbove(ReadYield::watchDozes, first, "the yield woke the watch, which dozed again after it");
        assertThat(second).isGreaterThan(first);
    }

    @Test
    void theTickIsTwoMillisecondsAndAnotherMustBeWithinTheProbesLimit() {
        String key = "headroom.read-yield.tick-ms";
        try {
            System.clearProperty(key);
            assertThat(ReadYield.tickMillis()).isEqualTo(2);
            System.setProperty(key, "1");
            assertThat(ReadYield.tickMillis()).isEqualTo(1);
            for (String bad : new String[] {"0", "6"}) {
                System.setProperty(key, bad);
                org.assertj.core.api.Assertions.assertThatThrownBy(ReadYield::tickMillis)
                        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 to 5, not " + bad);
            }
        } finally {
            System.clearProperty(key);
        }
    }

    private static void yieldOnAVirtualThread() throws InterruptedException {
        Thread t = Thread.ofVirtual().start(ReadYield::beforeNextRequest);
        t.join();
    }

    private static long awaitAbove(LongSupplier value, long floor, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long v;
        while ((v = value.getAsLong()) <= floor) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("timed out waiting until " + what + " (still " + v + ")");
            }
            Thread.sleep(5);
        }
        return v;
    }
}
