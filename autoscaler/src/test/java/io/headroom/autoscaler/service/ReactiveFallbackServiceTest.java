package io.headroom.autoscaler.service;

import io.headroom.autoscaler.config.AutoscalerConfig;
import io.headroom.autoscaler.core.InMemoryProvider;
import io.headroom.autoscaler.core.Mode;
import io.headroom.autoscaler.core.PoolStatus;
import io.headroom.autoscaler.policy.PolicyConfig;
import io.headroom.autoscaler.provider.LocalProviderConfig;
import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.ingest.model.TelemetryWindow;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The reactive fallback on the real embedded broker: the predictor's intents stop, the autoscaler reads the load
 * from the telemetry topic itself (two routers, every window sent twice), switches the pool to reactive, scales on
 * that load and says so in its status and on the events topic.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ReactiveFallbackServiceTest {
    private static final int PER_ROUTER_RATE = 25; // two routers: 50 req/s; 10 per instance -> 5 instances

    @Test
    void silentPredictorFallsBackToTelemetryDrivenScaling() throws Exception {
        Topics topics = Topics.DEFAULT;
        AutoscalerConfig.PoolConfig pool = new AutoscalerConfig.PoolConfig("api",
                new PolicyConfig(1, 8, Duration.ZERO, Duration.ZERO, 8, 1, false), AutoscalerConfig.ProviderKind.LOCAL,
                LocalProviderConfig.of(9100, 100, Duration.ofMillis(1)), null, null, null, null, new AutoscalerConfig.Reactive(10, 1.0));
        AutoscalerConfig config = new AutoscalerConfig(false, Duration.ofSeconds(1), Duration.ofSeconds(15), Map.of("api", pool),
                Duration.ofSeconds(4), Duration.ofSeconds(2));
        List<ScalingEvent> events = new CopyOnWriteArrayList<>();
        ScheduledExecutorService routers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().factory());
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), "reactive-it");
            try (Admin admin = clients.admin()) {
                topics.ensure(admin, 2, (short) 1);
            }
            try (ConsumerLoop<ScalingEvent> eventReader = ConsumerLoop.assignAll(clients.consumer("events", null,
                         Codecs.EVENT.deserializer()), List.of(topics.events()), rs -> rs.forEach(r -> events.add(r.value())),
                         "it-events").start();
                 KafkaProducer<String, ScalingIntent> intents = clients.producer("intents", Codecs.INTENT.serializer());
                 KafkaProducer<String, TelemetryWindow> telemetry = clients.producer("telemetry", Codecs.TELEMETRY.serializer());
                 AutoscalerService service = new AutoscalerService(config, clients, topics, Clock.systemUTC(),
                         (p, listener) -> new InMemoryProvider(listener)).start()) {

                intents.send(new ProducerRecord<>(topics.scaling(), "api", new ScalingIntent("api", System.currentTimeMillis(), 1, 30, 0,
                        0, 0, 0, 10, "test", "one intent, then silence"))).get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30)).until(() -> status(service).ready() == 1);
                assertThat(status(service).mode()).isEqualTo(Mode.PREDICTIVE);

                // Two routers publish a window per second; each window goes out twice (a producer retry, say).
                AtomicLong seq = new AtomicLong();
                routers.scheduleAtFixedRate(() -> {
                    long start = Math.floorDiv(System.currentTimeMillis(), 1000) * 1000 - 1000;
                    long s = seq.incrementAndGet();
                    for (String router : List.of("router-a", "router-b")) {
                        TelemetryWindow w = window(router, s, start);
                        telemetry.send(new ProducerRecord<>(topics.telemetry(), router, w));
                        telemetry.send(new ProducerRecord<>(topics.telemetry(), router, w));
                    }
                }, 0, 1, TimeUnit.SECONDS);

                await("the pool goes reactive and scales on the observed 50 req/s").atMost(Duration.ofSeconds(40))
                        .pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
                            PoolStatus st = status(service);
                            assertThat(st.mode()).as("status %s", st).isEqualTo(Mode.REACTIVE);
                            assertThat(st.ready()).as("ready instances; status %s", st).isEqualTo(5);
                        });
                assertThat(service.observedLoad().stats().duplicates()).as("redelivered windows dropped").isPositive();
                assertThat(service.observedLoad().rate("api", System.currentTimeMillis()).orElse(-1))
                        .as("duplicates are not counted: 50 req/s, not 100").isBetween(45.0, 55.0);
                await("the switch on the events topic").atMost(Duration.ofSeconds(20)).untilAsserted(() ->
                        assertThat(events).anySatisfy(e -> {
                            assertThat(e.action()).isEqualTo(ScalingEvent.Action.DECIDED);
                            assertThat(e.reason()).matches("predictor silent for \\d+s: reactive; scale up 1 -> 5: observed .*");
                        }));

                // The predictor comes back: predictive again.
                intents.send(new ProducerRecord<>(topics.scaling(), "api", new ScalingIntent("api", System.currentTimeMillis(), 5, 30, 50,
                        0, 0, 0, 10, "test", "back"))).get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(20)).until(() -> status(service).mode() == Mode.PREDICTIVE);
            } finally {
                routers.shutdownNow();
            }
        }
    }

    private static PoolStatus status(AutoscalerService s) {
        return s.status().getFirst();
    }

    private static TelemetryWindow window(String router, long seq, long startMillis) {
        long n = PER_ROUTER_RATE;
        return new TelemetryWindow(router, seq, startMillis, 1000, "api", "api", List.of(new BackendStats("127.0.0.1:9001", n, n, 0, 0,
                0, 0, 0, 0, 0, LatencyHistogram.of(new long[LatencyHistogram.BUCKETS]))));
    }
}
