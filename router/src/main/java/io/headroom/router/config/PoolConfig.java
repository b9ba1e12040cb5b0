package io.headroom.router.config;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A named pool of backends and how the router talks to them.
 *
 * @param name               pool name (routes refer to it)
 * @param backends           static members; may be empty when the autoscaler provides members
 * @param connectTimeout     TCP connect timeout
 * @param requestTimeout     total time for one proxied exchange (connect, request, response head and body)
 * @param healthPath         path used by health checks (reserved; not probed yet)
 * @param idleTimeout        pooled keep-alive connections idle longer than this are closed (keep it below the backend's)
 * @param maxIdlePerBackend  idle keep-alive connections kept per backend
 */
public record PoolConfig(String name, List<BackendConfig> backends, Duration connectTimeout, Duration requestTimeout,
                         String healthPath, Duration idleTimeout, int maxIdlePerBackend) {

    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final Duration DEFAULT_REQUEST_TIMEOUT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(50);
    public static final String DEFAULT_HEALTH_PATH = "/health";
    public static final int DEFAULT_MAX_IDLE = 256;

    public PoolConfig {
        Objects.requireNonNull(name, "name");
        backends = List.copyOf(backends);
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
        Objects.requireNonNull(healthPath, "healthPath");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        if (connectTimeout.isNegative() || connectTimeout.isZero() || requestTimeout.isNegative() || requestTimeout.isZero()) {
            throw new IllegalArgumentException("timeouts of pool " + name + " must be > 0");
        }
        if (maxIdlePerBackend < 0) {
            throw new IllegalArgumentException("maxIdlePerBackend: " + maxIdlePerBackend + " (expected: >= 0)");
        }
    }

    /** A pool with default timeouts. */
    public static PoolConfig of(String name, List<BackendConfig> backends) {
        return new PoolConfig(name, backends, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_HEALTH_PATH,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_IDLE);
    }
}
