package io.headroom.autoscaler.policy;

import io.headroom.ingest.model.ScalingIntent;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ScalingPolicyTest {

    private static ScalingIntent intent(int desiredNow, double observed, double capacity) {
        return new ScalingIntent("api", 0, desiredNow, 30, observed, 0, 0, 0, capacity, "test", "t");
    }

    private static final PolicyConfig NO_GUARDS = new PolicyConfig(1, 10, Duration.ZERO, Duration.ZERO, 100, 100, false);

    @Test
    void reactiveFloorIsCeilOfObservedOverCapacity() {
        assertThat(ScalingPolicy.reactiveFloor(250, 100)).isEqualTo(3);
        assertThat(ScalingPolicy.reactiveFloor(300, 100)).isEqualTo(3);
        assertThat(ScalingPolicy.reactiveFloor(0, 100)).isZero();
        assertThat(ScalingPolicy.reactiveFloor(Double.NaN, 100)).isZero();
        assertThat(ScalingPolicy.reactiveFloor(1, 100)).isEqualTo(1);
    }

    @Test
    void floorWinsOverALowerForecast() {
        Decision d = new ScalingPolicy(NO_GUARDS).decide(intent(2, 450, 100), 2, 1_000, PolicyState.INITIAL);
        assertThat(d.target()).isEqualTo(5);
        assertThat(d.kind()).isEqualTo(Decision.Kind.UP);
        assertThat(d.reason()).contains("reactive floor 5");
    }

    @Test
    void forecastWinsWhenAboveFloor() {
        Decision d = new ScalingPolicy(NO_GUARDS).decide(intent(6, 150, 100), 2, 1_000, PolicyState.INITIAL);
        assertThat(d.target()).isEqualTo(6);
        assertThat(d.desired()).isEqualTo(6);
    }

    @Test
    void clampsToMinAndMax() {
        ScalingPolicy p = new ScalingPolicy(NO_GUARDS);
        assertThat(p.decide(intent(50, 0, 100), 3, 0, PolicyState.INITIAL).target()).isEqualTo(10);
        assertThat(p.decide(intent(0, 0, 100), 3, 0, PolicyState.INITIAL).target()).isEqualTo(1);
        assertThat(p.decide(intent(0, 0, 100), 0, 0, PolicyState.INITIAL).target()).isEqualTo(1);
        assertThat(p.decide(intent(0, 0, 100), 1, 0, PolicyState.INITIAL).kind()).isEqualTo(Decision.Kind.HOLD);
    }

    @Test
    void stepLimitsBoundEachAction() {
        ScalingPolicy p = new ScalingPolicy(NO_GUARDS.withSteps(2, 1));
        Decision up = p.decide(intent(9, 0, 100), 3, 0, PolicyState.INITIAL);
        assertThat(up.target()).isEqualTo(5);
        assertThat(up.desired()).isEqualTo(9);
        assertThat(up.reason()).contains("step limit +2");
        Decision down = p.decide(intent(1, 0, 100), 5, 0, PolicyState.INITIAL);
        assertThat(down.target()).isEqualTo(4);
        assertThat(down.kind()).isEqualTo(Decision.Kind.DOWN);
    }

    @Test
    void cooldownHoldsASecondScaleUpUntilItHasPassed() {
        ScalingPolicy p = new ScalingPolicy(NO_GUARDS.withCooldown(Duration.ofSeconds(20)));
        Decision first = p.decide(intent(3, 0, 100), 2, 10_000, PolicyState.INITIAL);
        assertThat(first.target()).isEqualTo(3);
        assertThat(first.next().lastScaleUpMillis()).isEqualTo(10_000);

        Decision during = p.decide(intent(5, 0, 100), 3, 29_999, first.next());
        assertThat(during.kind()).isEqualTo(Decision.Kind.HOLD);
        assertThat(during.target()).isEqualTo(3);
        assertThat(during.reason()).contains("cooldown, 1 ms left");

        Decision after = p.decide(intent(5, 0, 100), 3, 30_000, during.next());
        assertThat(after.target()).isEqualTo(5);
    }

    @Test
    void cooldownDoesNotKeepThePoolBelowMin() {
        ScalingPolicy p = new ScalingPolicy(new PolicyConfig(2, 10, Duration.ofSeconds(20), Duration.ZERO, 4, 1, false));
        PolicyState s = new PolicyState(java.util.List.of(), 0);
        assertThat(p.decide(intent(0, 0, 100), 1, 1_000, s).target()).isEqualTo(2);
    }

    @Test
    void scaleDownOnlyToTheHighestRecommendationInTheWindow() {
        ScalingPolicy p = new ScalingPolicy(NO_GUARDS.withScaleDownWindow(Duration.ofSeconds(60)));
        PolicyState s = PolicyState.INITIAL;
        s = p.decide(intent(6, 0, 100), 6, 0, s).next();       // recommends 6 at t=0
        s = p.decide(intent(4, 0, 100), 6, 10_000, s).next();  // 4 at t=10 s
        Decision d = p.decide(intent(2, 0, 100), 6, 30_000, s); // 2 at t=30 s: 6 still in the window
        assertThat(d.kind()).isEqualTo(Decision.Kind.HOLD);
        assertThat(d.target()).isEqualTo(6);
        assertThat(d.reason()).contains("scale-down held: 6 recommended");

        Decision later = p.decide(intent(2, 0, 100), 6, 60_000, d.next()); // t=0 left the window: max is 4
        assertThat(later.kind()).isEqualTo(Decision.Kind.DOWN);
        assertThat(later.target()).isEqualTo(4);

        Decision last = p.decide(intent(2, 0, 100), 4, 90_001, later.next()); // only 2s within (30.001, 90.001]
        assertThat(last.target()).isEqualTo(2);
    }

    @Test
    void scaleUpIsImmediateWhateverTheWindow() {
        ScalingPolicy p = new ScalingPolicy(NO_GUARDS.withScaleDownWindow(Duration.ofSeconds(60)));
        PolicyState s = p.decide(intent(6, 0, 100), 6, 0, PolicyState.INITIAL).next();
        assertThat(p.decide(intent(8, 0, 100), 6, 1_000, s).target()).isEqualTo(8);
    }

    @Test
    void dryRunComputesTheSameTargetButDoesNotAct() {
        ScalingPolicy p = new ScalingPolicy(NO_GUARDS.withDryRun(true));
        Decision d = p.decide(intent(4, 0, 100), 2, 0, PolicyState.INITIAL);
        assertThat(d.target()).isEqualTo(4);
        assertThat(d.dryRun()).isTrue();
        assertThat(d.acts()).isFalse();
        assertThat(d.reason()).startsWith("dry run, would scale up 2 -> 4");
    }

    @Test
    void sameInputsGiveTheSameDecision() {
        ScalingPolicy p = new ScalingPolicy(PolicyConfig.of(1, 8));
        Decision a = p.decide(intent(3, 120, 100), 3, 5_000, PolicyState.INITIAL);
        Decision b = p.decide(intent(3, 120, 100), 3, 5_000, PolicyState.INITIAL);
        assertThat(a).isEqualTo(b);
        assertThat(a.kind()).isEqualTo(Decision.Kind.HOLD);
    }

    @Test
    void reactiveDecisionSizesOnTheObservedRateWithTheSameGuardrails() {
        PolicyConfig cfg = new PolicyConfig(2, 6, Duration.ofSeconds(20), Duration.ZERO, 2, 1, false);
        ScalingPolicy p = new ScalingPolicy(cfg);
        Decision up = p.decideReactive(250, 56, 2, 1_000, PolicyState.INITIAL); // ceil(250 / 56) = 5, step +2
        assertThat(up.kind()).isEqualTo(Decision.Kind.UP);
        assertThat(up.desired()).isEqualTo(5);
        assertThat(up.target()).isEqualTo(4);
        assertThat(up.reason()).isEqualTo("scale up 2 -> 4 (step limit +2): observed 250.0 req/s at 56.0 req/s per instance needs 5");
        Decision held = p.decideReactive(250, 56, 4, 2_000, up.next());
        assertThat(held.kind()).as("cooldown applies to reactive decisions too").isEqualTo(Decision.Kind.HOLD);
        Decision capped = p.decideReactive(10_000, 56, 6, 60_000, held.next());
        assertThat(capped.desired()).isEqualTo(6);
        assertThat(capped.reason()).contains("capped at max 6");
        Decision floor = p.decideReactive(0, 56, 3, 61_000, capped.next());
        assertThat(floor.target()).as("never below min").isEqualTo(2);
        assertThat(new ScalingPolicy(cfg.withDryRun(true)).decideReactive(250, 56, 2, 1_000, PolicyState.INITIAL).acts()).isFalse();
    }
}
