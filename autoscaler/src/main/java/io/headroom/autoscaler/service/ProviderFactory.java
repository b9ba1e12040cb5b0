package io.headroom.autoscaler.service;

import io.headroom.autoscaler.config.AutoscalerConfig;
import io.headroom.autoscaler.provider.AwsAutoScalingProvider;
import io.headroom.autoscaler.provider.CommandProvider;
import io.headroom.autoscaler.provider.InstanceListener;
import io.headroom.autoscaler.provider.KubernetesProvider;
import io.headroom.autoscaler.provider.LocalProcessProvider;
import io.headroom.autoscaler.provider.Provider;
import io.headroom.autoscaler.provider.WebhookProvider;

import java.security.SecureRandom;
import java.time.Clock;

/** Builds the provider of one pool around the listener its controller hands over. */
@FunctionalInterface
public interface ProviderFactory {

    Provider create(AutoscalerConfig.PoolConfig pool, InstanceListener listener);

    /**
     * The providers the configuration can name: {@code local} → {@link LocalProcessProvider}, {@code webhook} →
     * {@link WebhookProvider}, {@code command} → {@link CommandProvider}, {@code kubernetes} →
     * {@link KubernetesProvider}, {@code aws} → {@link AwsAutoScalingProvider}.
     */
    static ProviderFactory standard(Clock clock) {
        return (pool, listener) -> switch (pool.provider()) {
            case LOCAL -> new LocalProcessProvider(pool.name(), pool.local(), listener, clock);
            case WEBHOOK -> new WebhookProvider(pool.name(), pool.webhook(), listener, clock, new SecureRandom());
            case COMMAND -> new CommandProvider(pool.name(), pool.command(), listener, clock);
            case KUBERNETES -> new KubernetesProvider(pool.name(), pool.kubernetes(), listener, clock);
            case AWS -> new AwsAutoScalingProvider(pool.name(), pool.aws(), listener, clock);
        };
    }
}
