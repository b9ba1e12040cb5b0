package io.headroom.predictor.plan;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.predictor.forecast.Forecast;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class PlannersTest {
    private final PoolSettings api = new PoolSettings("api", 100, 0.8);

    @Test
    void desiredIsTheUpperBoundOverCapacityAtTargetUtilisation() {
        assertThat(CapacityPlanner.desiredInstances(0, api)).isEqualTo(1);
        assertThat(CapacityPlanner.desiredInstances(80, api)).isEqualTo(1);
        assertThat(CapacityPlanner.desiredInstances(80.5, api)).isEqualTo(2);
        assertThat(CapacityPlanner.desiredInstances(400, api)).isEqualTo(5);
        assertThat(CapacityPlanner.desiredInstances(401, api)).isEqualTo(6);
        ScalingIntent i = CapacityPlanner.intent(api, 1234, 30, 250, new Forecast(300, 250, 401), "linear-sgd", "test");
        assertThat(i.desiredNow()).as("sized on the upper bound, not the mean").isEqualTo(6);
        assertThat(i.forecastRate()).isEqualTo(300);
        assertThat(i.forecastLower()).isEqualTo(250);
        assertThat(i.forecastUpper()).isEqualTo(401);
        assertThat(i.observedRate()).isEqualTo(250);
        assertThat(i.perInstanceCapacity()).isCloseTo(80, within(1e-9));
        assertThat(i.horizonSeconds()).isEqualTo(30);
        assertThat(i.model()).isEqualTo("linear-sgd");
        assertThat(i.reason()).contains("401.0").contains("= 6");
    }

    @Test
    void weightsAreProportionalToHealthyThroughputWithAFloor() {
        Map<String, Double> w = WeightPlanner.weights(Map.of("a", 300.0, "b", 100.0, "c", 0.0), 0.1);
        assertThat(w.get("a")).isCloseTo(2.25, within(1e-9));
        assertThat(w.get("b")).isCloseTo(0.75, within(1e-9));
        assertThat(w.get("c")).as("never 0").isEqualTo(0.1);
        assertThat(w.get("a") / w.get("b")).isCloseTo(3.0, within(1e-9));
        assertThat(WeightPlanner.weights(Map.of("a", 0.0, "b", 0.0), 0.1)).containsEntry("a", 1.0).containsEntry("b", 1.0);
    }

    @Test
    void parsesThePredictorSection() {
        ConfigNode root = ConfigNode.parse("headroom.yaml", """
                predictor:
                  lead-time: 45s
                  plan-ttl: 20s
                  pools:
                    api: {capacity-per-instance: 100, target-utilisation: 0.8}
                    web: {capacity-per-instance: 50}
                """);
        PredictorSettings s = PredictorSettings.from(root);
        assertThat(s.leadTime()).isEqualTo(Duration.ofSeconds(45));
        assertThat(s.planTtl()).isEqualTo(Duration.ofSeconds(20));
        assertThat(s.pools()).containsOnlyKeys("api", "web");
        assertThat(s.pools().get("web").targetUtilisation()).isEqualTo(0.8);
        assertThat(PredictorSettings.from(ConfigNode.empty()).leadTime()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void configErrorsNameFileLineAndFix() {
        ConfigNode typo = ConfigNode.parse("headroom.yaml", """
                predictor:
                  pools:
                    api: {capacity-per-instanse: 100}
                """);
        assertThatThrownBy(() -> PredictorSettings.from(typo)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:3").hasMessageContaining("capacity-per-instance");
        ConfigNode missing = ConfigNode.parse("headroom.yaml", """
                predictor:
                  pools:
                    api: {target-utilisation: 0.5}
                """);
        assertThatThrownBy(() -> PredictorSettings.from(missing)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:3").hasMessageContaining("no capacity-per-instance");
        ConfigNode badLead = ConfigNode.parse("headroom.yaml", "predictor:\n  lead-time: 10ms\n");
        assertThatThrownBy(() -> PredictorSettings.from(badLead)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:2").hasMessageContaining("lead-time");
    }
}
