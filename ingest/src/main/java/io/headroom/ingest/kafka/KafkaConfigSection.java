package io.headroom.ingest.kafka;

import io.headroom.config.ConfigNode;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code kafka:} section of the configuration.
 *
 * <pre>
 * kafka:
 *   bootstrap-servers: ""          # empty: start the embedded broker
 *   embedded-data-dir: .headroom/kafka
 *   telemetry-partitions: 8
 *   topics: {telemetry: headroom.telemetry, control: headroom.control, scaling: headroom.scaling, events: headroom.events}
 *   client: {security.protocol: SASL_SSL, ...}   # passed to every client as is
 * </pre>
 */
public record KafkaConfigSection(String bootstrapServers, Path embeddedDataDir, int telemetryPartitions, Topics topics,
                                 Map<String, String> clientProperties) {

    public static final KafkaConfigSection DEFAULT = new KafkaConfigSection("", Path.of(".headroom", "kafka"), 8, Topics.DEFAULT, Map.of());

    public KafkaConfigSection {
        clientProperties = Map.copyOf(clientProperties);
    }

    public boolean embedded() {
        return bootstrapServers.isBlank();
    }

    public static KafkaConfigSection from(ConfigNode root) {
        ConfigNode k = root.child("kafka").requireOnly("bootstrap-servers", "embedded-data-dir", "telemetry-partitions", "topics", "client");
        ConfigNode t = k.child("topics").requireOnly("telemetry", "control", "scaling", "events");
        Topics topics = new Topics(t.string("telemetry", Topics.DEFAULT.telemetry()), t.string("control", Topics.DEFAULT.control()),
                t.string("scaling", Topics.DEFAULT.scaling()), t.string("events", Topics.DEFAULT.events()));
        Map<String, String> client = new LinkedHashMap<>();
        ConfigNode c = k.child("client");
        for (String key : c.keys()) {
            client.put(key, c.string(key, ""));
        }
        return new KafkaConfigSection(k.string("bootstrap-servers", ""),
                Path.of(k.string("embedded-data-dir", DEFAULT.embeddedDataDir().toString())),
                k.integer("telemetry-partitions", DEFAULT.telemetryPartitions(), 1, 1024), topics, client);
    }
}
