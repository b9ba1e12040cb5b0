package io.headroom.predictor.plan;

import java.util.Map;
import java.util.TreeMap;

/**
 * Backend weights from throughput and latency. Each backend's smoothed success ratio (healthy responses over requests
 * sent to it), times a latency factor that lowers backends much slower than their peers ({@link #latencyFactors}): a backend
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

    /** A backend's latency may exceed the reference by this factor before its weight goes down. */
    public static final double LATENCY_TOLERANCE = 1.25;

    /** Weights from the success ratios alone: {@code max(floor, ratio)}. */
    public static Map<String, Double> weights(Map<String, Double> successRatios, double floor) {
        return weights(successRatios, Map.of(), floor);
    }

    /**
     * Weights from throughput and latency: {@code max(floor, successRatio × latencyFactor)} (see {@link #latencyFactors}).
     * A backend with no latency evidence keeps factor 1.
     */
    public static Map<String, Double> weights(Map<String, Double> successRatios, Map<String, Double> meanLatencyMicros, double floor) {
        Map<String, Double> factors = latencyFactors(successRatios.keySet(), meanLatencyMicros);
        Map<String, Double> out = new TreeMap<>();
        for (Map.Entry<String, Double> e : successRatios.entrySet()) {
            double ratio = Math.max(0, Math.min(1, e.getValue()));
            out.put(e.getKey(), Math.max(floor, ratio * factors.getOrDefault(e.getKey(), 1.0)));
        }
        return out;
    }

    /**
     * Per backend of {@code backends} with a mean latency: {@code min(1, LATENCY_TOLERANCE × reference / own)}, where
     * the reference is the lower median of those backends' mean latencies (the fastest of two). A backend within 25% of
     * the reference keeps 1; one at 2.5 times it gets 0.5, so traffic shifts to the faster backends until their
     * latencies meet. Fewer than two backends with latencies: no factors (nothing to compare).
     */
    public static Map<String, Double> latencyFactors(java.util.Set<String> backends, Map<String, Double> meanLatencyMicros) {
        double[] known = backends.stream().map(meanLatencyMicros::get).filter(v -> v != null && v > 0)
                .mapToDouble(Double::doubleValue).sorted().toArray();
        Map<String, Double> out = new TreeMap<>();
        if (known.length < 2) {
            return out;
        }
        double reference = known[(known.length - 1) / 2];
        for (String b : backends) {
            Double own = meanLatencyMicros.get(b);
            if (own != null && own > 0) {
                out.put(b, Math.min(1.0, LATENCY_TOLERANCE * reference / own));
            }
        }
        return out;
    }
}
