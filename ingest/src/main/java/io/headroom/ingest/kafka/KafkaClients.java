package io.headroom.ingest.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Builds Kafka clients with the settings Headroom relies on. Extra properties (security, tuning) from the
 * configuration file are applied last and win.
 *
 * @param bootstrapServers {@code host:port,...}
 * @param clientIdPrefix   prefix of every client id, e.g. the instance id
 * @param extra            additional client properties
 */
public record KafkaClients(String bootstrapServers, String clientIdPrefix, Map<String, String> extra) {

    public KafkaClients {
        Objects.requireNonNull(bootstrapServers, "bootstrapServers");
        Objects.requireNonNull(clientIdPrefix, "clientIdPrefix");
        extra = Map.copyOf(extra);
    }

    public KafkaClients(String bootstrapServers, String clientIdPrefix) {
        this(bootstrapServers, clientIdPrefix, Map.of());
    }

    public Admin admin() {
        Map<String, Object> p = new HashMap<>();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.CLIENT_ID_CONFIG, clientIdPrefix + "-admin");
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        p.putAll(extra);
        return Admin.create(p);
    }

    /**
     * A producer for the loop's records.
     */
    public <V> KafkaProducer<String, V> producer(String purpose, Serializer<V> valueSerializer) {
        return new KafkaProducer<>(producerProperties(purpose, Map.of()), new StringSerializer(), valueSerializer);
    }

    /**
     * A producer for publishing a recorded history in one go (hundreds of records at once, then closed): one request
     * in flight and a 60 s request timeout. With several in flight, a batch whose answer was lost (a slow broker, a
     * request timeout) can be retried after later batches were appended and have pushed it out of the broker's memory of
     * the last five, and the broker then refuses the retry as out of order ({@code OutOfOrderSequenceException}) until
     * the delivery timeout; with one in flight a retry is always of the last batch, which the broker recognises as a
     * duplicate. The configuration file's extra properties still win.
     */
    public <V> KafkaProducer<String, V> bulkProducer(String purpose, Serializer<V> valueSerializer) {
        return new KafkaProducer<>(producerProperties(purpose, BULK), new StringSerializer(), valueSerializer);
    }

    /** What {@link #bulkProducer} changes. */
    static final Map<String, Object> BULK = Map.of(
            ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1,
            ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 60_000);

    /** A producer's properties: Headroom's settings, then {@code overrides}, then the configuration file's extra. */
    Map<String, Object> producerProperties(String purpose, Map<String, Object> overrides) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, clientIdPrefix + "-" + purpose);
        // Idempotence: broker-side dedup of retried batches, so a retry never duplicates a window.
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // acks=all is required by idempotence and means "acknowledged" survives a leader change.
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        // Windows close once a second per route: a short linger batches the routes of one tick together.
        p.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // send() runs on our sender thread, never a request thread; still bound how long it may block on
        // metadata or a full client buffer, so a dead broker shows up as failed sends and drops, not a hang.
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        // Keep retrying inside the client for up to 2 minutes (a broker restart), then report failure.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 16L * 1024 * 1024);
        p.put(ProducerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        p.putAll(overrides);
        p.putAll(extra);
        return p;
    }

    /**
     * A consumer; {@code groupId == null} means a standalone consumer that is assigned partitions by hand.
     */
    public <V> KafkaConsumer<String, V> consumer(String purpose, String groupId, Deserializer<V> valueDeserializer) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, clientIdPrefix + "-" + purpose);
        if (groupId != null) {
            p.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        }
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, groupId != null);
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 2_000);
        p.put(ConsumerConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 2_000);
        p.putAll(extra);
        return new KafkaConsumer<>(p, new StringDeserializer(), valueDeserializer);
    }

    static Serializer<byte[]> bytes() {
        return new ByteArraySerializer();
    }

    static Deserializer<byte[]> bytesIn() {
        return new ByteArrayDeserializer();
    }
}
