package io.headroom.predictor.plan;

import java.util.Map;
import java.util.TreeMap;

/**
 * Backend weights from smoothed healthy throughput: each backend's share of the pool's healthy throughput,
 * scaled so that an even split gives every backend 1.0 (the static default weight, so backends the plan does
 * not name stay comparable), and never below {@code floor} so a backend that is up keeps getting probes of
 * traffic. With no throughput at all every backend gets 1.0.
 */
public final class WeightPlanner {
    public static final double DEFAULT_FLOOR = 0.1;

    private WeightPlanner() {
    }

    public static Map<String, Double> weights(Map<String, Double> healthyThroughput, double floor) {
        Map<String, Double> out = new TreeMap<>();
        double total = 0;
        for (double v : healthyThroughput.values()) {
            total += Math.max(0, v);
        }
        int n = healthyThroughput.size();
        for (Map.Entry<String, Double> e : healthyThroughput.entrySet()) {
            double w = total > 0 ? n * Math.max(0, e.getValue()) / total : 1.0;
            out.put(e.getKey(), Math.max(floor, w));
        }
        return out;
    }
}
