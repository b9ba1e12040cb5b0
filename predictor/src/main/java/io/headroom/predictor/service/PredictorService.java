package io.headroom.predictor.service;

import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.BoundedPublisher;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.core.PredictorCore;
import io.headroom.predictor.plan.PredictorSettings;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
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
 * (key = {@link ControlPlan#key()}) through non-blocking {@link BoundedPublisher}s. Models retrain on one
 * background thread. No web server.
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
    private final ScheduledExecutorService ticker;
    private final ExecutorService trainer;
    private final AtomicLong ticks = new AtomicLong();
    private final AtomicLong tickFailures = new AtomicLong();

    private PredictorService(KafkaClients clients, Topics topics, PredictorSettings settings, Clock clock) {
        this.topics = topics;
        this.clock = clock;
        this.trainer = Executors.newSingleThreadExecutor(Thread.ofPlatform().daemon().name("headroom-predictor-train").factory());
        this.core = new PredictorCore(settings, trainer);
        this.intents = new BoundedPublisher<>(clients.producer("predictor-scaling", Codecs.INTENT.serializer()), 1024, "predictor-scaling");
        this.plans = new BoundedPublisher<>(clients.producer("predictor-control", Codecs.CONTROL.serializer()), 1024, "predictor-control");
        this.consumer = ConsumerLoop.subscribe(clients.consumer("predictor-telemetry", GROUP_ID, Codecs.TELEMETRY.deserializer()),
                List.of(topics.telemetry()), null, records -> {
                    for (ConsumerRecord<String, TelemetryWindow> r : records) {
                        if (r.value() != null) {
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

    private void tick() {
        try {
            PredictorCore.Tick t = core.tick(clock.millis());
            for (ScalingIntent i : t.intents()) {
                intents.offer(topics.scaling(), i.pool(), i);
            }
            for (ControlPlan p : t.plans()) {
                plans.offer(topics.control(), p.key(), p);
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
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
            trainer.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
