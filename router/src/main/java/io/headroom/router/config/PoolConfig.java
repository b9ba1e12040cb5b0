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
 * @param requestTimeout     total time for one proxied request (connect, request, response head and body, retries)
 * @param healthPath         path used by health checks (reserved; not probed yet)
 * @param idleTimeout        pooled keep-alive connections idle longer than this are closed (keep it below the backend's)
 * @param maxIdlePerBackend  idle keep-alive connections kept per backend
 * @param balancer           the balancing algorithm ({@link BalancerConfig#DEFAULT}: smooth weighted round robin)
 * @param slowStart          a new or recovered member's weight ramps from 10% to 100% over this time; zero = off
 * @param outlier            passive outlier detection
 * @param health             active health checks, or null for none
 * @param resilience         retries and circuit breakers
 * @param concurrencyLimit   adaptive concurrency limit ({@link ConcurrencyLimitConfig#OFF} by default)
 * @param firstByteTimeout   longest wait from the request sent (body included) to the response head; zero = only the
 *                           request timeout applies
 * @param affinityCookie     cookie affinity, or null for none
 */
public record PoolConfig(String name, List<BackendConfig> backends, Duration connectTimeout, Duration requestTimeout,
                         String healthPath, Duration idleTimeout, int maxIdlePerBackend, BalancerConfig balancer,
                         Duration slowStart, OutlierConfig outlier, HealthConfig health, ResilienceConfig resilience,
                         ConcurrencyLimitConfig concurrencyLimit, Duration firstByteTimeout,
                         AffinityCookieConfig affinityCookie) {

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
        Objects.requireNonNull(balancer, "balancer");
        Objects.requireNonNull(slowStart, "slowStart");
        Objects.requireNonNull(outlier, "outlier");
        Objects.requireNonNull(resilience, "resilience");
        Objects.requireNonNull(concurrencyLimit, "concurrencyLimit");
        Objects.requireNonNull(firstByteTimeout, "firstByteTimeout");
        if (affinityCookie != null && (balancer.hashOn() == null || balancer.hashOn().source() != BalancerConfig.Source.COOKIE
                || !balancer.hashOn().name().equals(affinityCookie.name()))) {
            throw new IllegalArgumentException("affinity cookie " + affinityCookie.name() + " of pool " + name
                    + " needs a ring-hash or maglev balancer with hash-on: cookie:" + affinityCookie.name());
        }
        if (firstByteTimeout.isNegative()) {
            throw new IllegalArgumentException("firstByteTimeout of pool " + name + ": " + firstByteTimeout + " (expected: >= 0)");
        }
        if (maxIdlePerBackend < 0) {
            throw new IllegalArgumentException("maxIdlePerBackend: " + maxIdlePerBackend + " (expected: >= 0)");
        }
    }

    /** Without the options added after the first data-plane release (concurrency limit off). */
    public PoolConfig(String name, List<BackendConfig> backends, Duration connectTimeout, Duration requestTimeout,
                      String healthPath, Duration idleTimeout, int maxIdlePerBackend, BalancerConfig balancer,
                      Duration slowStart, OutlierConfig outlier, HealthConfig health, ResilienceConfig resilience) {
        this(name, backends, connectTimeout, requestTimeout, healthPath, idleTimeout, maxIdlePerBackend, balancer, slowStart,
                outlier, health, resilience, ConcurrencyLimitConfig.OFF, Duration.ZERO, null);
    }

    /** A pool with the walking skeleton's settings and default balancing, outlier detection and resilience. */
    public PoolConfig(String name, List<BackendConfig> backends, Duration connectTimeout, Duration requestTimeout,
                      String healthPath, Duration idleTimeout, int maxIdlePerBackend) {
        this(name, backends, connectTimeout, requestTimeout, healthPath, idleTimeout, maxIdlePerBackend, BalancerConfig.DEFAULT,
                Duration.ZERO, OutlierConfig.DEFAULT, null, ResilienceConfig.DEFAULT);
    }

    /** A copy with another balancer. */
    public PoolConfig withBalancer(BalancerConfig b) {
        return new PoolConfig(name, backends, connectTimeout, requestTimeout, healthPath, idleTimeout, maxIdlePerBackend, b,
                slowStart, outlier, health, resilience, concurrencyLimit, firstByteTimeout, affinityCookie);
    }

    /** A copy with another concurrency limit. */
    public PoolConfig withConcurrencyLimit(ConcurrencyLimitConfig c) {
        return new PoolConfig(name, backends, connectTimeout, requestTimeout, healthPath, idleTimeout, maxIdlePerBackend, balancer,
                slowStart, outlier, health, resilience, c, firstByteTimeout, affinityCookie);
    }

    /** A pool with default timeouts. */
    public static PoolConfig of(String name, List<BackendConfig> backends) {
        return new PoolConfig(name, backends, DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT, DEFAULT_HEALTH_PATH,
                DEFAULT_IDLE_TIMEOUT, DEFAULT_MAX_IDLE);
    }
}
