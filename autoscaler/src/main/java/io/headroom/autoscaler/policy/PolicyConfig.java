package io.headroom.autoscaler.policy;

import java.time.Duration;
import java.util.Objects;

/**
 * Guardrails of one pool.
 *
 * @param min             never fewer instances
 * @param max             never more instances
 * @param cooldown        minimum time between two scale-ups
 * @param scaleDownWindow scale down only to the highest target recommended within this window (like the HPA's
 *                        stabilisation window); zero scales down at once
 * @param maxStepUp       at most this many instances added per action
 * @param maxStepDown     at most this many instances removed per action
 * @param dryRun          forecast only: decisions are computed and reported, never applied
 */
public record PolicyConfig(int min, int max, Duration cooldown, Duration scaleDownWindow, int maxStepUp, int maxStepDown,
                           boolean dryRun) {

    public PolicyConfig {
        Objects.requireNonNull(cooldown, "cooldown");
        Objects.requireNonNull(scaleDownWindow, "scaleDownWindow");
        if (min < 0) {
            throw new IllegalArgumentException("min: " + min + " (expected: >= 0)");
        }
        if (max < min || max < 1) {
            throw new IllegalArgumentException("max: " + max + " (expected: >= min (" + min + ") and >= 1)");
        }
        if (maxStepUp < 1 || maxStepDown < 1) {
            throw new IllegalArgumentException("maxStepUp: " + maxStepUp + ", maxStepDown: " + maxStepDown + " (expected: >= 1)");
        }
        if (cooldown.isNegative() || scaleDownWindow.isNegative()) {
            throw new IllegalArgumentException("cooldown and scaleDownWindow must not be negative");
        }
    }

    /** Defaults: cooldown 20 s, scale-down window 60 s, +4/−1 per action, not dry run. */
    public static PolicyConfig of(int min, int max) {
        return new PolicyConfig(min, max, Duration.ofSeconds(20), Duration.ofSeconds(60), 4, 1, false);
    }

    public PolicyConfig withCooldown(Duration d) {
        return new PolicyConfig(min, max, d, scaleDownWindow, maxStepUp, maxStepDown, dryRun);
    }

    public PolicyConfig withScaleDownWindow(Duration d) {
        return new PolicyConfig(min, max, cooldown, d, maxStepUp, maxStepDown, dryRun);
    }

    public PolicyConfig withSteps(int up, int down) {
        return new PolicyConfig(min, max, cooldown, scaleDownWindow, up, down, dryRun);
    }

    public PolicyConfig withDryRun(boolean b) {
        return new PolicyConfig(min, max, cooldown, scaleDownWindow, maxStepUp, maxStepDown, b);
    }
}
