package io.headroom.ingest.model;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the control plane tells routers about one scope (a pool, or a route), with fail-static semantics:
 * a router applies a plan only if its epoch is greater than the last one applied for the same
 * {@code (scope, source)}, and stops using it at {@code validUntilMillis}, falling back to static config.
 *
 * <p>Two sources write plans for a pool: the predictor ({@code weights}, {@code quotas}) and the autoscaler
 * ({@code members}: instances it manages that passed their health check). Each has its own epoch sequence,
 * and the Kafka key is {@link #key()} so the compacted topic keeps the latest of each.
 *
 * @param scope            {@code pool:NAME} or {@code route:NAME}
 * @param source           who issued it, e.g. {@code predictor} or {@code autoscaler}
 * @param epoch            strictly increasing per (scope, source)
 * @param issuedAtMillis   when it was issued (epoch ms)
 * @param validUntilMillis when it expires (epoch ms)
 * @param weights          backend address → relative weight (absent backends keep their static weight)
 * @param quotas           quota leases for consumers
 * @param members          extra pool members (backend addresses); empty means none beyond static config
 * @param provenance       free text: model, data window, reason
 * @param allowances       per-instance allowances of cluster-wide calendar quotas ({@link QuotaAllowance})
 */
public record ControlPlan(
        String scope,
        String source,
        long epoch,
        long issuedAtMillis,
        long validUntilMillis,
        Map<String, Double> weights,
        List<QuotaLease> quotas,
        List<String> members,
        String provenance,
        List<QuotaAllowance> allowances) {

    public static final String SOURCE_PREDICTOR = "predictor";
    public static final String SOURCE_AUTOSCALER = "autoscaler";

    public ControlPlan {
        Objects.requireNonNull(scope, "scope");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(provenance, "provenance");
        if (validUntilMillis < issuedAtMillis) {
            throw new IllegalArgumentException("plan " + scope + " expires (" + validUntilMillis + ") before it is issued ("
                    + issuedAtMillis + ")");
        }
        weights = Map.copyOf(weights);
        for (Map.Entry<String, Double> e : weights.entrySet()) {
            if (!(e.getValue() >= 0) || e.getValue().isInfinite()) {
                throw new IllegalArgumentException("weight of " + e.getKey() + ": " + e.getValue() + " (expected: finite, >= 0)");
            }
        }
        quotas = List.copyOf(quotas);
        members = List.copyOf(members);
        allowances = List.copyOf(allowances);
    }

    /** A plan without quota allowances. */
    public ControlPlan(String scope, String source, long epoch, long issuedAtMillis, long validUntilMillis, Map<String, Double> weights,
                       List<QuotaLease> quotas, List<String> members, String provenance) {
        this(scope, source, epoch, issuedAtMillis, validUntilMillis, weights, quotas, members, provenance, List.of());
    }

    public static String poolScope(String pool) {
        return "pool:" + pool;
    }

    /** Kafka key: one compacted slot per scope and source. */
    public String key() {
        return scope + "|" + source;
    }

    public boolean isValidAt(long nowMillis) {
        return nowMillis < validUntilMillis;
    }
}
