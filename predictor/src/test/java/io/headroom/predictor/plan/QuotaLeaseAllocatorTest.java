package io.headroom.predictor.plan;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.model.QuotaLease;
import io.headroom.predictor.history.InstanceTraffic;
import io.headroom.predictor.plan.QuotaLeaseAllocator.GlobalLimit;
import io.headroom.predictor.plan.QuotaLeaseAllocator.InstanceShare;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class QuotaLeaseAllocatorTest {
    private static final QuotaSettings ONE = QuotaSettings.of(Map.of("app", new GlobalLimit("app", 120, 60)));

    private static InstanceShare established(String id, double rate) {
        return new InstanceShare(id, rate, 60, 0);
    }

    private static double sum(List<QuotaLease> leases) {
        double s = 0;
        for (QuotaLease l : leases) {
            s += l.ratePerSecond();
        }
        return s;
    }

    @Test
    void skewedTrafficGetsProportionalLeasesOnTopOfAnEvenFloor() {
        List<QuotaLease> leases = QuotaLeaseAllocator.allocate(ONE,
                List.of(established("c", 10), established("a", 70), established("b", 20)));
        // reserve 10 % of 120 = 12 -> floor 4 each; the other 108 by share 70/20/10.
        assertThat(leases).extracting(QuotaLease::instanceId).containsExactly("a", "b", "c");
        assertThat(leases.get(0).ratePerSecond()).isCloseTo(4 + 75.6, within(1e-9));
        assertThat(leases.get(1).ratePerSecond()).isCloseTo(4 + 21.6, within(1e-9));
        assertThat(leases.get(2).ratePerSecond()).isCloseTo(4 + 10.8, within(1e-9));
        // Burst 60 split the same way, rounded down: 39.8, 12.8, 7.4.
        assertThat(leases).extracting(QuotaLease::burst).containsExactly(39L, 12L, 7L);
        assertThat(leases).allMatch(l -> l.consumer().equals("app"));
        assertThat(sum(leases)).isLessThanOrEqualTo(120);
    }

    @Test
    void anIdleInstanceKeepsTheFloorAndANewOneGetsOnlyTheFloor() {
        List<QuotaLease> leases = QuotaLeaseAllocator.allocate(ONE, List.of(
                established("busy", 90), established("idle", 0), new InstanceShare("new", 500, 2, 0)));
        // floor 4 each; "new" has 2 s < warm-up 3 s, so its (large) rate does not count yet.
        assertThat(leases).extracting(QuotaLease::instanceId).containsExactly("busy", "idle", "new");
        assertThat(leases).extracting(QuotaLease::ratePerSecond).containsExactly(112.0, 4.0, 4.0);
        assertThat(leases).extracting(QuotaLease::burst).containsExactly(56L, 2L, 2L);
    }

    @Test
    void instancesNotSeenForAWhileGetNothingAndTheRestShareTheirPart() {
        List<QuotaLease> leases = QuotaLeaseAllocator.allocate(ONE, List.of(
                established("a", 30), established("b", 30), new InstanceShare("gone", 100, 300, 31)));
        assertThat(leases).extracting(QuotaLease::instanceId).containsExactly("a", "b");
        assertThat(leases).extracting(QuotaLease::ratePerSecond).containsExactly(60.0, 60.0);
        // At exactly forget-after it is still live.
        assertThat(QuotaLeaseAllocator.allocate(ONE, List.of(new InstanceShare("x", 1, 300, 30)))).hasSize(1);
    }

    @Test
    void withoutEvidenceOfSharesTheLimitIsSplitEvenly() {
        List<QuotaLease> allNew = QuotaLeaseAllocator.allocate(ONE, List.of(
                new InstanceShare("a", 5, 1, 0), new InstanceShare("b", 50, 0, 0), new InstanceShare("c", 0, 2, 0)));
        assertThat(allNew).extracting(QuotaLease::ratePerSecond).containsExactly(40.0, 40.0, 40.0);
        assertThat(allNew).extracting(QuotaLease::burst).containsExactly(20L, 20L, 20L);
        assertThat(QuotaLeaseAllocator.allocate(ONE, List.of())).isEmpty();
    }

    @Test
    void everyConsumerIsSplitByTheSameSharesAndSortedByConsumer() {
        QuotaSettings two = QuotaSettings.of(Map.of("z", new GlobalLimit("z", 10, 1), "m", new GlobalLimit("m", 1000, 100)))
                .withReserve(0);
        List<QuotaLease> leases = QuotaLeaseAllocator.allocate(two, List.of(established("r1", 75), established("r2", 25)));
        assertThat(leases).extracting(l -> l.consumer() + "@" + l.instanceId() + "=" + l.ratePerSecond() + "/" + l.burst())
                .containsExactly("m@r1=750.0/75", "m@r2=250.0/25", "z@r1=7.5/1", "z@r2=2.5/1");
    }

    @Test
    void theSumNeverExceedsTheGlobalRateAndNoLiveInstanceStarves() {
        Random rnd = new Random(42);
        for (int round = 0; round < 2000; round++) {
            double rate = 0.1 + rnd.nextDouble() * 10_000;
            double reserve = rnd.nextInt(4) == 0 ? 0.1 : rnd.nextDouble();
            QuotaSettings s = QuotaSettings.of(Map.of("c", new GlobalLimit("c", rate, 1 + rnd.nextInt(500)))).withReserve(reserve);
            List<InstanceShare> in = new ArrayList<>();
            int n = 1 + rnd.nextInt(12);
            for (int i = 0; i < n; i++) {
                in.add(new InstanceShare("i" + i, rnd.nextInt(5) == 0 ? 0 : rnd.nextDouble() * 1e4, rnd.nextInt(10), rnd.nextInt(40)));
            }
            List<QuotaLease> leases = QuotaLeaseAllocator.allocate(s, in);
            long live = in.stream().filter(i -> i.secondsSinceSeen() <= 30).count();
            assertThat(leases).as("round %d", round).hasSize((int) live);
            assertThat(sum(leases)).as("round %d: sum of %s", round, leases).isLessThanOrEqualTo(rate);
            for (QuotaLease l : leases) {
                assertThat(l.ratePerSecond()).as("round %d: %s", round, l).isGreaterThanOrEqualTo(rate * reserve / live * (1 - 1e-9));
                assertThat(l.burst()).isPositive();
            }
        }
    }

    @Test
    void instanceTrafficSmoothsSharesAndTracksFirstAndLastSeen() {
        InstanceTraffic t = new InstanceTraffic(60, 16);
        t.add("a", 99, 3); // a partial first second: not averaged once later ones exist
        t.add("b", 99, 1);
        for (long s = 100; s <= 109; s++) {
            t.add("a", s, 70);
            t.add("b", s, 30);
        }
        t.add("b", 109, 10); // a second window of the same second (another route) adds up
        t.add("c", 109, 5);
        t.add("d", 80, 9); // last seen 29 s before 109
        List<InstanceTraffic.Rate> r = t.rates(109, 5);
        assertThat(r).extracting(InstanceTraffic.Rate::instanceId).containsExactly("a", "b", "c", "d");
        assertThat(r.get(0).requestsPerSecond()).isCloseTo(70, within(1e-9));
        assertThat(r.get(0).secondsObserved()).isEqualTo(11);
        assertThat(r.get(0).secondsSinceSeen()).isZero();
        assertThat(r.get(1).requestsPerSecond()).isGreaterThan(30).isLessThan(40); // the newest second, 40, weighs most
        assertThat(r.get(2).requestsPerSecond()).isCloseTo(5, within(1e-9));
        assertThat(r.get(2).secondsObserved()).isEqualTo(1);
        assertThat(r.get(3).secondsSinceSeen()).isEqualTo(29);
        // A second in which an instance reported nothing counts as zero: a stops, its rate halves after one half-life.
        for (long s = 110; s <= 114; s++) {
            t.add("b", s, 30);
        }
        assertThat(t.rates(114, 5).get(0).requestsPerSecond()).isLessThan(70 * 0.6).isGreaterThan(70 * 0.3);
        assertThat(t.rates(114, 5).get(0).secondsSinceSeen()).isEqualTo(5);
        // Back after longer than the ring: it warms up again.
        t.add("d", 200, 1);
        assertThat(t.rates(200, 5).get(3).secondsObserved()).isEqualTo(1);
    }

    @Test
    void instanceTrafficIsBounded() {
        InstanceTraffic t = new InstanceTraffic(10, 2);
        t.add("old", 1, 1);
        t.add("mid", 2, 1);
        t.add("new", 3, 1);
        assertThat(t.rates(3, 5)).extracting(InstanceTraffic.Rate::instanceId).containsExactly("mid", "new");
    }

    @Test
    void quotasAreParsedFromThePredictorSection() {
        PredictorSettings s = PredictorSettings.from(ConfigNode.parse("headroom.yaml", """
                predictor:
                  quotas:
                    app: 100/s
                    partner: {rate: 6000/m, burst: 200}
                    bare: 2.5
                  quota-leases: {reserve: 0.2, half-life: 10s, warm-up: 0s, forget-after: 1m}
                """));
        QuotaSettings q = s.quotas();
        assertThat(q.limits()).containsOnlyKeys("app", "partner", "bare");
        assertThat(q.limits().get("app")).isEqualTo(new GlobalLimit("app", 100, 100));
        assertThat(q.limits().get("partner")).isEqualTo(new GlobalLimit("partner", 100, 200));
        assertThat(q.limits().get("bare")).isEqualTo(new GlobalLimit("bare", 2.5, 3));
        assertThat(q.reserve()).isEqualTo(0.2);
        assertThat(q.halfLife()).isEqualTo(Duration.ofSeconds(10));
        assertThat(q.warmUp()).isZero();
        assertThat(q.forgetAfter()).isEqualTo(Duration.ofMinutes(1));

        QuotaSettings defaults = PredictorSettings.from(ConfigNode.parse("headroom.yaml", "predictor: {}\n")).quotas();
        assertThat(defaults.isEmpty()).isTrue();
        assertThat(defaults.reserve()).isEqualTo(0.1);
    }

    @Test
    void theExampleInTheGatewayDocParses() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/gateway.md"));
        int from = doc.indexOf("```yaml\npredictor:\n  quotas:") + 8;
        assertThat(from).as("the predictor.quotas example in docs/gateway.md").isGreaterThan(8);
        QuotaSettings q = PredictorSettings.from(ConfigNode.parse("gateway.md", doc.substring(from, doc.indexOf("```", from)))).quotas();
        assertThat(q.limits()).containsEntry("mobile-app", new GlobalLimit("mobile-app", 100, 100))
                .containsEntry("partner", new GlobalLimit("partner", 100, 200));
        assertThat(q).isEqualTo(QuotaSettings.of(q.limits()));
    }

    @Test
    void badQuotasAreReportedAtTheirLine() {
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("headroom.yaml", """
                predictor:
                  quotas:
                    app: 100/x
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:3")
                .hasMessageContaining("not a positive rate").hasMessageContaining("100/s");
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("headroom.yaml", """
                predictor:
                  quotas:
                    app: {burst: 5}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:3").hasMessageContaining("no rate");
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("headroom.yaml", """
                predictor:
                  quotas:
                    app: {rate: 0/s}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:3");
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("headroom.yaml", """
                predictor:
                  quota-leases:
                    reserv: 0.1
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:3");
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("headroom.yaml", """
                predictor:
                  quota-leases:
                    reserve: 1.5
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:3");
    }

    @Test
    void eachConsumerIsSplitByItsOwnSharePerInstance() {
        QuotaSettings two = QuotaSettings.of(Map.of("a", new GlobalLimit("a", 100, 100), "b", new GlobalLimit("b", 50, 10)));
        // Both instances carry the same total traffic, but a comes 80/20 and b 10/90.
        List<QuotaLease> leases = QuotaLeaseAllocator.allocate(two, List.of(
                new InstanceShare("r1", 100, 60, 0, Map.of("a", 80.0, "b", 5.0)),
                new InstanceShare("r2", 100, 60, 0, Map.of("a", 20.0, "b", 45.0))));
        // a: floor 10 % of 100 / 2 = 5 each, 90 by 80/20; b: floor 2.5 each, 45 by 10/90.
        assertThat(leases).extracting(l -> l.consumer() + "@" + l.instanceId()).containsExactly("a@r1", "a@r2", "b@r1", "b@r2");
        assertThat(leases.get(0).ratePerSecond()).isCloseTo(5 + 72, within(1e-9));
        assertThat(leases.get(1).ratePerSecond()).isCloseTo(5 + 18, within(1e-9));
        assertThat(leases.get(2).ratePerSecond()).isCloseTo(2.5 + 4.5, within(1e-9));
        assertThat(leases.get(3).ratePerSecond()).isCloseTo(2.5 + 40.5, within(1e-9));
        assertThat(leases).extracting(QuotaLease::burst).containsExactly(77L, 23L, 1L, 8L);
    }

    @Test
    void aConsumerNoInstanceReportedFallsBackToTheInstanceShareAndAnAbsentOneKeepsTheFloor() {
        QuotaSettings two = QuotaSettings.of(Map.of("a", new GlobalLimit("a", 100, 100), "b", new GlobalLimit("b", 100, 100)));
        List<QuotaLease> leases = QuotaLeaseAllocator.allocate(two, List.of(
                new InstanceShare("r1", 75, 60, 0, Map.of("a", 30.0)),
                new InstanceShare("r2", 25, 60, 0, Map.of())));
        // a: only r1 reported it, so r2 has none of a's traffic: the floor only.
        assertThat(leases.get(0).ratePerSecond()).isCloseTo(95, within(1e-9));
        assertThat(leases.get(1).ratePerSecond()).isCloseTo(5, within(1e-9));
        // b: no instance reported it: the instances' shares of all traffic, 75/25.
        assertThat(leases.get(2).ratePerSecond()).isCloseTo(5 + 67.5, within(1e-9));
        assertThat(leases.get(3).ratePerSecond()).isCloseTo(5 + 22.5, within(1e-9));
        // the consumer's own share counts only on established instances, as the instance share does
        List<QuotaLease> warming = QuotaLeaseAllocator.allocate(two, List.of(
                new InstanceShare("r1", 75, 60, 0, Map.of("a", 30.0)),
                new InstanceShare("r2", 25, 1, 0, Map.of("a", 300.0))));
        assertThat(warming.get(0).ratePerSecond()).isCloseTo(95, within(1e-9));
        assertThat(warming.get(1).ratePerSecond()).isCloseTo(5, within(1e-9));
        assertThatThrownBy(() -> new InstanceShare("r", 1, 1, 0, Map.of("a", -1.0))).isInstanceOf(IllegalArgumentException.class);
    }
}
