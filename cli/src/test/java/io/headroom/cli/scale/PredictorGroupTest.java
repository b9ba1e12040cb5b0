package io.headroom.cli.scale;

import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.BoundedPublisher;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.core.PoolForecast;
import io.headroom.predictor.plan.PoolSettings;
import io.headroom.predictor.plan.PredictorSettings;
import io.headroom.predictor.service.PredictorService;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Scale-out of the predictor: two predictors in the consumer group split the telemetry partitions (and so the routes)
 * between them, and when one stops the other takes over its routes.
 */
@Timeout(150)
class PredictorGroupTest {
    private static final int ROUTES = 8;

    @TempDir
    Path tmp;

    @Test
    void twoPredictorsShareTheRoutesAndOneTakesOverWhenTheOtherStops() throws Exception {
        Map<String, PoolSettings> pools = new LinkedHashMap<>();
        for (int i = 0; i < ROUTES; i++) {
            pools.put("p" + i, new PoolSettings("p" + i, 50, 0.8));
        }
        PredictorSettings settings = PredictorSettings.of(pools).withLeadTime(Duration.ofSeconds(5));
        AtomicBoolean publishing = new AtomicBoolean(true);
        try (EmbeddedKafka broker = EmbeddedKafka.start(tmp.resolve("kafka"), 0)) {
            KafkaClients clients = new KafkaClients(broker.bootstrapServers(), "group-test");
            try (Admin admin = clients.admin()) {
                Topics.DEFAULT.ensure(admin, 4, (short) 1);
            }
            BoundedPublisher<TelemetryWindow> pub = new BoundedPublisher<>(clients.producer("telemetry", Codecs.TELEMETRY.serializer()),
                    10_000, "group-test");
            // One window per route per second, like a router would send, for as long as the test runs (bounded).
            Thread router = Thread.ofPlatform().daemon().start(() -> {
                for (long seq = 0; seq < 150 && publishing.get(); seq++) {
                    long second = System.currentTimeMillis() / 1000 - 1;
                    for (int i = 0; i < ROUTES; i++) {
                        long n = 20 + i;
                        pub.offer(Topics.DEFAULT.telemetry(), "r" + i, new TelemetryWindow("router-1", seq * ROUTES + i, second * 1000, 1000,
                                "r" + i, "p" + i, List.of(new BackendStats("127.0.0.1:9000", n, n, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY))));
                    }
                    try {
                        Thread.sleep(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            PredictorService a = PredictorService.start(new KafkaClients(broker.bootstrapServers(), "predictor-a"), Topics.DEFAULT,
                    settings, Clock.systemUTC());
            PredictorService b = PredictorService.start(new KafkaClients(broker.bootstrapServers(), "predictor-b"), Topics.DEFAULT,
                    settings, Clock.systemUTC());
            try {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                    Set<String> ofA = fresh(a, System.currentTimeMillis() - 5_000);
                    Set<String> ofB = fresh(b, System.currentTimeMillis() - 5_000);
                    assertThat(ofA).as("predictor A forecasts some routes").isNotEmpty();
                    assertThat(ofB).as("predictor B forecasts the others").isNotEmpty();
                    Set<String> all = new HashSet<>(ofA);
                    all.addAll(ofB);
                    assertThat(all).as("together they cover every route").hasSize(ROUTES);
                    assertThat(ofA).as("no route is forecast by both").doesNotContainAnyElementsOf(ofB);
                });
                Set<String> fromA = fresh(a, System.currentTimeMillis() - 5_000);
                a.close();
                long stoppedAt = System.currentTimeMillis();
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(fresh(b, stoppedAt)).as("B took over A's routes " + fromA).containsAll(fromA).hasSize(ROUTES));
            } finally {
                publishing.set(false);
                router.interrupt();
                a.close();
                b.close();
                pub.close();
            }
        }
    }

    /** Pools whose latest forecast was made after {@code sinceMillis} from telemetry newer than that. */
    private static Set<String> fresh(PredictorService p, long sinceMillis) {
        return p.core().latest().values().stream().filter(f -> f.atMillis() > sinceMillis && f.observed() > 0)
                .map(PoolForecast::pool).collect(Collectors.toSet());
    }
}
