package io.headroom.router.l4;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.router.config.HostPort;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.headroom.router.l4.EdgeMembership.Outcome.APPLIED;
import static io.headroom.router.l4.EdgeMembership.Outcome.EXPIRED;
import static io.headroom.router.l4.EdgeMembership.Outcome.OTHER_SCOPE;
import static io.headroom.router.l4.EdgeMembership.Outcome.OTHER_SOURCE;
import static io.headroom.router.l4.EdgeMembership.Outcome.STALE_EPOCH;
import static org.assertj.core.api.Assertions.assertThat;

/** Fail-static membership from autoscaler plans, on a hand-moved clock. */
class EdgeMembershipTest {
    private final EdgeServerTest.MutableClock clock = new EdgeServerTest.MutableClock(1_000_000);
    private final EdgeMembership m = new EdgeMembership("gateways", List.of(HostPort.parse("10.0.0.1:8080")),
            EdgeConfig.BalancerType.LEAST_CONNECTIONS, clock, 7);

    private ControlPlan plan(String scope, String source, long epoch, long ttlMillis, String... members) {
        long now = clock.millis();
        return new ControlPlan(scope, source, epoch, now, now + ttlMillis, Map.of(), List.of(), List.of(members), "test");
    }

    private ControlPlan autoscaler(long epoch, long ttlMillis, String... members) {
        return plan("pool:gateways", ControlPlan.SOURCE_AUTOSCALER, epoch, ttlMillis, members);
    }

    @Test
    void staticMembersUntilAPlanAddsSome() {
        assertThat(m.snapshot().addresses()).containsExactly("10.0.0.1:8080");
        assertThat(m.snapshot().autoscalerEpoch()).isEqualTo(-1);
        assertThat(m.apply(autoscaler(5, 30_000, "10.0.0.2:8080", "10.0.0.1:8080", "10.0.0.3:8080"))).isEqualTo(APPLIED);
        assertThat(m.snapshot().addresses()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080", "10.0.0.3:8080");
        assertThat(m.snapshot().autoscalerEpoch()).isEqualTo(5);
        assertThat(m.snapshot().balancer().members()).hasSize(3);
    }

    @Test
    void epochsMustIncreaseAndOtherPlansAreIgnored() {
        assertThat(m.apply(autoscaler(5, 30_000, "10.0.0.2:8080"))).isEqualTo(APPLIED);
        assertThat(m.apply(autoscaler(5, 30_000, "10.0.0.9:8080"))).isEqualTo(STALE_EPOCH);
        assertThat(m.apply(autoscaler(4, 30_000, "10.0.0.9:8080"))).isEqualTo(STALE_EPOCH);
        assertThat(m.apply(plan("pool:api", ControlPlan.SOURCE_AUTOSCALER, 9, 30_000, "10.0.0.9:8080"))).isEqualTo(OTHER_SCOPE);
        assertThat(m.apply(plan("pool:gateways", ControlPlan.SOURCE_PREDICTOR, 9, 30_000))).isEqualTo(OTHER_SOURCE);
        assertThat(m.apply(autoscaler(9, 0))).isEqualTo(EXPIRED); // expired on arrival
        assertThat(m.snapshot().addresses()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
        assertThat(m.lastEpoch()).isEqualTo(5);
        assertThat(m.apply(autoscaler(6, 30_000, "10.0.0.3:8080"))).isEqualTo(APPLIED);
        assertThat(m.snapshot().addresses()).containsExactly("10.0.0.1:8080", "10.0.0.3:8080");
    }

    @Test
    void expiryFallsBackToStaticMembersAndTheEpochIsRemembered() {
        assertThat(m.apply(autoscaler(5, 30_000, "10.0.0.2:8080"))).isEqualTo(APPLIED);
        clock.advance(Duration.ofSeconds(29));
        assertThat(m.expire()).isZero();
        assertThat(m.snapshot().members()).hasSize(2);
        clock.advance(Duration.ofSeconds(1));
        assertThat(m.expire()).isEqualTo(1);
        assertThat(m.snapshot().addresses()).containsExactly("10.0.0.1:8080");
        assertThat(m.snapshot().autoscalerEpoch()).isEqualTo(-1);
        assertThat(m.apply(autoscaler(5, 30_000, "10.0.0.2:8080"))).isEqualTo(STALE_EPOCH);
        assertThat(m.apply(autoscaler(6, 30_000, "10.0.0.2:8080"))).isEqualTo(APPLIED);
        assertThat(m.snapshot().members()).hasSize(2);
    }

    @Test
    void badMemberAddressesInAPlanAreSkipped() {
        assertThat(m.apply(autoscaler(1, 30_000, "not an address", "10.0.0.2:0", "10.0.0.2:8080"))).isEqualTo(APPLIED);
        assertThat(m.snapshot().addresses()).containsExactly("10.0.0.1:8080", "10.0.0.2:8080");
    }

    @Test
    void aMemberThatLeavesKeepsItsCountsWhileItDrainsAndIsForgottenAfterwards() {
        m.apply(autoscaler(1, 30_000, "10.0.0.2:8080"));
        EdgeMember added = m.snapshot().members().get(1);
        added.acquire(); // one connection open through it
        m.apply(autoscaler(2, 30_000));
        assertThat(m.snapshot().addresses()).containsExactly("10.0.0.1:8080");
        assertThat(m.known()).containsExactly(m.snapshot().members().get(0), added);
        m.apply(autoscaler(3, 30_000, "10.0.0.2:8080")); // back before it drained: the same member, same count
        assertThat(m.snapshot().members().get(1)).isSameAs(added);
        assertThat(m.snapshot().members().get(1).active()).isEqualTo(1);
        m.apply(autoscaler(4, 30_000));
        added.release();
        m.expire();
        assertThat(m.known()).extracting(x -> x.address().toString()).containsExactly("10.0.0.1:8080");
    }

    @Test
    void eachSnapshotGetsANewVersion() {
        long v = m.snapshot().version();
        m.apply(autoscaler(1, 30_000, "10.0.0.2:8080"));
        assertThat(m.snapshot().version()).isEqualTo(v + 1);
    }
}
