package io.headroom.router.l4;

import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.model.ControlPlan;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads every partition of the control topic from the beginning (no consumer group: every edge reads every plan) and
 * feeds each plan to an {@link EdgeMembership}, which keeps the autoscaler's plans for its pool. Tombstones are
 * skipped.
 */
public final class EdgeControlSubscriber implements AutoCloseable {
    private final ConsumerLoop<ControlPlan> loop;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong ignored = new AtomicLong();

    private EdgeControlSubscriber(Consumer<String, ControlPlan> consumer, String topic, EdgeMembership membership) {
        this.loop = ConsumerLoop.assignAll(consumer, List.of(topic), records -> {
            for (ConsumerRecord<String, ControlPlan> r : records) {
                if (r.value() == null) {
                    continue;
                }
                if (membership.apply(r.value()) == EdgeMembership.Outcome.APPLIED) {
                    applied.incrementAndGet();
                } else {
                    ignored.incrementAndGet();
                }
            }
        }, "edge-control");
    }

    /** Starts reading {@code controlTopic} with a consumer from {@code clients}. */
    public static EdgeControlSubscriber start(KafkaClients clients, String controlTopic, EdgeMembership membership) {
        return start(clients.consumer("edge-control", null, Codecs.CONTROL.deserializer()), controlTopic, membership);
    }

    /** Starts reading with the given consumer (which this subscriber closes). */
    public static EdgeControlSubscriber start(Consumer<String, ControlPlan> consumer, String controlTopic, EdgeMembership membership) {
        EdgeControlSubscriber s = new EdgeControlSubscriber(consumer, controlTopic, membership);
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
