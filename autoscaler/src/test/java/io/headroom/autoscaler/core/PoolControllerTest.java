package io.headroom.autoscaler.core;

import io.headroom.autoscaler.policy.PolicyConfig;
import io.headroom.autoscaler.policy.ScalingPolicy;
import io.headroom.autoscaler.provider.Capacity;
import io.headroom.autoscaler.provider.CapacityProvider;
import io.headroom.autoscaler.provider.InstanceListener;
import io.headroom.autoscaler.provider.ScaleRequest;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingEvent.Action;
import io.headroom.ingest.model.ScalingIntent;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/** Drives the core in simulated time with a direct executor: exact, no threads, no Kafka. */
class PoolControllerTest {
    private final List<ScalingEvent> events = new ArrayList<>();
    private final AtomicLong now = new AtomicLong(1_000_000);
    private InMemoryProvider provider;

    private PoolController controller(PolicyConfig cfg) {
        return new PoolController("api", new ScalingPolicy(cfg), l -> provider = new InMemoryProvider(l), events::add, now::get,
                Runnable::run);
    }

    private static ScalingIntent intent(long at, int desired) {
        return new ScalingIntent("api", at, desired, 30, 0, 0, 0, 0, 100, "test", "t");
    }

    private List<Action> actions() {
        return events.stream().map(ScalingEvent::action).toList();
    }

    @Test
    void restoresMinWithoutAnIntentThenFollowsIntents() {
        PoolController c = controller(new PolicyConfig(1, 5, Duration.ZERO, Duration.ZERO, 4, 1, false));
        c.tick(now.get());
        assertThat(provider.current()).isEqualTo(1);
        assertThat(actions()).containsExactly(Action.DECIDED, Action.STARTING, Action.READY);

        c.onIntent(intent(now.get(), 3));
        c.tick(now.addAndGet(1_000));
        assertThat(provider.current()).isEqualTo(3);
        assertThat(c.members()).containsExactly("127.0.0.1:9001", "127.0.0.1:9002", "127.0.0.1:9003");

        ControlPlan plan = c.membershipPlan(now.get(), 42, Duration.ofSeconds(15));
        assertThat(plan.scope()).isEqualTo("pool:api");
        assertThat(plan.source()).isEqualTo(ControlPlan.SOURCE_AUTOSCALER);
        assertThat(plan.validUntilMillis()).isEqualTo(now.get() + 15_000);
        assertThat(plan.members()).hasSize(3);
        assertThat(plan.weights()).isEmpty();
    }

    @Test
    void theSameIntentTwiceChangesNothing() {
        PoolController c = controller(new PolicyConfig(1, 5, Duration.ZERO, Duration.ZERO, 4, 1, false));
        c.onIntent(intent(now.get(), 2));
        c.tick(now.get());
        int eventsAfterFirst = events.size();
        int starts = provider.starts;
        c.onIntent(intent(now.get(), 2));
        c.tick(now.addAndGet(1_000));
        c.tick(now.addAndGet(1_000));
        assertThat(events).hasSize(eventsAfterFirst);
        assertThat(provider.starts).isEqualTo(starts).isEqualTo(2);
    }

    @Test
    void olderIntentArrivingLateIsIgnored() {
        PoolController c = controller(PolicyConfig.of(1, 5));
        c.onIntent(intent(2_000, 4));
        c.onIntent(intent(1_000, 1));
        assertThat(c.latestIntent().desiredNow()).isEqualTo(4);
    }

    @Test
    void scaleInDrainsAndStopsAndAuditsIt() {
        PoolController c = controller(new PolicyConfig(1, 5, Duration.ZERO, Duration.ZERO, 4, 1, false));
        c.onIntent(intent(now.get(), 2));
        c.tick(now.get());
        events.clear();
        c.onIntent(intent(now.addAndGet(1_000), 1));
        c.tick(now.get());
        assertThat(actions()).containsExactly(Action.DECIDED, Action.DRAINING, Action.STOPPED);
        assertThat(events.get(1).instance()).isEqualTo("127.0.0.1:9002");
        assertThat(provider.current()).isEqualTo(1);
    }

