package io.headroom.autoscaler.service;

import io.headroom.autoscaler.config.AutoscalerConfig;
import io.headroom.autoscaler.provider.InstanceListener;
import io.headroom.autoscaler.provider.LocalProcessProvider;
import io.headroom.autoscaler.provider.Provider;

import java.time.Clock;

/** Builds the provider of one pool around the listener its controller hands over. */
@FunctionalInterface
public interface ProviderFactory {

    Provider create(AutoscalerConfig.PoolConfig pool, InstanceListener listener);

    /** The providers the configuration can name: {@code local} → {@link LocalProcessProvider}. */
    static ProviderFactory standard(Clock clock) {
        return (pool, listener) -> switch (pool.provider()) {
            case LOCAL -> new LocalProcessProvider(pool.name(), pool.local(), listener, clock);
        };
    }
}
