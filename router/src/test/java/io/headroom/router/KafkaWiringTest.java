package io.headroom.router;

import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.router.config.BackendConfig;
import io.headroom.router.config.HostPort;
import io.headroom.router.config.PoolConfig;
import io.headroom.router.control.ControlPlanStore;
import io.headroom.router.control.ControlPlanSubscriber;
import io.headroom.router.telemetry.KafkaTelemetrySink;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.ManualTicker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Telemetry out and control plans in, through a real (embedded) broker. */
@Timeout(90)
class KafkaWiringTest {

    @Test
    void telemetryIsPublishedAndPlansAreApplied() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), "router-test");
            try (Admin admin = clients.admin()) {
                Topics.DEFAULT.ensure(admin, 1, (short) 1);
            }
            // control plans in
            ControlPlanStore store = new ControlPlanStore(Map.of("api", PoolConfig.of("api",
                    List.of(new BackendConfig(HostPort.parse("10.0.0.1:80"), 1.0)))),
                    new Watchdog(new ManualTicker(), 1_000_000L), Clock.systemUTC());
            long now = System.currentTimeMillis();
            ControlPlan plan = new ControlPlan("pool:api", ControlPlan.SOURCE_AUTOSCALER, 3, now, now + 60_000, Map.of(), List.of(),
                    List.of("10.0.0.2:80"), "test");
            try (KafkaProducer<String, ControlPlan> p = clients.producer("plans", Codecs.CONTROL.serializer());
                 ControlPlanSubscriber sub = ControlPlanSubscriber.start(clients, Topics.DEFAULT.control(), store)) {
                p.send(new ProducerRecord<>(Topics.DEFAULT.control(), plan.key(), plan)).get();
                await().atMost(Duration.ofSeconds(30)).until(() -> store.snapshot("api").addresses().size() == 2);
                assertThat(store.snapshot("api").autoscalerEpoch()).isEqualTo(3);
                assertThat(sub.appliedCount()).isEqualTo(1);
            }
            // telemetry out
            TelemetryWindow w = new TelemetryWindow("node-1", 42, 1_000, 1000, "api", "api", List.of(
                    new BackendStats("10.0.0.1:80", 1, 1, 0, 0, 0, 0, 0, 0, 2, LatencyHistogram.EMPTY)));
            try (KafkaTelemetrySink sink = KafkaTelemetrySink.create(clients, Topics.DEFAULT.telemetry(), 100)) {
                sink.accept(w);
            }
            try (KafkaConsumer<String, TelemetryWindow> c = clients.consumer("check", null, Codecs.TELEMETRY.deserializer())) {
                TopicPartition tp = new TopicPartition(Topics.DEFAULT.telemetry(), 0);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                List<ConsumerRecord<String, TelemetryWindow>> got = new ArrayList<>();
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    c.poll(Duration.ofMillis(200)).forEach(got::add);
                    return !got.isEmpty();
                });
                assertThat(got.get(0).key()).isEqualTo("api");
                assertThat(got.get(0).value()).isEqualTo(w);
            }
            store.close();
        }
    }
}
