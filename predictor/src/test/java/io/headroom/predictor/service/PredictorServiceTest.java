package io.headroom.predictor.service;

import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.plan.PoolSettings;
import io.headroom.predictor.plan.PredictorSettings;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class PredictorServiceTest {

    static TelemetryWindow ramp(long sequence, long second, long t0) {
        long rate = 100 + (second - t0) / 2;
        long a = rate * 2 / 3;
        return new TelemetryWindow("router-1", sequence, second * 1000, 1000, "api", "api", List.of(
                new BackendStats("127.0.0.1:9001", a, a, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY),
                // 9002 fails half of what it is sent: its plan weight must drop to about half of 9001's.
                new BackendStats("127.0.0.1:9002", rate - a, (rate - a) / 2, 0, 0, rate - a - (rate - a) / 2, 0, 0, 0, 0,
                        LatencyHistogram.EMPTY)));
    }

    @Test
    @Timeout(120)
    void rampingTelemetryOnKafkaYieldsATribuoIntentAndAPredictorPlan() throws Exception {
        Clock clock = Clock.systemUTC();
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), "test");
            try (Admin admin = clients.admin()) {
                Topics.DEFAULT.ensure(admin, 2, (short) 1);
            }
            long nowSecond = clock.millis() / 1000;
            long t0 = nowSecond - 400;
            AtomicLong seq = new AtomicLong();
            ScheduledExecutorService feeder = Executors.newSingleThreadScheduledExecutor();
            Queue<ScalingIntent> intents = new ConcurrentLinkedQueue<>();
            Queue<ControlPlan> plans = new ConcurrentLinkedQueue<>();
            try (KafkaProducer<String, TelemetryWindow> producer = clients.producer("test-telemetry", Codecs.TELEMETRY.serializer());
                 ConsumerLoop<ScalingIntent> intentLoop = ConsumerLoop.assignAll(clients.consumer("test-scaling", null,
                         Codecs.INTENT.deserializer()), List.of(Topics.DEFAULT.scaling()), r -> r.forEach(x -> intents.add(x.value())),
                         "test-scaling").start();
                 ConsumerLoop<ControlPlan> planLoop = ConsumerLoop.assignAll(clients.consumer("test-control", null,
                         Codecs.CONTROL.deserializer()), List.of(Topics.DEFAULT.control()), r -> r.forEach(x -> plans.add(x.value())),
                         "test-control").start()) {
                // 400 s of history, then one window per second as a live router would.
                AtomicLong next = new AtomicLong(t0);
                Runnable publishUpToNow = () -> {
                    long current = clock.millis() / 1000;
                    for (long s = next.get(); s < current; s++) {
                        producer.send(new ProducerRecord<>(Topics.DEFAULT.telemetry(), "api", ramp(seq.getAndIncrement(), s, t0)));
                        next.set(s + 1);
                    }
                    producer.flush();
                };
                publishUpToNow.run();
                feeder.scheduleAtFixedRate(publishUpToNow, 200, 200, TimeUnit.MILLISECONDS);

                PredictorSettings settings = PredictorSettings.of(Map.of("api", new PoolSettings("api", 100, 0.8)))
                        .withLeadTime(Duration.ofSeconds(10)).withRetrainInterval(Duration.ofSeconds(2));
                try (PredictorService service = PredictorService.start(clients, Topics.DEFAULT, settings, clock)) {
                    await().atMost(Duration.ofSeconds(60)).until(() -> intents.stream().anyMatch(i -> i.model().equals("linear-sgd")));
                    await().atMost(Duration.ofSeconds(30)).until(() -> plans.stream()
                            .anyMatch(p -> p.source().equals(ControlPlan.SOURCE_PREDICTOR) && p.provenance().contains("linear-sgd")));
                    assertThat(service.tickFailureCount()).isZero();
                }
                ScalingIntent i = intents.stream().filter(x -> x.model().equals("linear-sgd")).findFirst().orElseThrow();
                assertThat(i.pool()).isEqualTo("api");
                assertThat(i.horizonSeconds()).isEqualTo(10);
                assertThat(i.forecastRate()).as("a rising ramp: forecast above what is observed").isGreaterThan(i.observedRate());
                assertThat(i.forecastUpper()).isGreaterThanOrEqualTo(i.forecastRate());
                assertThat(i.desiredNow()).isEqualTo(Math.max(1, (int) Math.ceil(i.forecastUpper() / 80 - 1e-9)));
                ControlPlan p = plans.stream().filter(x -> x.provenance().contains("linear-sgd")).findFirst().orElseThrow();
                assertThat(p.scope()).isEqualTo(ControlPlan.poolScope("api"));
                assertThat(p.weights().get("127.0.0.1:9001") / p.weights().get("127.0.0.1:9002")).isBetween(1.9, 2.1);
                assertThat(p.validUntilMillis() - p.issuedAtMillis()).isEqualTo(30_000);
                List<Long> epochs = plans.stream().map(ControlPlan::epoch).toList();
                assertThat(epochs).isSorted();
            } finally {
                feeder.shutdownNow();
                feeder.awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
