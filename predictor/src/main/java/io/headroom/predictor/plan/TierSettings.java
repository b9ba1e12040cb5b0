package io.headroom.predictor.plan;

import io.headroom.config.ConfigNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Consumer tiers for forecast-driven quotas ({@link TierPlanner}), and each pool's instance ceiling.
 *
 * <pre>
 * predictor:
 *   quotas: {partner: 500/s, mobile-app: 200/s, trial: 50/s}
 *   quota-tiers:
 *     tiers:                       # priority 1 is served first; the highest tier is never tightened
 *       gold: {consumers: [partner], priority: 1}
 *       free: {consumers: [mobile-app, trial], priority: 2, floor: 0.2}   # never below 20 % of the limit (default 0.1)
 *     max-instances: {api: 8}      # per pool; default: autoscaler.pools.NAME.max of the same file
 * </pre>
 * Every tier's consumer needs a global limit under {@code predictor.quotas} (the tightening scales it) and belongs to one
 * tier only. A pool with no known instance ceiling is not planned.
 *
 * @param tiers        by priority, highest (lowest number) first
 * @param maxInstances pool → most instances the autoscaler may run
 */
public record TierSettings(List<Tier> tiers, Map<String, Integer> maxInstances) {
    public static final double DEFAULT_FLOOR = 0.1;
    /** No tiers: quotas are never tightened. */
    public static final TierSettings NONE = new TierSettings(List.of(), Map.of());

    /**
     * One tier.
     *
     * @param name      tier name
     * @param priority  1 = served first; unique
     * @param consumers its consumers
     * @param floor     the smallest factor its limits are scaled by, in (0, 1]
     */
    public record Tier(String name, int priority, Set<String> consumers, double floor) {
        public Tier {
            Objects.requireNonNull(name, "name");
            consumers = Set.copyOf(consumers);
            if (priority < 1 || !(floor > 0 && floor <= 1)) {
                throw new IllegalArgumentException("tier " + name + ": priority " + priority + ", floor " + floor
                        + " (expected: priority >= 1, 0 < floor <= 1)");
            }
        }
    }

    public TierSettings {
        List<Tier> sorted = new ArrayList<>(tiers);
        sorted.sort(Comparator.comparingInt(Tier::priority));
        tiers = List.copyOf(sorted);
        maxInstances = Map.copyOf(maxInstances);
        Set<Integer> priorities = new java.util.HashSet<>();
        Set<String> seen = new java.util.HashSet<>();
        for (Tier t : tiers) {
            if (!priorities.add(t.priority())) {
                throw new IllegalArgumentException("two tiers with priority " + t.priority());
            }
            for (String c : t.consumers()) {
                if (!seen.add(c)) {
                    throw new IllegalArgumentException("consumer " + c + " is in more than one tier");
                }
            }
        }
        for (Map.Entry<String, Integer> e : maxInstances.entrySet()) {
            if (e.getValue() < 1) {
                throw new IllegalArgumentException("max-instances of " + e.getKey() + ": " + e.getValue() + " (expected: >= 1)");
            }
        }
    }

    public boolean isEmpty() {
        return tiers.isEmpty();
    }

    /** The tier of {@code consumer}, or null. */
    public Tier tierOf(String consumer) {
        for (Tier t : tiers) {
            if (t.consumers().contains(consumer)) {
                return t;
            }
        }
        return null;
    }

    /**
     * Parses {@code predictor.quota-tiers} ({@code p} = the predictor node); {@code limits} are the consumers with a
     * global limit, {@code root} supplies {@code autoscaler.pools.NAME.max} as the default ceilings.
     */
    static TierSettings from(ConfigNode root, ConfigNode p, Set<String> limits) {
        if (!p.has("quota-tiers")) {
            return NONE;
        }
        ConfigNode q = p.child("quota-tiers").requireOnly("tiers", "max-instances");
        ConfigNode tn = q.child("tiers");
        List<Tier> tiers = new ArrayList<>();
        Map<Integer, String> priorities = new LinkedHashMap<>();
        Map<String, String> member = new LinkedHashMap<>();
        for (String name : tn.keys()) {
            ConfigNode t = tn.child(name).requireOnly("consumers", "priority", "floor");
            if (!t.has("priority")) {
                throw t.error("tier '" + name + "' has no priority", "add priority: N (1 is served first), e.g. {consumers: [a], priority: 2}");
            }
            int priority = t.integer("priority", 1, 1, 1000);
            String other = priorities.put(priority, name);
            if (other != null) {
                throw t.errorAt("priority", "tiers '" + other + "' and '" + name + "' both have priority " + priority,
                        "give each tier its own priority");
            }
            double floor = t.decimal("floor", DEFAULT_FLOOR, 0.001, 1);
            Set<String> consumers = new LinkedHashSet<>(t.stringList("consumers"));
            if (consumers.isEmpty()) {
                throw t.error("tier '" + name + "' has no consumers", "write e.g. consumers: [mobile-app]");
            }
            for (String c : consumers) {
                if (!limits.contains(c)) {
                    throw t.errorAt("consumers", "consumer '" + c + "' of tier '" + name + "' has no global limit",
                            "add it under predictor.quotas (e.g. " + c + ": 100/s): a tier scales that limit");
                }
                String before = member.put(c, name);
                if (before != null) {
                    throw t.errorAt("consumers", "consumer '" + c + "' is in tiers '" + before + "' and '" + name + "'",
                            "keep each consumer in one tier");
                }
            }
            tiers.add(new Tier(name, priority, consumers, floor));
        }
        Map<String, Integer> max = new LinkedHashMap<>();
        ConfigNode ap = root.child("autoscaler").child("pools");
        for (String pool : ap.keys()) {
            ConfigNode n = ap.child(pool);
            if (n.has("max")) {
                max.put(pool, n.integer("max", 1, 1, 1_000_000));
            }
        }
        ConfigNode mi = q.child("max-instances");
        for (String pool : mi.keys()) {
            max.put(pool, mi.integer(pool, 1, 1, 1_000_000));
        }
        if (!tiers.isEmpty() && max.isEmpty()) {
            throw q.error("quota-tiers has tiers but no pool has an instance ceiling, so no forecast could ever tighten them",
                    "add max-instances: {POOL: N} here, or autoscaler.pools.POOL.max");
        }
        return new TierSettings(tiers, max);
    }
}