    @Test
    void killSwitchHoldsOnceAndStillReportsMembers() {
        PoolController c = controller(new PolicyConfig(1, 5, Duration.ZERO, Duration.ZERO, 4, 1, false));
        c.tick(now.get());
        events.clear();
        c.setKillSwitch(true);
        c.onIntent(intent(now.get(), 4));
        c.tick(now.addAndGet(1_000));
        c.tick(now.addAndGet(1_000));
        assertThat(actions()).containsExactly(Action.HELD);
        assertThat(events.get(0).reason()).startsWith("kill switch on");
        assertThat(provider.current()).isEqualTo(1);
        assertThat(c.members()).hasSize(1);
        c.setKillSwitch(false);
        c.tick(now.addAndGet(1_000));
        assertThat(provider.current()).isEqualTo(4);
    }

    @Test
    void dryRunAuditsWhatItWouldDoAndDoesNothing() {
        PoolController c = controller(new PolicyConfig(0, 5, Duration.ZERO, Duration.ZERO, 4, 1, true));
        c.onIntent(intent(now.get(), 3));
        c.tick(now.get());
        c.tick(now.addAndGet(1_000));
        assertThat(actions()).containsExactly(Action.HELD);
        assertThat(events.get(0).reason()).startsWith("dry run, would scale up 0 -> 3");
        assertThat(provider.starts).isZero();
        PoolStatus s = c.status();
        assertThat(s.target()).isEqualTo(3);
        assertThat(s.dryRun()).isTrue();
        assertThat(s.ready()).isZero();
    }

    @Test
    void cooldownHeldUpIsAuditedOnce() {
        PoolController c = controller(new PolicyConfig(1, 8, Duration.ofSeconds(20), Duration.ZERO, 4, 1, false));
        c.onIntent(intent(now.get(), 2));
        c.tick(now.get());
        events.clear();
        c.onIntent(intent(now.addAndGet(1_000), 5));
        c.tick(now.get());
        c.tick(now.addAndGet(1_000));
        assertThat(actions()).containsExactly(Action.HELD);
        c.tick(now.addAndGet(20_000));
        assertThat(provider.current()).isEqualTo(5);
    }

    /** A platform-count provider whose platform is a field; unknown until {@code platform} is set. */
    private static final class FakePlatform extends CapacityProvider {
        volatile Capacity platform;
        final List<ScaleRequest> applied = new ArrayList<>();

        FakePlatform(InstanceListener l) {
            super("api", l, Clock.systemUTC(), Duration.ofHours(1), null);
        }

        @Override
        public String kind() {
            return "fake";
        }

        @Override
        protected Optional<Capacity> observe() throws IOException {
            if (platform == null) {
                throw new IOException("unreachable");
            }
            return Optional.of(platform);
        }

        @Override
        protected Optional<Capacity> apply(ScaleRequest r) {
            applied.add(r);
            platform = new Capacity(r.target(), platform.ready());
            return Optional.empty();
        }
    }

    @Test
    void aCapacityProviderGetsOneCallPerActionAndNeverActsOnAnUnknownCount() {
        FakePlatform[] holder = new FakePlatform[1];
        PoolController c = new PoolController("api", new ScalingPolicy(new PolicyConfig(1, 10, Duration.ZERO, Duration.ZERO, 4, 1, false)),
                l -> holder[0] = new FakePlatform(l), events::add, now::get, Runnable::run);
        FakePlatform p = holder[0];
        c.onIntent(intent(now.get(), 5));
        c.tick(now.get());
        assertThat(p.applied).isEmpty();
        assertThat(actions()).contains(Action.FAILED);
        assertThat(events.getLast().reason()).contains("count is unknown");
        // the failed action is a provider error in /metrics (headroom_autoscaler_provider_errors_total{kind="action"})
        assertThat(c.actionFailures()).isEqualTo(actions().stream().filter(x -> x == Action.FAILED).count()).isEqualTo(1);
        assertThat(c.instanceFailures()).isZero();

        p.platform = new Capacity(3, 3);
        assertThat(p.refreshOnce()).isTrue();
        c.tick(now.addAndGet(1_000));
        assertThat(p.applied).hasSize(1);
        assertThat(p.applied.getFirst().target()).isEqualTo(5);
        assertThat(p.applied.getFirst().current()).isEqualTo(3);
        assertThat(p.applied.getFirst().decisionId()).isEqualTo("api-" + now.get() + "-5");
        assertThat(p.current()).isEqualTo(5);
        assertThat(c.members()).isEmpty(); // no addresses: the platform's load balancer fronts them

        c.tick(now.addAndGet(1_000)); // the same intent again changes nothing
        assertThat(p.applied).hasSize(1);
        c.close();
    }

