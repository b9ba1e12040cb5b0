package io.headroom.predictor.service;

import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.BoundedPublisher;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.core.PredictorCore;
import io.headroom.predictor.plan.PredictorSettings;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The predictor on Kafka: consumes telemetry (group {@value #GROUP_ID}, so predictors split the routes), feeds a
 * {@link PredictorCore}, and every second publishes its scaling intents (key = pool) and control plans
 * (key = {@link ControlPlan#key()}) through non-blocking {@link BoundedPublisher}s, and with {@code quota-tiers} every
 * tier quota change as a {@code QUOTA} event on {@code headroom.events} (key = the pool that caused it). Models retrain on one
 * background thread. No web server.
 *
 * <p><b>Warm start.</b> Kafka is the durable log of the history: whenever a telemetry partition is assigned, the
 * consumer seeks back to the first record whose timestamp is at most {@code predictor.history} old (or
 * {@code predictor.minute-history} when long horizons are forecast and it is longer)
 * ({@code offsetsForTimes}), so a restarted predictor (or one that takes over a route from another) re-reads the
 * windows still in the broker's retention and its history is warm again before its first retrain. A partition this
 * instance already read resumes at its own next offset when that is later (no re-reading after a rebalance); a
 * partition with no record that recent starts at its end. Re-read windows that were already seen are dropped by
 * the store's deduplication (instance id + sequence).
 *
 * <p>With cluster-wide calendar quotas ({@code period-quotas}) it seeks back further when needed: to the start of the
 * oldest current calendar window (the month of a monthly quota), so that a restarted predictor rebuilds each
 * consumer's count of the period from the topic instead of starting it at zero. Windows older than the history only
 * go to those counts. The topic's retention must cover the longest period for this to be complete.
 */
public final class PredictorService implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(PredictorService.class.getName());
    public static final String GROUP_ID = "headroom-predictor";
    public static final Duration TICK = Duration.ofSeconds(1);

    private final PredictorCore core;
    private final Topics topics;
    private final Clock clock;
    private final ConsumerLoop<TelemetryWindow> consumer;
    private final BoundedPublisher<ScalingIntent> intents;
    private final BoundedPublisher<ControlPlan> plans;
    /** Quota tier changes to {@code headroom.events}; null without {@code quota-tiers}. */
    private final BoundedPublisher<ScalingEvent> events;
    private final ScheduledExecutorService ticker;
    private final ExecutorService trainer;
    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLong tickFailures = new AtomicLong();
    private final AtomicLong rewound = new AtomicLong();
    /** Next offset to read per telemetry partition this instance has read from (touched on the consumer's thread only). */
    private final Map<TopicPartition, Long> nextOffset = new ConcurrentHashMap<>();

    private PredictorService(KafkaClients clients, Topics topics, PredictorSettings settings, Clock clock) {
        this.topics = topics;
        this.clock = clock;
        this.trainer = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("headroom-predictor-train").factory());
        this.core = new PredictorCore(settings, trainer);
        this.intents = new BoundedPublisher<>(clients.producer("predictor-scaling", Codecs.INTENT.serializer()), 1024, "predictor-scaling");
        this.plans = new BoundedPublisher<>(clients.producer("predictor-control", Codecs.CONTROL.serializer()), 1024, "predictor-control");
        this.events = settings.quotas().tiers().isEmpty() ? null
                : new BoundedPublisher<>(clients.producer("predictor-events", Codecs.EVENT.serializer()), 256, "predictor-events");
        Consumer<String, TelemetryWindow> telemetry = clients.consumer("predictor-telemetry", GROUP_ID, Codecs.TELEMETRY.deserializer());
        this.consumer = ConsumerLoop.subscribe(telemetry, List.of(topics.telemetry()),
                new Rewind(telemetry, settings.replaySpan(), clock), records -> {
                    for (ConsumerRecord<String, TelemetryWindow> r : records) {
                        nextOffset.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                        if (r.value() == null) {
                            continue;
                        }
                        // Older than the history kept: re-read only to rebuild the calendar quotas' counts.
                        if (r.value().startMillis() < clock.millis() - settings.replaySpan().toMillis()) {
                            core.acceptForQuotas(r.value());
                        } else {
                            core.accept(r.value());
                        }
                    }
                }, "predictor-telemetry");
        this.ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("headroom-predictor-tick").factory());
    }

    /**
     * Starts consuming telemetry and ticking every second.
     *
     * @param clients  Kafka client factory
     * @param topics   topic names (they must exist: {@link Topics#ensure})
     * @param settings the {@code predictor:} section
     * @param clock    wall clock the ticks read
     */
    public static PredictorService start(KafkaClients clients, Topics topics, PredictorSettings settings, Clock clock) {
        PredictorService s = new PredictorService(clients, topics, settings, clock);
        s.consumer.start();
        s.ticker.scheduleAtFixedRate(s::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
        return s;
    }

    /** Seeks newly assigned telemetry partitions back by the history span (runs inside poll, on the consumer's thread). */
    private final class Rewind implements ConsumerRebalanceListener {
        private final Consumer<String, TelemetryWindow> consumer;
        private final Duration history;
        private final Clock clock;

        Rewind(Consumer<String, TelemetryWindow> consumer, Duration history, Clock clock) {
            this.consumer = consumer;
            this.history = history;
            this.clock = clock;
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            long since = core.rewindFrom(clock.millis());
            Map<TopicPartition, Long> query = new HashMap<>();
            partitions.forEach(tp -> query.put(tp, since));
            Map<TopicPartition, OffsetAndTimestamp> found;
            try {
                found = consumer.offsetsForTimes(query, Duration.ofSeconds(30));
            } catch (org.apache.kafka.common.KafkaException e) {
                // Without the lookup the group's committed offsets apply: the predictor starts cold, not broken.
                LOG.log(Level.WARNING, "could not look up telemetry offsets " + history + " back; history starts cold", e);
                return;
            }
            Map<TopicPartition, Long> ends = null;
            for (TopicPartition tp : partitions) {
                OffsetAndTimestamp at = found.get(tp);
                Long own = nextOffset.get(tp);
                long target;
                if (at != null) {
                    target = own == null ? at.offset() : Math.max(own, at.offset());
                } else if (own != null) {
                    target = own;
                } else {
                    // Nothing that recent: start at the end (the committed offset could be older than the history span).
                    if (ends == null) {
                        ends = consumer.endOffsets(partitions, Duration.ofSeconds(30));
                    }
                    target = ends.getOrDefault(tp, 0L);
                }
                consumer.seek(tp, target);
                rewound.incrementAndGet();
            }
            LOG.log(Level.INFO, "telemetry partitions {0} assigned; history re-read from {1} s back", new Object[] {partitions,
                    String.valueOf((clock.millis() - since) / 1000)});
        }

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        }
    }

    private void tick() {
        try {
            PredictorCore.Tick t = core.tick(clock.millis());
            for (ScalingIntent i : t.intents()) {
                intents.offer(topics.scaling(), i.pool(), i);
            }
            for (ControlPlan p : t.plans()) {
                plans.offer(topics.control(), p.key(), p);
            }
            if (events != null) {
                for (ScalingEvent e : t.events()) {
                    events.offer(topics.events(), e.pool(), e);
                }
            }
            ticks.incrementAndGet();
        } catch (RuntimeException e) {
            // A failed tick must not cancel the schedule: log, count, and try again next second.
            tickFailures.incrementAndGet();
            LOG.log(Level.WARNING, "predictor tick failed", e);
        }
    }

    public PredictorCore core() {
        return core;
    }

    public long tickCount() {
        return ticks.get();
    }

    /** Telemetry partition assignments that were sought back by the history span (warm start). */
    public long rewoundPartitionCount() {
        return rewound.get();
    }

    public long tickFailureCount() {
        return tickFailures.get();
    }

    public BoundedPublisher.Stats intentStats() {
        return intents.stats();
    }

    public BoundedPublisher.Stats planStats() {
        return plans.stats();
    }

    public boolean consumerAlive() {
        return consumer.isAlive();
    }

    @Override
    public void close() {
        ticker.shutdownNow();
        consumer.close();
        trainer.shutdownNow();
        intents.close();
        plans.close();
        if (events != null) {
            events.close();
        }
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
            trainer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
