package io.headroom.predictor.service;

import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
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

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A restarted predictor re-reads the telemetry still in the broker and comes back with its history warm. */
class PredictorWarmStartTest {
    static final int SECONDS = 300;

    static final int OLD_MINUTES = 120;

    /** The first of the two old hours: two days before {@code t0}. */
    static long oldHour(long t0) {
        return Math.floorDiv(t0, 3600) - 48;
    }

    static long oldCount(int minute) {
        return 3000 + 60L * minute;
    }

    static long rate(long second) {
        return 40 + Math.floorMod(second * 7, 23);
    }

    static TelemetryWindow window(String instance, long sequence, long second) {
        long n = rate(second);
        return new TelemetryWindow(instance, sequence, second * 1000, 1000, "api", "api",
                List.of(new BackendStats("127.0.0.1:9001", n, n, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY)));
    }

    @Test
    @Timeout(120)
    void aRestartedPredictorRebuildsItsHistoryFromTheTopic() throws Exception {
        Clock clock = Clock.systemUTC();
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary()) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), "warm");
            try (Admin admin = clients.admin()) {
                Topics.DEFAULT.ensure(admin, 2, (short) 1);
            }
            long t0 = clock.millis() / 1000 - SECONDS - 30;
            // One router's windows of the last 330..30 s (record timestamps: now, well inside the 1 h history span).
            try (KafkaProducer<String, TelemetryWindow> producer = clients.producer("test-telemetry", Codecs.TELEMETRY.serializer())) {
                // Two full hours two days ago, in 1-minute windows: older than the minute window of the long horizons,
                // so only the hour ring keeps them, and their seasonal lags read them from there.
                for (int i = 0; i < OLD_MINUTES; i++) {
                    long n = oldCount(i);
                    producer.send(new ProducerRecord<>(Topics.DEFAULT.telemetry(), "api", new TelemetryWindow("router-0", i,
                            (oldHour(t0) * 3600 + i * 60L) * 1000, 60_000, "api", "api",
                            List.of(new BackendStats("127.0.0.1:9001", n, n, 0, 0, 0, 0, 0, 0, 0, LatencyHistogram.EMPTY)))));
                }
                for (int i = 0; i < SECONDS; i++) {
                    producer.send(new ProducerRecord<>(Topics.DEFAULT.telemetry(), "api", window("router-1", i, t0 + i)));
                }
                producer.flush();
            }
            double[] expected = new double[SECONDS];
            for (int i = 0; i < SECONDS; i++) {
                expected[i] = rate(t0 + i);
            }
            // A long retrain interval: this test is about history, not models. Three days of the hour ring re-read on start
            // (hour-history; the default re-reads the minute history's day, and windows older than that are not kept).
            PredictorSettings settings = PredictorSettings.of(Map.of("api", new PoolSettings("api", 100, 0.8)))
                    .withRetrainInterval(Duration.ofHours(1)).withHourHistory(Duration.ofDays(3));

            double[] oldMeans = new double[2];
            for (int i = 0; i < OLD_MINUTES; i++) {
                oldMeans[i / 60] += oldCount(i) / 3600.0;
            }
            io.headroom.predictor.forecast.CoarsePast before;
            try (PredictorService first = PredictorService.start(clients, Topics.DEFAULT, settings, clock)) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(first.core().poolHistory("api", t0, t0 + SECONDS)).containsExactly(expected));
                assertThat(first.rewoundPartitionCount()).isPositive();
                before = first.core().minuteAxis("api", clock.millis()).past();
                assertThat(before.at(oldHour(t0) * 3600)).isCloseTo(oldMeans[0], org.assertj.core.data.Offset.offset(1e-9));
                assertThat(before.at(oldHour(t0) * 3600 + 3600)).isCloseTo(oldMeans[1], org.assertj.core.data.Offset.offset(1e-9));
            }
            // No new data: only the rewind can bring the history back (the group's committed offsets are at the end).
            try (PredictorService second = PredictorService.start(clients, Topics.DEFAULT, settings, clock)) {
                await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
                        assertThat(second.core().poolHistory("api", t0, t0 + SECONDS)).containsExactly(expected));
                assertThat(second.core().stats().accepted()).isEqualTo(SECONDS + OLD_MINUTES);
                assertThat(second.core().stats().duplicates()).isZero();
                assertThat(second.core().poolHistory("api", t0 - 5, t0)).containsOnly(Double.NaN);
                // The long horizons' hourly past before their minute window comes back as it was.
                io.headroom.predictor.forecast.TimeAxis axis = second.core().minuteAxis("api", clock.millis());
                assertThat(axis.past()).isEqualTo(before);
                assertThat(axis.past().endEpochSecond()).isLessThanOrEqualTo(axis.startEpochSecond());
                // The hour ring comes back too: each hour's mean over the seconds it saw.
                long h0 = Math.floorDiv(t0, 3600);
                double[] hourly = second.core().poolHourly("api", h0, h0 + 2);
                for (int k = 0; k < 2; k++) {
                    long from = Math.max(t0, (h0 + k) * 3600);
                    long to = Math.min(t0 + SECONDS, (h0 + k + 1) * 3600);
                    if (from >= to) {
                        assertThat(hourly[k]).isNaN();
                    } else {
                        double sum = 0;
                        for (long s = from; s < to; s++) {
                            sum += rate(s);
                        }
                        assertThat(hourly[k]).isCloseTo(sum / (to - from), org.assertj.core.data.Offset.offset(1e-9));
                    }
                }
            }
        }
    }
}