    // ---- reactive fallback when the predictor is silent ----

    private final java.util.concurrent.atomic.AtomicReference<java.util.OptionalDouble> observed =
            new java.util.concurrent.atomic.AtomicReference<>(java.util.OptionalDouble.empty());

    /** Fallback after 10 s of silence, sized at 100 req/s x 0.5 = 50 req/s per instance. */
    private PoolController reactiveController(PolicyConfig cfg) {
        io.headroom.autoscaler.reactive.ReactiveFallback fallback = new io.headroom.autoscaler.reactive.ReactiveFallback(
                Duration.ofSeconds(10), 100, 0.5, 100, (pool, at) -> observed.get());
        return new PoolController("api", new ScalingPolicy(cfg), l -> provider = new InMemoryProvider(l), events::add, now::get,
                Runnable::run, fallback);
    }

    @Test
    void silentPredictorSwitchesThePoolToReactiveOnTheObservedLoadAndBack() {
        PoolController c = reactiveController(new PolicyConfig(1, 10, Duration.ZERO, Duration.ZERO, 4, 1, false));
        c.onIntent(intent(now.get(), 2));
        c.tick(now.get());
        assertThat(provider.current()).isEqualTo(2);
        assertThat(c.mode()).isEqualTo(Mode.PREDICTIVE);

        // 10 s after the intent: still trusted (the TTL is exceeded only past it).
        observed.set(java.util.OptionalDouble.of(180));
        c.tick(now.addAndGet(10_000));
        assertThat(c.mode()).isEqualTo(Mode.PREDICTIVE);
        assertThat(provider.current()).isEqualTo(2);

        // 11 s: the predictor is silent; 180 req/s / 50 per instance -> 4.
        events.clear();
        c.tick(now.addAndGet(1_000));
        assertThat(c.mode()).isEqualTo(Mode.REACTIVE);
        assertThat(provider.current()).isEqualTo(4);
        assertThat(events.getFirst().action()).isEqualTo(Action.DECIDED);
        assertThat(events.getFirst().reason()).startsWith("predictor silent for 11s: reactive; scale up 2 -> 4: observed 180.0 req/s");
        PoolStatus st = c.status();
        assertThat(st.mode()).isEqualTo(Mode.REACTIVE);
        assertThat(st.mode().key()).isEqualTo("reactive");
        assertThat(st.lastReason()).startsWith("predictor silent for 11s: reactive");

        // Load rises further: reactive still scales, within max and the step limit.
        observed.set(java.util.OptionalDouble.of(1_000));
        c.tick(now.addAndGet(1_000));
        assertThat(provider.current()).isEqualTo(8);
        c.tick(now.addAndGet(1_000));
        assertThat(provider.current()).as("capped at max").isEqualTo(10);

        // A fresh intent: predictive again, said so once.
        events.clear();
        c.onIntent(intent(now.get(), 10));
        c.tick(now.addAndGet(1_000));
        assertThat(c.mode()).isEqualTo(Mode.PREDICTIVE);
        assertThat(c.status().mode()).isEqualTo(Mode.PREDICTIVE);
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo(Action.HELD);
            assertThat(e.reason()).startsWith("predictor back: predictive; at target 10");
        });
    }

    @Test
    void switchingToReactiveIsAuditedEvenWhenNothingChanges() {
        PoolController c = reactiveController(new PolicyConfig(1, 10, Duration.ZERO, Duration.ZERO, 4, 1, false));
        c.onIntent(intent(now.get(), 2));
        c.tick(now.get());
        events.clear();
        observed.set(java.util.OptionalDouble.of(90)); // 90 / 50 -> 2: what runs
        c.tick(now.addAndGet(15_000));
        assertThat(events).singleElement().satisfies(e -> {
            assertThat(e.action()).isEqualTo(Action.HELD);
            assertThat(e.reason()).isEqualTo("predictor silent for 15s: reactive; at target 2: observed 90.0 req/s at 50.0 req/s per "
                    + "instance needs 2");
        });
        c.tick(now.addAndGet(1_000));
        assertThat(events).as("audited on change, not every tick").hasSize(1);
    }

    @Test
    void withoutTelemetryTheReactivePolicyKeepsWhatRunsAndScalesDownOnlyOnSeenLoad() {
        PoolController c = reactiveController(new PolicyConfig(1, 10, Duration.ZERO, Duration.ZERO, 5, 1, false));
        c.onIntent(intent(now.get(), 5));
        c.tick(now.get());
        assertThat(provider.current()).isEqualTo(5);
        // Predictor and routers silent (e.g. Kafka away): no scale-down to min on silence.
        c.tick(now.addAndGet(30_000));
        assertThat(c.mode()).isEqualTo(Mode.REACTIVE);
        assertThat(provider.current()).isEqualTo(5);
        assertThat(c.status().lastReason()).startsWith("predictor silent for 30s: reactive, but no telemetry from the routers: keeping 5");
        // Telemetry back with a low load: scale down one step at a time.
        observed.set(java.util.OptionalDouble.of(40));
        c.tick(now.addAndGet(1_000));
        assertThat(provider.current()).isEqualTo(4);
        assertThat(c.status().lastReason()).startsWith("predictor silent for 31s: reactive; scale down 5 -> 4 (step limit -1)");
    }

    @Test
    void noIntentAtAllGoesReactiveOneTtlAfterTheFirstTick() {
        PoolController c = reactiveController(new PolicyConfig(1, 10, Duration.ZERO, Duration.ZERO, 4, 1, false));
        observed.set(java.util.OptionalDouble.of(120));
        c.tick(now.get());
        assertThat(c.mode()).as("the predictor may be warming up").isEqualTo(Mode.PREDICTIVE);
        assertThat(provider.current()).isEqualTo(1);
        c.tick(now.addAndGet(5_000));
        assertThat(provider.current()).isEqualTo(1);
        c.tick(now.addAndGet(6_000));
        assertThat(c.mode()).isEqualTo(Mode.REACTIVE);
        assertThat(provider.current()).isEqualTo(3);
        assertThat(c.status().lastReason()).startsWith("predictor silent for 11s: reactive; scale up 1 -> 3");
    }

    @Test
    void capacityPerInstanceComesFromConfigElseTheLastIntentElseTheDefault() {
        ScalingIntent last = new ScalingIntent("api", 0, 1, 30, 0, 0, 0, 0, 56, "m", "r");
        var configured = new io.headroom.autoscaler.reactive.ReactiveFallback(Duration.ofSeconds(10), 100, 0.5, 70,
                (p, t) -> java.util.OptionalDouble.empty());
        var unset = new io.headroom.autoscaler.reactive.ReactiveFallback(Duration.ofSeconds(10), 0, 0.5, 70,
                (p, t) -> java.util.OptionalDouble.empty());
        assertThat(configured.perInstance(last)).isEqualTo(50.0);
        assertThat(unset.perInstance(last)).isEqualTo(56.0);
        assertThat(unset.perInstance(null)).isEqualTo(35.0);
    }

    @Test
    void withoutAFallbackThePoolStaysPredictive() {
        PoolController c = controller(new PolicyConfig(1, 10, Duration.ZERO, Duration.ZERO, 4, 1, false));
        c.onIntent(intent(now.get(), 2));
        c.tick(now.get());
        c.tick(now.addAndGet(600_000));
        assertThat(c.mode()).isEqualTo(Mode.PREDICTIVE);
        assertThat(provider.current()).isEqualTo(2);
        assertThat(c.status().mode()).isEqualTo(Mode.PREDICTIVE);
    }
}
