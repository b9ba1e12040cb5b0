package io.headroom.autoscaler.provider;

import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.retry.RetryMode;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.autoscaling.AutoScalingClient;
import software.amazon.awssdk.services.autoscaling.AutoScalingClientBuilder;
import software.amazon.awssdk.services.autoscaling.model.AutoScalingGroup;
import software.amazon.awssdk.services.autoscaling.model.LifecycleState;

import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Sets an EC2 Auto Scaling group's desired capacity ({@code SetDesiredCapacity}, {@code HonorCooldown=false}:
 * Headroom's policy has its own cooldown) and reads it back with {@code DescribeAutoScalingGroups}: current =
 * {@code DesiredCapacity}, ready = instances {@code InService}. Credentials come from the SDK's default chain
 * ({@code AWS_ACCESS_KEY_ID}/{@code AWS_SECRET_ACCESS_KEY}/{@code AWS_SESSION_TOKEN}, {@code AWS_PROFILE} and
 * {@code ~/.aws}, web identity, the ECS task role, the EC2 instance role). The principal needs
 * {@code autoscaling:SetDesiredCapacity} and {@code autoscaling:DescribeAutoScalingGroups}. The group's own
 * MinSize/MaxSize still bound what AWS accepts, and scale-in honours its lifecycle hooks and termination policy.
 */
public final class AwsAutoScalingProvider extends CapacityProvider {
    private final AwsConfig config;
    private final AutoScalingClient client;

    /** With credentials from the SDK's default provider chain. */
    public AwsAutoScalingProvider(String pool, AwsConfig config, InstanceListener listener, Clock clock) {
        this(pool, config, null, listener, clock);
    }

    /** @param credentials null: the default provider chain (tests pass static ones) */
    public AwsAutoScalingProvider(String pool, AwsConfig config, AwsCredentialsProvider credentials, InstanceListener listener, Clock clock) {
        super(pool, listener, clock, config.refresh(), null);
        this.config = Objects.requireNonNull(config, "config");
        AutoScalingClientBuilder b = AutoScalingClient.builder()
                .httpClientBuilder(UrlConnectionHttpClient.builder().connectionTimeout(config.timeout()).socketTimeout(config.timeout()))
                .credentialsProvider(credentials != null ? credentials : DefaultCredentialsProvider.builder().build())
                .overrideConfiguration(o -> o.apiCallTimeout(config.timeout()).retryStrategy(RetryMode.STANDARD));
        if (config.region() != null) {
            b.region(Region.of(config.region()));
        }
        if (config.endpoint() != null) {
            b.endpointOverride(config.endpoint());
        }
        this.client = b.build();
        startRefreshing();
    }

    @Override
    public String kind() {
        return "aws";
    }

    @Override
    protected Optional<Capacity> observe() throws IOException {
        try {
            List<AutoScalingGroup> groups = client.describeAutoScalingGroups(r -> r.autoScalingGroupNames(config.group()))
                    .autoScalingGroups();
            AutoScalingGroup g = groups.stream().filter(x -> config.group().equals(x.autoScalingGroupName())).findFirst()
                    .orElseThrow(() -> new IOException("Auto Scaling group " + config.group() + " not found (check the name and the region)"));
            int inService = (int) g.instances().stream().filter(i -> i.lifecycleState() == LifecycleState.IN_SERVICE).count();
            return Optional.of(new Capacity(g.desiredCapacity() == null ? 0 : g.desiredCapacity(), inService));
        } catch (SdkException e) {
            throw new IOException("DescribeAutoScalingGroups " + config.group() + ": " + e.getMessage(), e);
        }
    }

    @Override
    protected Optional<Capacity> apply(ScaleRequest request) throws IOException {
        try {
            client.setDesiredCapacity(r -> r.autoScalingGroupName(config.group()).desiredCapacity(request.target()).honorCooldown(false));
            return Optional.empty(); // the describe that follows reads the new counts
        } catch (SdkException e) {
            throw new IOException("SetDesiredCapacity " + config.group() + " to " + request.target() + ": " + e.getMessage()
                    + " (a ValidationError usually means the target is outside the group's MinSize..MaxSize)", e);
        }
    }

    @Override
    protected void closeClient() {
        client.close();
    }
}
