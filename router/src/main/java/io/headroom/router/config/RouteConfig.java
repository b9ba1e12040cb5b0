package io.headroom.router.config;

import java.util.Objects;

/**
 * A route: requests whose path starts with {@code pathPrefix} (longest prefix wins) go to {@code pool}.
 *
 * @param name       route name (telemetry key)
 * @param pathPrefix path prefix, starting with {@code /}
 * @param pool       pool name
 */
public record RouteConfig(String name, String pathPrefix, String pool) {
    public RouteConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(pool, "pool");
        if (!pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("path-prefix '" + pathPrefix + "' must start with /");
        }
    }
}
