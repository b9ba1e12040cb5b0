package io.headroom.router.control;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.router.auth.MutableClock;
import io.headroom.router.config.BackendConfig;
import io.headroom.router.config.HostPort;
import io.headroom.router.config.PoolConfig;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ControlPlanStoreTest {
    private final MutableClock clock = new MutableClock(1_000_000);
    private final ControlPlanStore store = new ControlPlanStore(Map.of("api", PoolConfig.of("api", List.of(
            new BackendConfig(HostPort.parse("10.0.0.1:80"), 1.0),
            new BackendConfig(HostPort.parse("10.0.0.2:80"), 2.0)))), new Watchdog(new ManualTicker(), 1_000_000L), clock);

    private ControlPlan predictor(long epoch, long validFor, Map<String, Double> weights) {
        return new ControlPlan("pool:api", ControlPlan.SOURCE_PREDICTOR, epoch, clock.millis(), clock.millis() + validFor, weights,
                List.of(), List.of(), "test");
    }

    private ControlPlan autoscaler(long epoch, long validFor, List<String> members) {
        return new ControlPlan("pool:api", ControlPlan.SOURCE_AUTOSCALER, epoch, clock.millis(), clock.millis() + validFor, Map.of(),
                List.of(), members, "test");
    }

    private String picks(int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            sb.append(store.snapshot("api").balancer().pick(io.headroom.router.balance.RequestContext.NONE).hostPort().host()
                    .substring(7)).append(' ');
        }
        return sb.toString().trim();
    }

    @Test
    void staticConfigWithoutPlans() {
        PoolSnapshot s = store.snapshot("api");
        assertThat(s.addresses()).containsExactly("10.0.0.1:80", "10.0.0.2:80");
        assertThat(s.weightOf("10.0.0.2:80")).isEqualTo(2.0);
        assertThat(s.predictorEpoch()).isEqualTo(-1);
        assertThat(picks(3)).isEqualTo("2 1 2");
    }

    @Test
    void predictorWeightsApplyAndOlderEpochsAreIgnored() {
        assertThat(store.apply(predictor(5, 10_000, Map.of("10.0.0.1:80", 3.0, "10.0.0.2:80", 1.0))))
                .isEqualTo(ControlPlanStore.Outcome.APPLIED);
        assertThat(store.snapshot("api").weightOf("10.0.0.1:80")).isEqualTo(3.0);
        assertThat(store.snapshot("api").predictorEpoch()).isEqualTo(5);
        assertThat(picks(4)).isEqualTo("1 1 2 1");

        assertThat(store.apply(predictor(4, 10_000, Map.of("10.0.0.1:80", 1.0)))).isEqualTo(ControlPlanStore.Outcome.STALE_EPOCH);
        assertThat(store.apply(predictor(5, 10_000, Map.of("10.0.0.1:80", 1.0)))).isEqualTo(ControlPlanStore.Outcome.STALE_EPOCH);
        assertThat(store.snapshot("api").weightOf("10.0.0.1:80")).isEqualTo(3.0);

        // A weight for a non-member is ignored; an unnamed member keeps its static weight.
        assertThat(store.apply(predictor(6, 10_000, Map.of("10.0.0.9:80", 5.0, "10.0.0.1:80", 0.0))))
                .isEqualTo(ControlPlanStore.Outcome.APPLIED);
        assertThat(store.snapshot("api").addresses()).containsExactly("10.0.0.1:80", "10.0.0.2:80");
        assertThat(store.snapshot("api").weightOf("10.0.0.2:80")).isEqualTo(2.0);
        assertThat(picks(3)).isEqualTo("2 2 2");
    }

    @Test
    void expiredPlansAreIgnoredAndExpiryFallsBackToYaml() {
        ControlPlan old = new ControlPlan("pool:api", ControlPlan.SOURCE_PREDICTOR, 1, clock.millis() - 5000, clock.millis() - 1,
                Map.of("10.0.0.1:80", 9.0), List.of(), List.of(), "late");
        assertThat(store.apply(old)).isEqualTo(ControlPlanStore.Outcome.EXPIRED);
        assertThat(store.lastEpoch("pool:api", ControlPlan.SOURCE_PREDICTOR)).isEqualTo(-1);

        assertThat(store.apply(predictor(2, 1000, Map.of("10.0.0.1:80", 9.0)))).isEqualTo(ControlPlanStore.Outcome.APPLIED);
        assertThat(store.apply(autoscaler(1, 2000, List.of("10.0.0.3:80")))).isEqualTo(ControlPlanStore.Outcome.APPLIED);
        clock.advance(Duration.ofMillis(999));
        assertThat(store.expire()).isZero();
        assertThat(store.snapshot("api").weightOf("10.0.0.1:80")).isEqualTo(9.0);
        clock.advance(Duration.ofMillis(1));
        assertThat(store.expire()).isEqualTo(1);
        PoolSnapshot s = store.snapshot("api");
        assertThat(s.weightOf("10.0.0.1:80")).isEqualTo(1.0);
        assertThat(s.predictorEpoch()).isEqualTo(-1);
        assertThat(s.addresses()).containsExactly("10.0.0.1:80", "10.0.0.2:80", "10.0.0.3:80");
        clock.advance(Duration.ofMillis(1000));
        // expiry is also checked on apply: an unrelated plan triggers it
        store.apply(new ControlPlan("route:x", ControlPlan.SOURCE_PREDICTOR, 1, clock.millis(), clock.millis() + 10, Map.of(),
                List.of(), List.of(), "other"));
        assertThat(store.snapshot("api").addresses()).containsExactly("10.0.0.1:80", "10.0.0.2:80");
        // the epoch is remembered after expiry: a replay of the old plan stays ignored
        assertThat(store.apply(predictor(2, 1000, Map.of("10.0.0.1:80", 9.0)))).isEqualTo(ControlPlanStore.Outcome.STALE_EPOCH);
    }

    @Test
    void autoscalerAddsMembersWithWeightOneAndPredictorCanWeighThem() {
        assertThat(store.apply(autoscaler(1, 10_000, List.of("10.0.0.3:80", "10.0.0.1:80", "bad address"))))
                .isEqualTo(ControlPlanStore.Outcome.APPLIED);
        PoolSnapshot s = store.snapshot("api");
        assertThat(s.members()).containsExactly(
                new PoolSnapshot.Member("10.0.0.1:80", 1.0, true),
                new PoolSnapshot.Member("10.0.0.2:80", 2.0, true),
                new PoolSnapshot.Member("10.0.0.3:80", 1.0, false));
        assertThat(picks(4)).isEqualTo("2 1 3 2");
        store.apply(predictor(1, 10_000, Map.of("10.0.0.3:80", 4.0)));
        assertThat(store.snapshot("api").weightOf("10.0.0.3:80")).isEqualTo(4.0);
        // a newer autoscaler plan replaces the member list
        store.apply(autoscaler(2, 10_000, List.of()));
        assertThat(store.snapshot("api").addresses()).containsExactly("10.0.0.1:80", "10.0.0.2:80");
    }

    @Test
    void otherScopesAndSources() {
        assertThat(store.apply(new ControlPlan("pool:other", ControlPlan.SOURCE_PREDICTOR, 1, clock.millis(), clock.millis() + 10,
                Map.of(), List.of(), List.of(), "x"))).isEqualTo(ControlPlanStore.Outcome.UNKNOWN_SCOPE);
        assertThat(store.apply(new ControlPlan("pool:api", "someone", 1, clock.millis(), clock.millis() + 10,
                Map.of(), List.of(), List.of(), "x"))).isEqualTo(ControlPlanStore.Outcome.UNKNOWN_SOURCE);
        long v = store.snapshot("api").version();
        assertThat(store.snapshot("api").version()).isEqualTo(v);
    }
}
