package io.headroom.router.telemetry;

import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.BoundedPublisher;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.model.TelemetryWindow;
import org.apache.kafka.clients.producer.Producer;

/**
 * Publishes windows to the telemetry topic keyed by route, through a {@link BoundedPublisher}: when Kafka is slow or
 * away windows are buffered, then dropped and counted, and nothing waits.
 */
public final class KafkaTelemetrySink implements TelemetrySink, AutoCloseable {
    private final BoundedPublisher<TelemetryWindow> publisher;
    private final String topic;

    public KafkaTelemetrySink(Producer<String, TelemetryWindow> producer, String topic, int capacity) {
        this.publisher = new BoundedPublisher<>(producer, capacity, "router-telemetry");
        this.topic = topic;
    }

    /** A sink with a producer from {@code clients}, buffering up to {@code capacity} windows. */
    public static KafkaTelemetrySink create(KafkaClients clients, String topic, int capacity) {
        return new KafkaTelemetrySink(clients.producer("router-telemetry", Codecs.TELEMETRY.serializer()), topic, capacity);
    }

    @Override
    public void accept(TelemetryWindow window) {
        publisher.offer(topic, window.route(), window);
    }

    public BoundedPublisher.Stats stats() {
        return publisher.stats();
    }

    @Override
    public void close() {
        publisher.close();
    }
}
