package io.headroom.autoscaler.service;

import io.headroom.autoscaler.config.AutoscalerConfig;
import io.headroom.autoscaler.core.PoolController;
import io.headroom.autoscaler.core.PoolStatus;
import io.headroom.autoscaler.policy.ScalingPolicy;
import io.headroom.autoscaler.reactive.ObservedLoad;
import io.headroom.autoscaler.reactive.ReactiveFallback;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.BoundedPublisher;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.ingest.model.TelemetryWindow;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;

import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The live autoscaler: reads scaling intents from Kafka (group {@value #GROUP}), runs each pool's
 * {@link PoolController} on a fixed tick, publishes every audit event to the events topic (key = pool) and, every
 * tick, the autoscaler's membership plan of each pool to the control topic (key = {@link ControlPlan#key()}).
 *
 * <p>It also reads the telemetry topic in its own group ({@value #TELEMETRY_GROUP}) into an {@link ObservedLoad}: when a
 * pool's latest intent is older than {@code intent-ttl} (the predictor is down or stuck), the pool falls back to the
 * reactive policy on that observed load (see {@link PoolController}). Run one autoscaler per set of pools: a second
 * member of the telemetry group would get only part of the partitions, and so only part of the load.
 *
 * <p>Lifecycle: construct, {@link #start()}, {@link #close()} (stops every instance it started).
 */
public final class AutoscalerService implements AutoCloseable {
    public static final String GROUP = "headroom-autoscaler";
    /** The consumer group of the telemetry the reactive fallback sizes on. */
    public static final String TELEMETRY_GROUP = "headroom-autoscaler-telemetry";
    private static final Logger LOG = Logger.getLogger(AutoscalerService.class.getName());

    private final AutoscalerConfig config;
    private final KafkaClients clients;
    private final Topics topics;
    private final Clock clock;
    private final Map<String, PoolController> controllers = new LinkedHashMap<>();
    private final ExecutorService actions = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService ticker;
    private final BoundedPublisher<ScalingEvent> events;
    private final BoundedPublisher<ControlPlan> plans;
    private final AtomicLong epoch;
    private final Set<String> unknownPools = ConcurrentHashMap.newKeySet();
    private final ObservedLoad load;
    private volatile ConsumerLoop<ScalingIntent> intents;
    private volatile ConsumerLoop<TelemetryWindow> telemetry;
    private volatile boolean killSwitch;
    private volatile boolean started;
    private volatile boolean closed;

    public AutoscalerService(AutoscalerConfig config, KafkaClients clients, Topics topics, Clock clock, ProviderFactory providers) {
        this.config = Objects.requireNonNull(config, "config");
        this.clients = Objects.requireNonNull(clients, "clients");
        this.topics = Objects.requireNonNull(topics, "topics");
        this.clock = Objects.requireNonNull(clock, "clock");
        Objects.requireNonNull(providers, "providers");
        this.killSwitch = config.killSwitch();
        this.epoch = new AtomicLong(clock.millis() - 1);
        this.load = new ObservedLoad(config.reactiveWindow(), ObservedLoad.DEFAULT_SETTLE);
        this.events = new BoundedPublisher<>(clients.producer("autoscaler-events", Codecs.EVENT.serializer()), 10_000,
                "autoscaler-events");
        this.plans = new BoundedPublisher<>(clients.producer("autoscaler-control", Codecs.CONTROL.serializer()), 1_000,
                "autoscaler-control");
        this.ticker = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("headroom-autoscaler-tick")
                .unstarted(r));
        try {
            for (AutoscalerConfig.PoolConfig pool : config.pools().values()) {
                ReactiveFallback fallback = new ReactiveFallback(config.intentTtl(), pool.reactive().capacityPerInstance(),
                        pool.reactive().targetUtilisation(), pool.local().capacity(), load::rate);
                PoolController c = new PoolController(pool.name(), new ScalingPolicy(pool.policy()),
                        listener -> providers.create(pool, listener), this::publish, clock::millis, actions, fallback);
                c.setKillSwitch(killSwitch);
                controllers.put(pool.name(), c);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** A service with the standard providers and the system clock. */
    public static AutoscalerService create(AutoscalerConfig config, KafkaClients clients, Topics topics) {
        Clock clock = Clock.systemUTC();
        return new AutoscalerService(config, clients, topics, clock, ProviderFactory.standard(clock));
    }

    /** Subscribes to the scaling and telemetry topics and starts ticking. */
    public synchronized AutoscalerService start() {
        if (started) {
            return this;
        }
        started = true;
        intents = ConsumerLoop.subscribe(clients.consumer("autoscaler-intents", GROUP, Codecs.INTENT.deserializer()),
                List.of(topics.scaling()), null, this::onIntents, "autoscaler-intents").start();
        telemetry = ConsumerLoop.subscribe(clients.consumer("autoscaler-telemetry", TELEMETRY_GROUP, Codecs.TELEMETRY.deserializer()),
                List.of(topics.telemetry()), null, this::onTelemetry, "autoscaler-telemetry").start();
        long period = config.tick().toMillis();
        ticker.scheduleAtFixedRate(this::tickAll, 0, period, TimeUnit.MILLISECONDS);
        LOG.info("autoscaler started for pools " + controllers.keySet() + (killSwitch ? " (kill switch ON)" : ""));
        return this;
    }

    private void onIntents(ConsumerRecords<String, ScalingIntent> records) {
        for (ConsumerRecord<String, ScalingIntent> r : records) {
            ScalingIntent i = r.value();
            if (i != null) {
                onIntent(i);
            }
        }
    }

    private void onTelemetry(ConsumerRecords<String, TelemetryWindow> records) {
        long now = clock.millis();
        for (ConsumerRecord<String, TelemetryWindow> r : records) {
            if (r.value() != null) {
                load.accept(r.value(), now);
            }
        }
    }

    /** Counts a telemetry window towards its pool's observed load (what the consumer does; also for tests). */
    public void onTelemetry(TelemetryWindow w) {
        load.accept(w, clock.millis());
    }

    /** The load each pool carries, as read from the telemetry topic. */
    public ObservedLoad observedLoad() {
        return load;
    }

    /** Hands an intent to its pool's controller (what the consumer does; also for tests and embedding). */
    public void onIntent(ScalingIntent i) {
        PoolController c = controllers.get(i.pool());
        if (c == null) {
            if (unknownPools.add(i.pool())) {
                LOG.warning("scaling intent for pool '" + i.pool() + "' ignored: not configured under autoscaler.pools "
                        + controllers.keySet());
            }
            return;
        }
        c.onIntent(i);
    }

    /** One tick: every pool's policy, then every pool's membership plan. */
    void tickAll() {
        if (closed) {
            return;
        }
        long now = clock.millis();
        for (PoolController c : controllers.values()) {
            try {
                c.tick(now);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "tick failed for pool " + c.pool(), e);
            }
            try {
                ControlPlan plan = c.membershipPlan(now, nextEpoch(now), config.membershipTtl());
                plans.offer(topics.control(), plan.key(), plan);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "membership plan failed for pool " + c.pool(), e);
            }
        }
    }

    private long nextEpoch(long now) {
        return epoch.updateAndGet(prev -> Math.max(prev + 1, now));
    }

    private void publish(ScalingEvent e) {
        LOG.fine(() -> "event " + e);
        events.offer(topics.events(), e.pool(), e);
    }

    /** Stops (true) or resumes all actions; membership plans keep being published. */
    public void setKillSwitch(boolean on) {
        killSwitch = on;
        for (PoolController c : controllers.values()) {
            c.setKillSwitch(on);
        }
        LOG.warning("autoscaler kill switch " + (on ? "ON: no scaling actions" : "OFF: scaling resumes"));
    }

    public boolean killSwitch() {
        return killSwitch;
    }

    /** Per pool: desired, ready count, instances, recent events. */
    public List<PoolStatus> status() {
        List<PoolStatus> out = new ArrayList<>();
        for (PoolController c : controllers.values()) {
            out.add(c.status());
        }
        return out;
    }

    /** The controllers, by pool name (read-only). */
    public Map<String, PoolController> pools() {
        return Map.copyOf(controllers);
    }

    public BoundedPublisher.Stats eventStats() {
        return events.stats();
    }

    public BoundedPublisher.Stats planStats() {
        return plans.stats();
    }

    /** Stops consuming and ticking, stops every instance, flushes what is buffered. Idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        ticker.shutdownNow();
        try {
            ticker.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ConsumerLoop<ScalingIntent> loop = intents;
        if (loop != null) {
            loop.close();
        }
        ConsumerLoop<TelemetryWindow> t = telemetry;
        if (t != null) {
            t.close();
        }
        for (PoolController c : controllers.values()) {
            try {
                c.close();
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "closing pool " + c.pool() + " failed", e);
            }
        }
        actions.shutdownNow();
        events.close();
        plans.close();
    }
}
