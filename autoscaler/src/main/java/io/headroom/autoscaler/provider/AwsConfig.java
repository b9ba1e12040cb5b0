package io.headroom.autoscaler.provider;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link AwsAutoScalingProvider}.
 *
 * @param group    the Auto Scaling group's name
 * @param region   its region; null: the SDK's default region chain ({@code AWS_REGION}, profile, instance metadata)
 * @param endpoint endpoint override (tests, VPC endpoints); null: the region's public endpoint
 * @param refresh  how often the group is described
 * @param timeout  per API call, retries included
 */
public record AwsConfig(String group, String region, URI endpoint, Duration refresh, Duration timeout) {
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(15);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    public AwsConfig {
        Objects.requireNonNull(group, "group");
        Objects.requireNonNull(refresh, "refresh");
        Objects.requireNonNull(timeout, "timeout");
        if (group.isBlank()) {
            throw new IllegalArgumentException("group: blank (expected: the Auto Scaling group's name)");
        }
    }
}
