package io.headroom.router.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code router.rate-limits:} section: limits per consumer over all routes. Routes add their own
 * ({@link RouteConfig.Limits}). A valid quota lease from a control plan replaces the per-consumer rate here.
 *
 * @param consumer  the default limit of every consumer, or null for none
 * @param consumers per-consumer overrides
 */
public record RateLimitConfig(RouteConfig.Rate consumer, Map<String, RouteConfig.Rate> consumers) {
    public static final RateLimitConfig NONE = new RateLimitConfig(null, Map.of());

    public RateLimitConfig {
        consumers = Collections.unmodifiableMap(new LinkedHashMap<>(consumers));
    }
}
