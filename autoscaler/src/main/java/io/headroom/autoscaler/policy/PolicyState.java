package io.headroom.autoscaler.policy;

import java.util.ArrayList;
import java.util.List;

/**
 * What the policy remembers between decisions, as an immutable value: recent recommendations (for the
 * scale-down stabilisation window) and when the last scale-up was decided (for the cooldown).
 *
 * @param recommendations   recent bounded recommendations, oldest first
 * @param lastScaleUpMillis when the last scale-up was decided, or {@link Long#MIN_VALUE} if never
 */
public record PolicyState(List<Recommendation> recommendations, long lastScaleUpMillis) {

    /** A bounded target recommended at a time. */
    public record Recommendation(long atMillis, int target) {
    }

    public static final PolicyState INITIAL = new PolicyState(List.of(), Long.MIN_VALUE);

    public PolicyState {
        recommendations = List.copyOf(recommendations);
    }

    /** Adds {@code r} and forgets recommendations older than {@code windowMillis} before it. */
    PolicyState record(Recommendation r, long windowMillis) {
        List<Recommendation> kept = new ArrayList<>(recommendations.size() + 1);
        for (Recommendation old : recommendations) {
            if (old.atMillis() > r.atMillis() - windowMillis && old.atMillis() <= r.atMillis()) {
                kept.add(old);
            }
        }
        kept.add(r);
        return new PolicyState(kept, lastScaleUpMillis);
    }

    PolicyState scaledUpAt(long millis) {
        return new PolicyState(recommendations, millis);
    }

    /** Highest target recommended within the window (including the latest). */
    int maxRecommended() {
        int m = Integer.MIN_VALUE;
        for (Recommendation r : recommendations) {
            m = Math.max(m, r.target());
        }
        return m;
    }
}
