package io.headroom.router.control;

import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.model.ControlPlan;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads every partition of the control topic from the beginning (no consumer group: every router reads every plan)
 * and feeds each plan to a {@link ControlPlanStore}. Tombstones are skipped.
 */
public final class ControlPlanSubscriber implements AutoCloseable {
    private final ConsumerLoop<ControlPlan> loop;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();

    private ControlPlanSubscriber(Consumer<String, ControlPlan> consumer, String topic, ControlPlanStore store) {
        this.loop = ConsumerLoop.assignAll(consumer, List.of(topic), records -> {
            for (ConsumerRecord<String, ControlPlan> r : records) {
                if (r.value() == null) {
                    continue;
                }
                if (store.apply(r.value()) == ControlPlanStore.Outcome.APPLIED) {
                    applied.incrementAndGet();
                } else {
                    ignored.incrementAndGet();
                }
            }
        }, "router-control");
    }

    /** Starts reading {@code controlTopic} with a consumer from {@code clients}. */
    public static ControlPlanSubscriber start(KafkaClients clients, String controlTopic, ControlPlanStore store) {
        return start(clients.consumer("router-control", null, Codecs.CONTROL.deserializer()), controlTopic, store);
    }

    /** Starts reading with the given consumer (which this subscriber closes). */
    public static ControlPlanSubscriber start(Consumer<String, ControlPlan> consumer, String controlTopic, ControlPlanStore store) {
        ControlPlanSubscriber s = new ControlPlanSubscriber(consumer, controlTopic, store);
        s.loop.start();
        return s;
    }

    /** Plans that took effect. */
    public long appliedCount() {
        return applied.get();
    }

    /** Plans ignored (stale epoch, expired, unknown scope or source). */
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
