package io.headroom.autoscaler.provider;

import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import java.util.Optional;

/**
 * What a platform reports about a pool whose size it manages.
 *
 * @param current instances asked for and not being removed (Deployment {@code spec.replicas}, ASG {@code DesiredCapacity})
 * @param ready   instances serving (Deployment {@code status.readyReplicas}, ASG instances {@code InService})
 */
public record Capacity(int current, int ready) {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    public Capacity {
        if (current < 0 || ready < 0) {
            throw new IllegalArgumentException("current " + current + ", ready " + ready + " (expected: >= 0)");
        }
    }

    /**
     * Reads {@code {"current": N, "ready": M}} from a webhook's or command's answer. Empty when the text is blank,
     * not JSON, or names neither count; a missing one of the two takes the other's value.
     */
    public static Optional<Capacity> fromJson(String text) {
        if (text == null || text.isBlank()) {
            return Optional.empty();
        }
        try {
            JsonNode n = JSON.readTree(text);
            if (n == null || !n.isObject()) {
                return Optional.empty();
            }
            JsonNode c = n.get("current");
            JsonNode r = n.get("ready");
            boolean hasC = c != null && c.isIntegralNumber() && c.asInt() >= 0;
            boolean hasR = r != null && r.isIntegralNumber() && r.asInt() >= 0;
            if (!hasC && !hasR) {
                return Optional.empty();
            }
            int current = hasC ? c.asInt() : r.asInt();
            int ready = hasR ? r.asInt() : current;
            return Optional.of(new Capacity(current, ready));
        } catch (JacksonException e) {
            return Optional.empty();
        }
    }
}
