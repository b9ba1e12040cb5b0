package io.headroom.autoscaler.reactive;

import java.util.OptionalDouble;

/** Where the reactive policy reads the load a pool carries now ({@link ObservedLoad} live, a lambda in tests). */
@FunctionalInterface
public interface PoolLoad {
    /** Requests per second {@code pool} carries at {@code nowMillis}; empty when unknown (no router reported). */
    OptionalDouble rate(String pool, long nowMillis);
}
