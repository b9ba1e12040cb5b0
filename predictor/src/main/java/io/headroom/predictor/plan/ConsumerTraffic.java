package io.headroom.predictor.plan;

import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.history.InstanceTraffic;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Offered requests per second of each consumer that has a global limit, per router instance (for its quota leases)
 * and per pool (for the tier planner), from the per-consumer counts in telemetry windows (version 2). Consumers
 * without a global limit and the {@code (other)} bucket are not kept, so memory is bounded by limits × instances (or
 * pools) × the ring. Not thread-safe: the owner serialises access.
 */
public final class ConsumerTraffic {
    private final Set<String> consumers;
    private final int ringSeconds;
    private final int maxKeys;
    private final Map<String, InstanceTraffic> byInstance = new HashMap<>();
    private final Map<String, InstanceTraffic> byPool = new HashMap<>();
    private long windowsWithConsumers;

    /**
     * @param consumers   the consumers to keep (those with a global limit)
     * @param ringSeconds seconds of per-second counts kept
     * @param maxKeys     most instances (and pools) kept per consumer
     */
    public ConsumerTraffic(Set<String> consumers, int ringSeconds, int maxKeys) {
        this.consumers = Set.copyOf(consumers);
        this.ringSeconds = ringSeconds;
        this.maxKeys = maxKeys;
    }

    /** Adds the per-consumer counts of a window (already de-duplicated by the caller). */
    public void accept(TelemetryWindow w) {
        if (w.consumers().isEmpty()) {
            return;
        }
        windowsWithConsumers++;
        long first = Math.floorDiv(w.startMillis(), 1000);
        int seconds = Math.max(1, w.windowMillis() / 1000);
        for (ConsumerStats c : w.consumers()) {
            if (!consumers.contains(c.consumer())) {
                continue;
            }
            double perSecond = (double) c.requests() / seconds;
            InstanceTraffic i = byInstance.computeIfAbsent(c.consumer(), k -> new InstanceTraffic(ringSeconds, maxKeys));
            InstanceTraffic p = byPool.computeIfAbsent(c.consumer(), k -> new InstanceTraffic(ringSeconds, maxKeys));
            for (int s = 0; s < seconds; s++) {
                i.add(w.instanceId(), first + s, perSecond);
                p.add(w.pool(), first + s, perSecond);
            }
        }
    }

    /** Instance → consumer → smoothed offered req/s up to second {@code last}; only pairs that reported traffic. */
    public Map<String, Map<String, Double>> byInstance(long last, double halfLifeSeconds) {
        return rates(byInstance, last, halfLifeSeconds);
    }

    /** Pool → consumer → smoothed offered req/s up to second {@code last}; only pairs that reported traffic. */
    public Map<String, Map<String, Double>> byPool(long last, double halfLifeSeconds) {
        return rates(byPool, last, halfLifeSeconds);
    }

    private static Map<String, Map<String, Double>> rates(Map<String, InstanceTraffic> m, long last, double halfLife) {
        Map<String, Map<String, Double>> out = new LinkedHashMap<>();
        for (Map.Entry<String, InstanceTraffic> e : m.entrySet()) {
            List<InstanceTraffic.Rate> rates = e.getValue().rates(last, halfLife);
            for (InstanceTraffic.Rate r : rates) {
                out.computeIfAbsent(r.instanceId(), k -> new HashMap<>()).put(e.getKey(), r.requestsPerSecond());
            }
        }
        return out;
    }

    /** Windows seen that carried per-consumer counts. */
    public long windowsWithConsumers() {
        return windowsWithConsumers;
    }
}
