package io.headroom.ingest.kafka;

import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class KafkaClientsTest {

    @Test
    void aBulkProducerHasOneRequestInFlightAndALongRequestTimeoutAndStaysIdempotent() {
        KafkaClients clients = new KafkaClients("127.0.0.1:9092", "node-1");
        Map<String, Object> loop = clients.producerProperties("telemetry", Map.of());
        Map<String, Object> bulk = clients.producerProperties("backfill", KafkaClients.BULK);

        assertThat(loop).doesNotContainKey(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        assertThat(bulk).containsEntry(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1)
                .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 60_000)
                .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
                .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
                .containsEntry(ProducerConfig.CLIENT_ID_CONFIG, "node-1-backfill");
        // Otherwise the same settings as the loop's producers.
        assertThat(bulk).containsAllEntriesOf(Map.of(
                ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 120_000,
                ProducerConfig.LINGER_MS_CONFIG, 20,
                ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4"));
    }

    @Test
    void theConfigurationFilesExtraPropertiesWinOverTheBulkSettings() {
        KafkaClients clients = new KafkaClients("127.0.0.1:9092", "node-1",
                Map.of(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "90000", "security.protocol", "SSL"));

        Map<String, Object> bulk = clients.producerProperties("backfill", KafkaClients.BULK);

        assertThat(bulk).containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "90000")
                .containsEntry("security.protocol", "SSL")
                .containsEntry(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
    }
}
