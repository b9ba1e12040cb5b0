package io.headroom.cli.demo;

import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.ConsumerLoop;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.TelemetryWindow;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads back what crossed Kafka during the demo: the router's telemetry windows (to show observed rate and p99 as
 * the predictor sees them) and the autoscaler's audit events. Keeps a bounded number of recent windows.
 */
final class TelemetryTap implements AutoCloseable {
    private static final int KEEP_WINDOWS = 600;

    private final String routerInstance;
    private final TreeMap<Long, long[]> requestsBySecond = new TreeMap<>();
    private final TreeMap<Long, LatencyHistogram> latencyBySecond = new TreeMap<>();
    private final AtomicLong windows = new AtomicLong();
    private final Map<ScalingEvent.Action, Long> events = new EnumMap<>(ScalingEvent.Action.class);
    private final ConsumerLoop<TelemetryWindow> telemetryLoop;
    private final ConsumerLoop<ScalingEvent> eventLoop;

    TelemetryTap(KafkaClients clients, Topics topics, String routerInstance) {
        this.routerInstance = routerInstance;
        this.telemetryLoop = ConsumerLoop.assignAll(clients.consumer("demo-tap-telemetry", null, Codecs.TELEMETRY.deserializer()),
                List.of(topics.telemetry()), records -> {
                    for (ConsumerRecord<String, TelemetryWindow> r : records) {
                        onWindow(r.value());
                    }
                }, "demo-tap-telemetry").start();
        this.eventLoop = ConsumerLoop.assignAll(clients.consumer("demo-tap-events", null, Codecs.EVENT.deserializer()),
                List.of(topics.events()), records -> {
                    synchronized (events) {
                        for (ConsumerRecord<String, ScalingEvent> r : records) {
                            events.merge(r.value().action(), 1L, Long::sum);
                        }
                    }
                }, "demo-tap-events").start();
    }

    private synchronized void onWindow(TelemetryWindow w) {
        if (!w.instanceId().equals(routerInstance)) {
            return;
        }
        windows.incrementAndGet();
        long[] c = requestsBySecond.computeIfAbsent(w.startMillis(), k -> new long[3]);
        for (var b : w.backends()) {
            c[0] += b.requests();
            c[1] += b.status5xx() + b.errors() + b.rejections();
            c[2] += b.healthyResponses();
        }
        latencyBySecond.merge(w.startMillis(), w.latency(), LatencyHistogram::merge);
        while (requestsBySecond.size() > KEEP_WINDOWS) {
            requestsBySecond.pollFirstEntry();
        }
        while (latencyBySecond.size() > KEEP_WINDOWS) {
            latencyBySecond.pollFirstEntry();
        }
    }

    /** Requests in the latest window that started at or before {@code latestStartMillis}; -1 if none yet. */
    synchronized double rateAt(long latestStartMillis) {
        var e = requestsBySecond.floorEntry(latestStartMillis);
        return e == null ? -1 : e.getValue()[0];
    }

    /** p99 in ms over windows starting in (from, to]. */
    synchronized double p99Millis(long fromMillis, long toMillis) {
        LatencyHistogram h = LatencyHistogram.EMPTY;
        for (LatencyHistogram x : latencyBySecond.subMap(fromMillis, false, toMillis, true).values()) {
            h = h.merge(x);
        }
        return h.totalCount() == 0 ? Double.NaN : h.quantileMicros(0.99) / 1000.0;
    }

    /** Failed (5xx, router errors, rejections) over windows starting in (from, to]. */
    synchronized long failures(long fromMillis, long toMillis) {
        long n = 0;
        for (long[] c : requestsBySecond.subMap(fromMillis, false, toMillis, true).values()) {
            n += c[1];
        }
        return n;
    }

    long windowCount() {
        return windows.get();
    }

    long events(ScalingEvent.Action a) {
        synchronized (events) {
            return events.getOrDefault(a, 0L);
        }
    }

    @Override
    public void close() {
        telemetryLoop.close();
        eventLoop.close();
    }
}
