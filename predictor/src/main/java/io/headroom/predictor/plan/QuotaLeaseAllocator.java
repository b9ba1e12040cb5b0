package io.headroom.predictor.plan;

import io.headroom.ingest.model.QuotaLease;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Splits each consumer's global rate limit into per-router-instance quota leases, so that the routers together admit
 * the global rate without a remote call per request.
 *
 * <p>Per consumer with global rate {@code R} and burst {@code B}, over the <em>live</em> instances (seen within
 * {@code forget-after}; the others get no lease), {@code n} of them:
 * <ul>
 *   <li>every live instance gets the floor {@code R × reserve / n}, so none starves;</li>
 *   <li>the rest, {@code R × (1 - reserve)}, goes to the <em>established</em> instances (reporting for at least
 *       {@code warm-up}) in proportion to their smoothed request rate; an instance still warming up gets only the
 *       floor, because its share is not known yet;</li>
 *   <li>when no established instance has traffic there is nothing to be proportional to, and {@code R} is split
 *       evenly over the live instances;</li>
 *   <li>each lease's burst is {@code B} split in the same proportion, at least 1 (a GCRA cell admits nothing with 0).</li>
 * </ul>
 * The leases of a consumer never sum to more than {@code R}. The share is the consumer's own: telemetry windows carry
 * per-consumer counts, and an instance's smoothed rate of <em>this</em> consumer decides its part. When no established
 * instance reported the consumer (routers of the previous release, the consumer fell into the {@code (other)} bucket,
 * or it is idle), the instance's share of all the traffic it reports stands in, as before. Shares are of offered
 * requests (the router's own rejections included): admitted requests would only echo the previous leases back.
 *
 * <p>A pure function: no clock, no state. Leases come out sorted by consumer, then instance.
 */
public final class QuotaLeaseAllocator {

    /**
     * A consumer's limit over all router instances together.
     *
     * @param consumer      consumer id
     * @param ratePerSecond sustained global rate, > 0
     * @param burst         global burst, >= 1
     */
    public record GlobalLimit(String consumer, double ratePerSecond, long burst) {
        public GlobalLimit {
            Objects.requireNonNull(consumer, "consumer");
            if (!(ratePerSecond > 0) || Double.isInfinite(ratePerSecond) || burst < 1) {
                throw new IllegalArgumentException("global limit of " + consumer + ": rate " + ratePerSecond + ", burst " + burst
                        + " (expected: rate > 0, burst >= 1)");
            }
        }
    }

    /**
     * What the predictor knows of one router instance's recent traffic.
     *
     * @param instanceId       the router's instance id
     * @param requestsPerSecond smoothed offered requests per second, >= 0
     * @param secondsObserved  seconds since it first reported (0 = not within a complete second yet)
     * @param secondsSinceSeen seconds since its last report
     * @param consumerRates    consumer → smoothed offered requests per second of that consumer on this instance (only
     *                          consumers it reported; the others count as 0 when any instance reported the consumer)
     */
    public record InstanceShare(String instanceId, double requestsPerSecond, long secondsObserved, long secondsSinceSeen,
                                Map<String, Double> consumerRates) {
        public InstanceShare {
            Objects.requireNonNull(instanceId, "instanceId");
            if (!(requestsPerSecond >= 0) || secondsObserved < 0 || secondsSinceSeen < 0) {
                throw new IllegalArgumentException("instance " + instanceId + ": rate " + requestsPerSecond + ", observed "
                        + secondsObserved + "s, last seen " + secondsSinceSeen + "s ago (expected: all >= 0)");
            }
            consumerRates = Map.copyOf(consumerRates);
            for (Map.Entry<String, Double> e : consumerRates.entrySet()) {
                if (!(e.getValue() >= 0) || e.getValue().isInfinite()) {
                    throw new IllegalArgumentException("instance " + instanceId + ": rate of " + e.getKey() + " " + e.getValue()
                            + " (expected: finite, >= 0)");
                }
            }
        }

        /** Without per-consumer rates (telemetry of the previous release). */
        public InstanceShare(String instanceId, double requestsPerSecond, long secondsObserved, long secondsSinceSeen) {
            this(instanceId, requestsPerSecond, secondsObserved, secondsSinceSeen, Map.of());
        }

        /** The share this instance weighs with for {@code consumer}: its rate of that consumer, or of all traffic. */
        double rate(String consumer, boolean byConsumer) {
            return byConsumer ? consumerRates.getOrDefault(consumer, 0.0) : requestsPerSecond;
        }
    }

    private QuotaLeaseAllocator() {
    }

    /** The leases of every limit of {@code settings} over {@code instances}. */
    public static List<QuotaLease> allocate(QuotaSettings settings, Collection<InstanceShare> instances) {
        List<InstanceShare> live = new ArrayList<>();
        for (InstanceShare i : instances) {
            if (i.secondsSinceSeen() <= settings.forgetAfter().toSeconds()) {
                live.add(i);
            }
        }
        live.sort(Comparator.comparing(InstanceShare::instanceId));
        List<GlobalLimit> limits = new ArrayList<>(settings.limits().values());
        limits.sort(Comparator.comparing(GlobalLimit::consumer));
        List<QuotaLease> out = new ArrayList<>();
        for (GlobalLimit limit : limits) {
            out.addAll(allocate(limit, live, settings.reserve(), settings.warmUp().toSeconds()));
        }
        return List.copyOf(out);
    }

    /** The leases of one limit over instances already known to be live, in the given order. */
    static List<QuotaLease> allocate(GlobalLimit limit, List<InstanceShare> live, double reserve, long warmUpSeconds) {
        int n = live.size();
        if (n == 0) {
            return List.of();
        }
        double consumerTotal = 0;
        for (InstanceShare i : live) {
            if (established(i, warmUpSeconds)) {
                consumerTotal += i.rate(limit.consumer(), true);
            }
        }
        boolean byConsumer = consumerTotal > 0;
        double total = 0;
        for (InstanceShare i : live) {
            if (established(i, warmUpSeconds)) {
                total += i.rate(limit.consumer(), byConsumer);
            }
        }
        double rate = limit.ratePerSecond();
        double[] lease = new double[n];
        if (!(total > 0)) {
            java.util.Arrays.fill(lease, rate / n);
        } else {
            double floor = rate * reserve / n;
            double proportional = rate - floor * n;
            for (int k = 0; k < n; k++) {
                InstanceShare i = live.get(k);
                lease[k] = floor + (established(i, warmUpSeconds) ? proportional * i.rate(limit.consumer(), byConsumer) / total : 0);
            }
        }
        capSum(lease, rate);
        List<QuotaLease> out = new ArrayList<>(n);
        for (int k = 0; k < n; k++) {
            long burst = Math.max(1, (long) Math.floor(limit.burst() * lease[k] / rate));
            out.add(new QuotaLease(limit.consumer(), live.get(k).instanceId(), lease[k], burst));
        }
        return out;
    }

    private static boolean established(InstanceShare i, long warmUpSeconds) {
        return i.secondsObserved() >= Math.max(1, warmUpSeconds);
    }

    /** Rounding must not let the leases add up to more than the global rate: trims the largest by the excess. */
    private static void capSum(double[] lease, double rate) {
        for (int attempt = 0; attempt < 4; attempt++) {
            double sum = 0;
            int largest = 0;
            for (int k = 0; k < lease.length; k++) {
                sum += lease[k];
                if (lease[k] > lease[largest]) {
                    largest = k;
                }
            }
            if (sum <= rate) {
                return;
            }
            lease[largest] = Math.max(0, lease[largest] - (sum - rate) - Math.ulp(rate));
        }
    }
}
