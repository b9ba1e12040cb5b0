package io.headroom.autoscaler.service;

import io.headroom.autoscaler.config.AutoscalerConfig;
import io.headroom.autoscaler.core.PoolStatus;
import io.headroom.autoscaler.policy.PolicyConfig;
import io.headroom.autoscaler.provider.Instance;
import io.headroom.autoscaler.provider.LocalProviderConfig;
import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingIntent;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The whole autoscaler on a real embedded broker with real backend processes. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class AutoscalerServiceTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static ScalingIntent intent(long at, int desired) {
        return new ScalingIntent("api", at, desired, 30, 0, 0, 0, 0, 100, "test", "integration test");
    }

    private static long count(List<ScalingEvent> events, ScalingEvent.Action a) {
        return events.stream().filter(e -> e.action() == a).count();
    }

    @Test
    void scalesRealInstancesFromIntentsAndPublishesMembershipAndEvents(@TempDir Path logs) throws Exception {
        Topics topics = Topics.DEFAULT;
        LocalProviderConfig local = LocalProviderConfig.of(freePort(), 100, Duration.ofMillis(1))
                .withDrain(Duration.ofMillis(300)).withLogDir(logs);
        AutoscalerConfig config = new AutoscalerConfig(false, Duration.ofSeconds(1), Duration.ofSeconds(15), Map.of("api",
                new AutoscalerConfig.PoolConfig("api", new PolicyConfig(1, 4, Duration.ZERO, Duration.ZERO, 4, 1, false),
                        AutoscalerConfig.ProviderKind.LOCAL, local)));
        List<ControlPlan> plans = new CopyOnWriteArrayList<>();
        List<ScalingEvent> events = new CopyOnWriteArrayList<>();

        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), "it");
            try (Admin admin = clients.admin()) {
                topics.ensure(admin, 1, (short) 1);
            }
            try (ConsumerLoop<ControlPlan> planReader = ConsumerLoop.assignAll(clients.consumer("plans", null,
                         Codecs.CONTROL.deserializer()), List.of(topics.control()), rs -> rs.forEach(r -> plans.add(r.value())),
                         "it-plans").start();
                 ConsumerLoop<ScalingEvent> eventReader = ConsumerLoop.assignAll(clients.consumer("events", null,
                         Codecs.EVENT.deserializer()), List.of(topics.events()), rs -> rs.forEach(r -> events.add(r.value())),
                         "it-events").start();
                 KafkaProducer<String, ScalingIntent> producer = clients.producer("intents", Codecs.INTENT.serializer());
                 AutoscalerService service = new AutoscalerService(config, clients, topics, Clock.systemUTC(),
                         ProviderFactory.standard(Clock.systemUTC())).start();
                 HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {

                producer.send(new ProducerRecord<>(topics.scaling(), "api", intent(System.currentTimeMillis(), 2)))
                        .get(30, TimeUnit.SECONDS);

                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                        .until(() -> service.status().getFirst().ready() == 2);
                PoolStatus status = service.status().getFirst();
                List<String> addresses = status.instances().stream().map(Instance::address).sorted().toList();
                assertThat(addresses).hasSize(2);
                for (String a : addresses) {
                    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + a + "/hello"))
                            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(r.statusCode()).isEqualTo(200);
                }

                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(plans).anySatisfy(p -> {
                    assertThat(p.scope()).isEqualTo("pool:api");
                    assertThat(p.source()).isEqualTo("autoscaler");
                    assertThat(p.weights()).isEmpty();
                    assertThat(p.validUntilMillis()).isEqualTo(p.issuedAtMillis() + 15_000);
                    assertThat(p.members()).containsExactlyElementsOf(addresses);
                }));
                await().atMost(Duration.ofSeconds(30)).until(() -> count(events, ScalingEvent.Action.STARTING) >= 2
                        && count(events, ScalingEvent.Action.READY) >= 2);
                assertThat(events).allSatisfy(e -> assertThat(e.pool()).isEqualTo("api"));
                // epochs only grow
                List<Long> epochs = plans.stream().map(ControlPlan::epoch).toList();
                assertThat(epochs).isSorted().doesNotHaveDuplicates();

                // Scale in: the newest instance leaves the pool, drains, stops.
                producer.send(new ProducerRecord<>(topics.scaling(), "api", intent(System.currentTimeMillis(), 1)))
                        .get(30, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(60)).until(() -> count(events, ScalingEvent.Action.DRAINING) >= 1
                        && count(events, ScalingEvent.Action.STOPPED) >= 1);
                ScalingEvent drained = events.stream().filter(e -> e.action() == ScalingEvent.Action.DRAINING).findFirst().orElseThrow();
                assertThat(addresses).contains(drained.instance());
                assertThat(service.status().getFirst().ready()).isEqualTo(1);
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(plans.getLast().members())
                        .hasSize(1).doesNotContain(drained.instance()));
                assertThat(count(events, ScalingEvent.Action.FAILED)).isZero();
            }
        }
    }
}
