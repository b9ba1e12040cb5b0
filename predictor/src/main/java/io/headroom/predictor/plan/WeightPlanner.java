package io.headroom.predictor.plan;

import java.util.Map;
import java.util.TreeMap;

/**
 * Backend weights from each backend's smoothed success ratio (healthy responses over requests sent to it): a backend
 * that answers everything keeps weight 1.0 (the static default, so backends the plan does not name stay comparable),
 * one that fails half its requests gets 0.5, and none goes below {@code floor}, so a failing backend still gets
 * probes of traffic and its weight comes back as it recovers.
 *
 * <p>Weights deliberately do not follow each backend's share of throughput: that share is what the balancer chose
 * to send, so weighting by it would keep a newly added instance starved.
 */
public final class WeightPlanner {
    public static final double DEFAULT_FLOOR = 0.1;
    /** Weighted requests a backend needs in the smoothing ring before the plan judges it. */
    public static final double MIN_EVIDENCE = 5;

    private WeightPlanner() {
    }

    public static Map<String, Double> weights(Map<String, Double> successRatios, double floor) {
        Map<String, Double> out = new TreeMap<>();
        for (Map.Entry<String, Double> e : successRatios.entrySet()) {
            double ratio = Math.max(0, Math.min(1, e.getValue()));
            out.put(e.getKey(), Math.max(floor, ratio));
        }
        return out;
    }
}
