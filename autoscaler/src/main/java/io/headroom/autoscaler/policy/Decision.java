package io.headroom.autoscaler.policy;

import java.util.Objects;

/**
 * The outcome of one policy evaluation.
 *
 * @param target   instances the pool should have after this decision (equal to current for a hold)
 * @param reason   why, in words (shown in audit events)
 * @param kind     up, down or hold
 * @param dryRun   true when the pool is forecast-only: {@code target} is what would have been done
 * @param desired  the bounded recommendation before cooldown, stabilisation and step limits
 * @param next     the policy state to pass to the next evaluation
 */
public record Decision(int target, String reason, Kind kind, boolean dryRun, int desired, PolicyState next) {

    public enum Kind { UP, DOWN, HOLD }

    public Decision {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(next, "next");
    }

    /** True when a provider should act on this decision. */
    public boolean acts() {
        return kind != Kind.HOLD && !dryRun;
    }
}
