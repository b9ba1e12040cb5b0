package io.headroom.ingest.broker;

import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.BoundedPublisher;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The real in-process broker: publish through the bounded publisher, read with the consumer loop, restart, read again. */
class EmbeddedKafkaTest {

    private static TelemetryWindow window(long seq) {
        return new TelemetryWindow("r1", seq, 1_000L * seq, 1000, "api", "api",
                List.of(new BackendStats("127.0.0.1:1", seq, seq, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY)));
    }

    private static List<TelemetryWindow> readAll(String bootstrap, int expected) {
        List<TelemetryWindow> got = new CopyOnWriteArrayList<>();
        KafkaClients clients = new KafkaClients(bootstrap, "test-reader");
        try (ConsumerLoop<TelemetryWindow> loop = ConsumerLoop.assignAll(
                clients.consumer("read", null, Codecs.TELEMETRY.deserializer()), List.of(Topics.DEFAULT.telemetry()),
                records -> {
                    for (ConsumerRecord<String, TelemetryWindow> r : records) {
                        got.add(r.value());
                    }
                }, "reader").start()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> got.size() >= expected);
        }
        return got;
    }

    @Test
    void recordsAndTopicsSurviveARestartOnTheSameDirectory(@TempDir Path dir) throws Exception {
        int port;
        try (EmbeddedKafka broker = EmbeddedKafka.start(dir, 0)) {
            port = broker.port();
            KafkaClients clients = new KafkaClients(broker.bootstrapServers(), "test");
            try (Admin admin = clients.admin()) {
                Topics.DEFAULT.ensure(admin, 2, (short) 1);
            }
            BoundedPublisher<TelemetryWindow> pub = new BoundedPublisher<>(
                    clients.producer("telemetry", Codecs.TELEMETRY.serializer()), 100, "t");
            for (long i = 1; i <= 5; i++) {
                assertThat(pub.offer(Topics.DEFAULT.telemetry(), "api", window(i))).isTrue();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> pub.stats().acked() == 5);
            pub.close();
            assertThat(readAll(broker.bootstrapServers(), 5)).extracting(TelemetryWindow::sequence)
                    .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
        }

        try (EmbeddedKafka again = EmbeddedKafka.start(dir, 0)) {
            assertThat(again.port()).isEqualTo(port);
            try (Admin admin = new KafkaClients(again.bootstrapServers(), "test2").admin()) {
                assertThat(admin.listTopics().names().get(30, TimeUnit.SECONDS))
                        .contains(Topics.DEFAULT.telemetry(), Topics.DEFAULT.control(), Topics.DEFAULT.scaling(), Topics.DEFAULT.events());
            }
            assertThat(readAll(again.bootstrapServers(), 5)).extracting(TelemetryWindow::sequence)
                    .containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L);
        }
    }
}
