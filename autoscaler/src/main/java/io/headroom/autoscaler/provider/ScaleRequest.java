package io.headroom.autoscaler.provider;

import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

import java.util.Objects;

/**
 * One action handed to a provider: move the pool to {@code target} instances.
 *
 * @param decisionId     unique per decision; the idempotency key of webhooks (retries of one decision reuse it)
 * @param pool           pool name
 * @param target         instances wanted after the action (the decision's target)
 * @param current        instances counted when the decision was taken
 * @param ready          ready instances when the decision was taken
 * @param reason         why, in words
 * @param issuedAtMillis when the decision was taken (epoch ms)
 */
public record ScaleRequest(String decisionId, String pool, int target, int current, int ready, String reason, long issuedAtMillis) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public ScaleRequest {
        Objects.requireNonNull(decisionId, "decisionId");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(reason, "reason");
        if (target < 0) {
            throw new IllegalArgumentException("target: " + target + " (expected: >= 0)");
        }
    }

    /**
     * The decision as webhooks and command hooks receive it:
     * {@code {"decision_id", "pool", "desired", "current", "ready", "reason", "issued_at_ms"}}.
     */
    public String toJson() {
        ObjectNode n = JSON.createObjectNode();
        n.put("decision_id", decisionId);
        n.put("pool", pool);
        n.put("desired", target);
        n.put("current", current);
        n.put("ready", ready);
        n.put("reason", reason);
        n.put("issued_at_ms", issuedAtMillis);
        return JSON.writeValueAsString(n);
    }
}
