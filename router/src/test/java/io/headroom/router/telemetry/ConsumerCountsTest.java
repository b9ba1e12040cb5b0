package io.headroom.router.telemetry;

import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.TelemetryWindow;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ConsumerCountsTest {

    @Test
    void exactCountsPerWindowBusiestFirst() {
        ConsumerCounts c = new ConsumerCounts(8, 100);
        for (int i = 0; i < 5; i++) {
            c.record("alice", i == 0);
        }
        c.record("bob", true);
        c.record("bob", false);
        assertThat(c.delta(8)).containsExactly(new ConsumerStats("alice", 5, 1), new ConsumerStats("bob", 2, 1));
        // the next window counts only what came after
        c.record("bob", false);
        assertThat(c.delta(8)).containsExactly(new ConsumerStats("bob", 1, 0));
        assertThat(c.tracked()).as("alice idle for a window: her cell is retired").isEqualTo(1);
        assertThat(c.delta(8)).isEmpty();
        assertThat(c.tracked()).isZero();
    }

    @Test
    void topKAndTheRestSummedAsOther() {
        ConsumerCounts c = new ConsumerCounts(64, 100);
        for (int k = 1; k <= 5; k++) {
            for (int i = 0; i < k * 10; i++) {
                c.record("c" + k, i < k); // c_k: 10k requests, k rejected
            }
        }
        assertThat(c.delta(2)).containsExactly(new ConsumerStats("c5", 50, 5), new ConsumerStats("c4", 40, 4),
                new ConsumerStats(ConsumerStats.OTHER, 60, 6));
        // ties go by name
        c.record("b", false);
        c.record("a", false);
        assertThat(c.delta(1)).containsExactly(new ConsumerStats("a", 1, 0), new ConsumerStats(ConsumerStats.OTHER, 1, 0));
    }

    @Test
    void beyondTheTrackedBoundNewConsumersCountAsOther() {
        ConsumerCounts c = new ConsumerCounts(2, 2);
        c.record("a", false);
        c.record("b", false);
        c.record("c", true);
        c.record("d", false);
        assertThat(c.tracked()).isEqualTo(2);
        assertThat(c.delta(2)).containsExactly(new ConsumerStats("a", 1, 0), new ConsumerStats("b", 1, 0),
                new ConsumerStats(ConsumerStats.OTHER, 2, 1));
        assertThatThrownBy(() -> new ConsumerCounts(3, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void windowsCarryTheRoutesConsumersBoundedByTopK() {
        TelemetryAggregator agg = new TelemetryAggregator("node-1", w -> { }, Clock.fixed(Instant.ofEpochMilli(10_500), ZoneOffset.UTC), 1000);
        agg.consumerTopK(2);
        RouteTelemetry api = agg.route("api", "pool-a");
        RouteTelemetry web = agg.route("web", "pool-a");
        for (int i = 0; i < 30; i++) {
            api.consumer("gold-" + (i % 3), i % 10 == 0);
        }
        api.consumer("gold-0", false);
        web.consumer("free", true);
        List<TelemetryWindow> ws = agg.closeWindow(11_000);
        assertThat(ws.get(0).consumers()).containsExactly(new ConsumerStats("gold-0", 11, 1), new ConsumerStats("gold-1", 10, 1),
                new ConsumerStats(ConsumerStats.OTHER, 10, 1));
        assertThat(ws.get(1).consumers()).containsExactly(new ConsumerStats("free", 1, 1));
        assertThat(agg.closeWindow(12_000)).allSatisfy(w -> assertThat(w.consumers()).isEmpty());
        assertThatThrownBy(() -> agg.consumerTopK(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void pinnedConsumersAreNamedBeyondTheTopKAndTheTrackingBound() {
        ConsumerCounts c = new ConsumerCounts(2, 3);
        c.pin(java.util.Set.of("quota-z"));
        for (int k = 1; k <= 3; k++) {
            for (int i = 0; i < 10 * k; i++) {
                c.record("c" + k, false);
            }
        }
        c.record("quota-z", true); // the 4th consumer: past the bound of 3 tracked, but pinned
        c.record("quota-z", false);
        c.record("late", false);   // not pinned: counted under (other)
        assertThat(c.delta(2)).containsExactly(new ConsumerStats("c3", 30, 0), new ConsumerStats("c2", 20, 0),
                new ConsumerStats("quota-z", 2, 1), new ConsumerStats(ConsumerStats.OTHER, 11, 0));
    }
}
