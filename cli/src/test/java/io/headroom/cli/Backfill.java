package io.headroom.cli;

import io.headroom.cli.stack.Stack;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * History for the predictor to train on before a whole-loop test starts its traffic: telemetry windows published to
 * the stack's telemetry topic, as the routers would have published them.
 */
public final class Backfill {
    private Backfill() {
    }

    /** A backend's stats for {@code n} healthy responses of about 2 ms, 64 bytes in and 2 out each. */
    public static BackendStats healthy(String backend, long n) {
        long[] buckets = new long[LatencyHistogram.BUCKETS];
        buckets[LatencyHistogram.bucketOf(2_000)] = n;
        return new BackendStats(backend, n, n, 0, 0, 0, 0, 0, 64 * n, 2 * n, LatencyHistogram.of(buckets));
    }

    /** Publishes {@code windows} in order under record key {@code key}, and waits until the broker has every one. */
    public static void publish(Stack s, String key, List<TelemetryWindow> windows) throws Exception {
        String topic = s.config().kafka().topics().telemetry();
        try (Producer<String, TelemetryWindow> p = s.clients().bulkProducer("test-backfill", Codecs.TELEMETRY.serializer())) {
            List<Future<RecordMetadata>> acks = new ArrayList<>();
            for (TelemetryWindow w : windows) {
                acks.add(p.send(new ProducerRecord<>(topic, key, w)));
            }
            p.flush();
            for (Future<RecordMetadata> f : acks) {
                f.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
