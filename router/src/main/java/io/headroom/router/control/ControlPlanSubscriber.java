package io.headroom.router.control;

import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.model.ControlPlan;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;
import java.util.function.Predicate;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads every partition of the control topic from the beginning (no consumer group: every router and edge reads every
 * plan) and feeds each plan to whoever applies it: a router's {@link ControlPlanStore}, or an L4 edge's membership.
 * Tombstones are skipped.
 */
public final class ControlPlanSubscriber implements AutoCloseable {
    private final ConsumerLoop<ControlPlan> loop;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();

    private ControlPlanSubscriber(Consumer<String, ControlPlan> consumer, String topic, Predicate<ControlPlan> apply, String name) {
        this.loop = ConsumerLoop.assignAll(consumer, List.of(topic), records -> {
            for (ConsumerRecord<String, ControlPlan> r : records) {
                if (r.value() == null) {
                    continue;
                }
                if (apply.test(r.value())) {
                    applied.incrementAndGet();
                } else {
                    ignored.incrementAndGet();
                }
            }
        }, name);
    }

    /** Starts reading {@code controlTopic} with a consumer from {@code clients}, applying plans to a router's store. */
    public static ControlPlanSubscriber start(KafkaClients clients, String controlTopic, ControlPlanStore store) {
        return start(clients.consumer("router-control", null, Codecs.CONTROL.deserializer()), controlTopic, store);
    }

    /** Starts reading with the given consumer (which this subscriber closes), applying plans to a router's store. */
    public static ControlPlanSubscriber start(Consumer<String, ControlPlan> consumer, String controlTopic, ControlPlanStore store) {
        return start(consumer, controlTopic, p -> store.apply(p) == ControlPlanStore.Outcome.APPLIED, "router-control");
    }

    /**
     * Starts reading with the given consumer (which this subscriber closes); {@code apply} applies one plan and says
     * whether it took effect.
     */
    public static ControlPlanSubscriber start(Consumer<String, ControlPlan> consumer, String controlTopic, Predicate<ControlPlan> apply,
                                              String name) {
        ControlPlanSubscriber s = new ControlPlanSubscriber(consumer, controlTopic, apply, name);
        s.loop.start();
        return s;
    }

    /** Plans that took effect. */
    public long appliedCount() {
        return applied.get();
    }

    /** Plans ignored (other scope or source, stale epoch, expired). */
    public long ignoredCount() {
        return ignored.get();
    }

    /** True once the backlog present at start was read. */
    public boolean caughtUp() {
        return loop.caughtUp();
    }

    @Override
    public void close() {
        loop.close();
    }
}
