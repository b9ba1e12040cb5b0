package io.headroom.predictor.plan;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.predictor.plan.QuotaLeaseAllocator.GlobalLimit;
import io.headroom.predictor.plan.TierPlanner.PoolLoad;
import io.headroom.predictor.plan.TierSettings.Tier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class TierPlannerTest {
    private static final TierSettings TIERS = new TierSettings(List.of(
            new Tier("free", 3, Set.of("f"), 0.2),
            new Tier("gold", 1, Set.of("g"), 0.1),
            new Tier("silver", 2, Set.of("s"), 0.5)), Map.of("api", 8));
    private static final Map<String, Double> RATES = Map.of("g", 400.0, "s", 200.0, "f", 300.0); // + 100 of no tier

    @Test
    void aForecastAboveCapacityTightensTheLowerTiersInPriorityOrder() {
        TierPlanner.Decision d = TierPlanner.plan(TIERS, List.of(new PoolLoad("api", 1000, 1500, 1000, RATES)));
        // x1.5: gold 600, silver 300, free 450, no tier 150. 1000 - 150 = 850; gold keeps 600; silver 250/300; free nothing left.
        assertThat(d.factor("gold")).isEqualTo(1.0);
        assertThat(d.factor("silver")).isCloseTo(250.0 / 300, within(1e-12));
        assertThat(d.factor("free")).isEqualTo(0.2);
        assertThat(d.tightened()).isTrue();
        assertThat(d.pools()).containsOnly(Map.entry("silver", "api"), Map.entry("free", "api"));
        assertThat(d.reasons().get("silver")).isEqualTo("pool api: forecast upper 1500.0 req/s > capacity 1000.0 req/s; projected"
                + " (x1.50 of observed 1000.0) silver 300.0 req/s, 250.0 req/s left after untiered traffic and gold -> x0.83");
        assertThat(d.reasons().get("free")).endsWith("free 450.0 req/s, 0.0 req/s left after untiered traffic and the tiers above -> x0.20 (its floor)");
        assertThat(d.reasons()).doesNotContainKey("gold");
    }

    @Test
    void aFloorIsNeverUnderrunAndWhatAFloorKeepsIsTakenFromTheTiersBelow() {
        TierPlanner.Decision d = TierPlanner.plan(TIERS, List.of(new PoolLoad("api", 800, 1500, 1000, RATES)));
        // 800 - 150 = 650; gold 600 -> 50 left; silver 50/300 = 0.17 -> its floor 0.5; free 0 left -> 0.2
        assertThat(d.factors()).containsOnly(Map.entry("gold", 1.0), Map.entry("silver", 0.5), Map.entry("free", 0.2));
    }

    @Test
    void underCapacityOrWithoutObservedTrafficNothingChanges() {
        Map<String, Double> untouched = Map.of("gold", 1.0, "silver", 1.0, "free", 1.0);
        assertThat(TierPlanner.plan(TIERS, List.of(new PoolLoad("api", 1000, 1000, 900, RATES))).factors()).isEqualTo(untouched);
        assertThat(TierPlanner.plan(TIERS, List.of(new PoolLoad("api", 1000, 1200, 0, RATES))).factors()).isEqualTo(untouched);
        assertThat(TierPlanner.plan(TIERS, List.of()).tightened()).isFalse();
        // One tier only: nobody above it to give capacity to.
        TierSettings one = new TierSettings(List.of(new Tier("free", 2, Set.of("f"), 0.2)), Map.of());
        assertThat(TierPlanner.plan(one, List.of(new PoolLoad("api", 10, 1000, 100, RATES))).factors()).containsOnly(Map.entry("free", 1.0));
    }

    @Test
    void aTiersFactorIsItsSmallestOverThePools() {
        TierPlanner.Decision d = TierPlanner.plan(TIERS, List.of(
                new PoolLoad("api", 1000, 900, 900, RATES),                    // under capacity
                new PoolLoad("web", 100, 200, 100, Map.of("f", 50.0)),         // free 100 + no tier 100 in 100: free to its floor
                new PoolLoad("img", 1000, 1100, 1000, Map.of("f", 500.0, "g", 400.0)))); // x1.1: g 440, f 550, no tier 110 -> 450/550
        assertThat(d.factor("free")).isEqualTo(0.2);
        assertThat(d.pools().get("free")).isEqualTo("web");
        assertThat(d.factor("silver")).as("no silver traffic in the overloaded pools").isEqualTo(1.0);
        TierPlanner.Decision img = TierPlanner.plan(TIERS, List.of(new PoolLoad("img", 1000, 1100, 1000, Map.of("f", 500.0, "g", 400.0))));
        assertThat(img.factor("free")).isCloseTo(450.0 / 550, within(1e-12));
    }

    @Test
    void tiersParseFromTheQuotaConfigWithTheAutoscalersCeilingsAsDefault() {
        ConfigNode root = ConfigNode.parse("t.yaml", """
                predictor:
                  pools: {api: {capacity-per-instance: 100}, web: {capacity-per-instance: 50}}
                  quotas: {partner: 500/s, mobile: 200/s, trial: 10/s}
                  quota-tiers:
                    tiers:
                      gold: {consumers: [partner], priority: 1}
                      free: {consumers: [mobile, trial], priority: 2, floor: 0.25}
                    max-instances: {web: 3}
                autoscaler:
                  pools:
                    api: {min: 1, max: 8}
                """);
        QuotaSettings q = PredictorSettings.from(root).quotas();
        TierSettings t = q.tiers();
        assertThat(t.tiers()).containsExactly(new Tier("gold", 1, Set.of("partner"), TierSettings.DEFAULT_FLOOR),
                new Tier("free", 2, Set.of("mobile", "trial"), 0.25));
        assertThat(t.maxInstances()).containsOnly(Map.entry("api", 8), Map.entry("web", 3));
        assertThat(t.tierOf("trial").name()).isEqualTo("free");
        assertThat(t.tierOf("nobody")).isNull();
        assertThat(q.limits().get("partner")).isEqualTo(new GlobalLimit("partner", 500, 500));
    }

    @Test
    void badTiersAreRejectedWithTheLineAndTheFix() {
        assertThatThrownBy(() -> parse("gold: {consumers: [ghost], priority: 1}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:").hasMessageContaining("'ghost' of tier 'gold' has no global limit")
                .hasMessageContaining("add it under predictor.quotas");
        assertThatThrownBy(() -> parse("gold: {consumers: [a], priority: 1}\n      free: {consumers: [a], priority: 2}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("in tiers 'gold' and 'free'");
        assertThatThrownBy(() -> parse("gold: {consumers: [a], priority: 1}\n      free: {consumers: [b], priority: 1}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("both have priority 1");
        assertThatThrownBy(() -> parse("gold: {consumers: [a]}")).isInstanceOf(ConfigException.class).hasMessageContaining("no priority");
        assertThatThrownBy(() -> parse("gold: {consumers: [a], priority: 1, floor: 0}")).isInstanceOf(ConfigException.class);
        assertThatThrownBy(() -> parse("gold: {consumers: [a], priority: 1, weight: 2}")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("weight");
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("t.yaml", """
                predictor:
                  quotas: {a: 10/s}
                  quota-tiers:
                    tiers: {gold: {consumers: [a], priority: 1}}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("no pool has an instance ceiling")
                .hasMessageContaining("autoscaler.pools.POOL.max");
        assertThatThrownBy(() -> QuotaSettings.of(Map.of()).withTiers(TIERS)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("no global limit");
    }

    private static PredictorSettings parse(String tiers) {
        return PredictorSettings.from(ConfigNode.parse("t.yaml", """
                predictor:
                  quotas: {a: 10/s, b: 10/s}
                  quota-tiers:
                    max-instances: {api: 4}
                    tiers:
                      %s
                """.formatted(tiers)));
    }
}
