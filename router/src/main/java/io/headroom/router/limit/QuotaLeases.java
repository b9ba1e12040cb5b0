package io.headroom.router.limit;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.QuotaLease;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The quota leases of this router instance, taken from the valid control plans. A lease names a consumer and an
 * instance ({@code "*"} = every instance); one for this instance by name wins over a {@code "*"} one, and among equals
 * the newest plan wins. While valid, a lease replaces the static per-consumer rate; when its plan expires the static
 * rate applies again (fail static). Readers take one volatile read; {@link #update} swaps the whole map.
 */
public final class QuotaLeases {
    /**
     * A lease in force.
     *
     * @param policy           the GCRA policy it grants
     * @param validUntilMillis when its plan expires (wall clock)
     * @param exact            whether it names this instance (not {@code "*"})
     * @param issuedAtMillis   when its plan was issued
     */
    public record Lease(Policy policy, long validUntilMillis, boolean exact, long issuedAtMillis) {
    }

    private final String instanceId;
    private volatile Map<String, Lease> leases = Map.of();

    public QuotaLeases(String instanceId) {
        this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    }

    /** Rebuilds the leases from the plans now in force (any scope, any source). */
    public void update(List<ControlPlan> plans) {
        Map<String, Lease> next = new HashMap<>();
        for (ControlPlan p : plans) {
            for (QuotaLease q : p.quotas()) {
                boolean exact = q.instanceId().equals(instanceId);
                if (!exact && !q.instanceId().equals("*")) {
                    continue;
                }
                Lease l = new Lease(Policy.of("consumer", q.ratePerSecond(), q.burst()), p.validUntilMillis(), exact,
                        p.issuedAtMillis());
                Lease old = next.get(q.consumer());
                if (old == null || (exact && !old.exact) || (exact == old.exact && p.issuedAtMillis() > old.issuedAtMillis)) {
                    next.put(q.consumer(), l);
                }
            }
        }
        leases = Map.copyOf(next);
    }

    /** The valid lease of {@code consumer} now, or null (reads the clock only when a lease exists). */
    public Lease lease(String consumer, java.time.Clock clock) {
        Map<String, Lease> m = leases;
        if (m.isEmpty()) {
            return null;
        }
        Lease l = m.get(consumer);
        return l != null && clock.millis() < l.validUntilMillis ? l : null;
    }

    public String instanceId() {
        return instanceId;
    }
}
