package io.headroom.predictor.plan;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Forecast-driven quotas: when a pool's forecast upper bound exceeds what the pool can serve at its instance ceiling,
 * the lower tiers' limits are scaled down ahead of the spike so that the capacity goes to the higher tiers; when the
 * forecast falls back under the capacity the factors return to 1.
 *
 * <p>Per pool with capacity {@code C} (= planned req/s per instance × max instances), forecast upper bound {@code U}
 * and observed rate {@code O}, when {@code U > C}: every consumer's observed rate in the pool is projected by
 * {@code U / O}; a tier's demand {@code D} is the sum of its consumers' projections, and traffic of no tier
 * ({@code U - ΣD}, never negative) is served first because no tier rule can slow it. Then the tiers in priority order:
 * the highest keeps factor 1 (there is no one above it to give capacity to) and uses {@code D} of what is left; each
 * lower tier gets {@code clamp(left / D, floor, 1)} and uses {@code D × factor}. A tier's factor is the smallest over
 * the pools; a tier with no demand in an overloaded pool keeps 1 there.
 *
 * <p>A pure function: no clock, no state. The caller scales each tier consumer's global limit by its factor.
 */
public final class TierPlanner {

    /**
     * What the predictor knows of one pool now.
     *
     * @param pool          pool name
     * @param capacity      req/s the pool serves at its instance ceiling, > 0
     * @param forecastUpper forecast upper bound at the lead time, req/s
     * @param observed      observed req/s (recent mean)
     * @param consumerRates consumer → its smoothed req/s in this pool (consumers with a global limit)
     */
    public record PoolLoad(String pool, double capacity, double forecastUpper, double observed, Map<String, Double> consumerRates) {
        public PoolLoad {
            Objects.requireNonNull(pool, "pool");
            consumerRates = Map.copyOf(consumerRates);
            if (!(capacity > 0)) {
                throw new IllegalArgumentException("pool " + pool + ": capacity " + capacity + " (expected: > 0)");
            }
        }
    }

    /**
     * The factors of every tier (1 = untouched), and why.
     *
     * @param factors tier → factor in [floor, 1], every configured tier present
     * @param reasons tier → why it has its factor (only tiers below 1)
     * @param pools   tier → the pool that set its factor (only tiers below 1)
     */
    public record Decision(Map<String, Double> factors, Map<String, String> reasons, Map<String, String> pools) {
        /** Every tier untouched. */
        public static final Decision NONE = new Decision(Map.of(), Map.of(), Map.of());

        public Decision {
            factors = Map.copyOf(factors);
            reasons = Map.copyOf(reasons);
            pools = Map.copyOf(pools);
        }

        public double factor(String tier) {
            return factors.getOrDefault(tier, 1.0);
        }

        /** Whether any tier is tightened. */
        public boolean tightened() {
            return factors.values().stream().anyMatch(f -> f < 1);
        }
    }

    private TierPlanner() {
    }

    public static Decision plan(TierSettings settings, List<PoolLoad> pools) {
        Map<String, Double> factors = new LinkedHashMap<>();
        Map<String, String> reasons = new LinkedHashMap<>();
        Map<String, String> bound = new LinkedHashMap<>();
        for (TierSettings.Tier t : settings.tiers()) {
            factors.put(t.name(), 1.0);
        }
        if (settings.tiers().size() < 2) {
            return new Decision(factors, reasons, bound);
        }
        for (PoolLoad p : pools) {
            if (!(p.forecastUpper() > p.capacity()) || !(p.observed() > 0)) {
                continue;
            }
            double scale = p.forecastUpper() / p.observed();
            List<Double> demand = new ArrayList<>();
            double tiered = 0;
            for (TierSettings.Tier t : settings.tiers()) {
                double d = 0;
                for (String c : t.consumers()) {
                    d += p.consumerRates().getOrDefault(c, 0.0) * scale;
                }
                demand.add(d);
                tiered += d;
            }
            double untiered = Math.max(0, p.forecastUpper() - tiered);
            double left = Math.max(0, p.capacity() - untiered);
            for (int k = 0; k < settings.tiers().size(); k++) {
                TierSettings.Tier t = settings.tiers().get(k);
                double d = demand.get(k);
                double f = k == 0 || !(d > 0) ? 1 : Math.max(t.floor(), Math.min(1, left / d));
                if (f < factors.get(t.name())) {
                    factors.put(t.name(), f);
                    bound.put(t.name(), p.pool());
                    reasons.put(t.name(), String.format(Locale.ROOT,
                            "pool %s: forecast upper %.1f req/s > capacity %.1f req/s; projected (x%.2f of observed %.1f) %s %.1f req/s,"
                                    + " %.1f req/s left after %s -> x%.2f%s", p.pool(), p.forecastUpper(), p.capacity(), scale, p.observed(),
                            t.name(), d, left, "untiered traffic and " + (k == 1 ? settings.tiers().get(0).name() : "the tiers above"),
                            f, f == t.floor() && left / d < t.floor() ? " (its floor)" : ""));
                }
                left = Math.max(0, left - d * f);
            }
        }
        return new Decision(factors, reasons, bound);
    }
}
