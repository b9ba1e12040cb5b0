package io.headroom.router.config;

import java.util.Objects;

/**
 * One statically configured pool member.
 *
 * @param address where it listens
 * @param weight  relative weight ({@code > 0}); plans may override it while valid
 */
public record BackendConfig(HostPort address, double weight) {
    public BackendConfig {
        Objects.requireNonNull(address, "address");
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("weight of " + address + ": " + weight + " (expected: finite, > 0)");
        }
    }
}
