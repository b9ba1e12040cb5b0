package io.headroom.autoscaler.provider;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link KubernetesProvider}.
 *
 * @param kind      Deployment or StatefulSet
 * @param namespace its namespace; null: the client's (kubeconfig context's, or the service account's) namespace
 * @param name      its name
 * @param context   kubeconfig context to use; null: the current one (or in-cluster)
 * @param refresh   how often replicas and readyReplicas are re-read
 * @param timeout   per API request
 */
public record KubernetesConfig(Kind kind, String namespace, String name, String context, Duration refresh, Duration timeout) {
    public static final Duration DEFAULT_REFRESH = Duration.ofSeconds(5);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    /** What is scaled. */
    public enum Kind { DEPLOYMENT, STATEFUL_SET }

    public KubernetesConfig {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(refresh, "refresh");
        Objects.requireNonNull(timeout, "timeout");
        if (name.isBlank()) {
            throw new IllegalArgumentException("name: blank (expected: the Deployment's or StatefulSet's name)");
        }
    }

    public static KubernetesConfig of(Kind kind, String namespace, String name) {
        return new KubernetesConfig(kind, namespace, name, null, DEFAULT_REFRESH, DEFAULT_TIMEOUT);
    }
}
