package io.headroom.predictor.history;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Offered requests per second of each router instance (from the windows' {@code instanceId}, over every route and
 * pool, the router's own rejections included), over a short ring of recent seconds, and when each instance was first
 * and last seen. Bounded: past {@code maxInstances}, the instance seen longest ago is forgotten. Not thread-safe.
 */
public final class InstanceTraffic {

    /**
     * One instance's recent traffic at a given second.
     *
     * @param instanceId        the router's instance id
     * @param requestsPerSecond requests per second smoothed with exponentially decaying weights over the seconds after
     *                          the one it first reported in (at most the ring); a second without a report counts as zero
     * @param secondsObserved   complete seconds since it first reported (0: only the current second so far)
     * @param secondsSinceSeen  complete seconds since its last report (0: it reported in the last one or later)
     */
    public record Rate(String instanceId, double requestsPerSecond, long secondsObserved, long secondsSinceSeen) {
    }

    private static final class Ring {
        final long[] second;
        final double[] requests;
        long firstSeen;
        long lastSeen;

        Ring(int n, long s) {
            second = new long[n];
            requests = new double[n];
            Arrays.fill(second, Long.MIN_VALUE);
            firstSeen = s;
            lastSeen = s;
        }
    }

    private final int capacity;
    private final int maxInstances;
    private final Map<String, Ring> instances = new HashMap<>();

    public InstanceTraffic(int capacitySeconds, int maxInstances) {
        if (capacitySeconds <= 0 || maxInstances <= 0) {
            throw new IllegalArgumentException("capacity " + capacitySeconds + "s, max instances " + maxInstances + " (expected: > 0)");
        }
        this.capacity = capacitySeconds;
        this.maxInstances = maxInstances;
    }

    /** Adds {@code requests} offered to {@code instanceId} in epoch second {@code second}. */
    public void add(String instanceId, long second, double requests) {
        Ring r = instances.get(instanceId);
        if (r == null) {
            if (instances.size() >= maxInstances) {
                evictOldest();
            }
            r = new Ring(capacity, second);
            instances.put(instanceId, r);
        } else if (second - r.lastSeen >= capacity) {
            // Back after longer than the ring: its old share says nothing; it warms up again.
            r.firstSeen = second;
        } else if (second <= r.lastSeen - capacity) {
            return; // older than the ring
        }
        r.firstSeen = Math.min(r.firstSeen, second);
        r.lastSeen = Math.max(r.lastSeen, second);
        int i = Math.floorMod(second, capacity);
        if (r.second[i] != second) {
            r.second[i] = second;
            r.requests[i] = 0;
        }
        r.requests[i] += requests;
    }

    private void evictOldest() {
        Iterator<Map.Entry<String, Ring>> it = instances.entrySet().iterator();
        String oldest = null;
        long at = Long.MAX_VALUE;
        while (it.hasNext()) {
            Map.Entry<String, Ring> e = it.next();
            if (e.getValue().lastSeen < at) {
                at = e.getValue().lastSeen;
                oldest = e.getKey();
            }
        }
        instances.remove(oldest);
    }

    /**
     * Every instance's smoothed rate over the seconds up to and including {@code last}; weights halve every
     * {@code halfLifeSeconds} back from {@code last}. Sorted by instance id.
     */
    public List<Rate> rates(long last, double halfLifeSeconds) {
        List<Rate> out = new ArrayList<>(instances.size());
        for (Map.Entry<String, Ring> e : instances.entrySet()) {
            Ring r = e.getValue();
            double sum = 0;
            double weights = 0;
            // An instance's first second is usually partial (it started, or its traffic did, within it): skip it once
            // there is a later one, or it drags a new instance's share down for several half-lives.
            long from = r.firstSeen < last ? r.firstSeen + 1 : r.firstSeen;
            for (long s = Math.max(from, last - capacity + 1); s <= last; s++) {
                double w = Math.pow(0.5, (last - s) / halfLifeSeconds);
                int i = Math.floorMod(s, capacity);
                sum += w * (r.second[i] == s ? r.requests[i] : 0);
                weights += w;
            }
            out.add(new Rate(e.getKey(), weights > 0 ? sum / weights : 0, Math.max(0, last - r.firstSeen + 1),
                    Math.max(0, last - r.lastSeen)));
        }
        out.sort(java.util.Comparator.comparing(Rate::instanceId));
        return out;
    }

    public int size() {
        return instances.size();
    }
}
