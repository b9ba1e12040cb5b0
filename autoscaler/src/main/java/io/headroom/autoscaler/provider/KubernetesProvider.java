package io.headroom.autoscaler.provider;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;

import java.io.IOException;
import java.time.Clock;
import java.util.Objects;
import java.util.Optional;

/**
 * Scales a Deployment or StatefulSet through its {@code scale} subresource with the fabric8 client, and reads
 * {@code spec.replicas} (current) and {@code status.readyReplicas} (ready). Credentials are fabric8's defaults:
 * {@code KUBECONFIG} or {@code ~/.kube/config} (optionally a named context), else the in-cluster service account
 * token. The account needs {@code get} on the workload and {@code get, update, patch} on its {@code scale}
 * subresource. Pods are removed by the workload's controller, so scale-in honours the pods' preStop hooks and
 * termination grace period.
 */
public final class KubernetesProvider extends CapacityProvider {
    private final KubernetesConfig config;
    private final KubernetesClient client;
    private final boolean ownsClient;
    private final String namespace;

    /** With a client built from fabric8's default configuration (kubeconfig or in-cluster). */
    public KubernetesProvider(String pool, KubernetesConfig config, InstanceListener listener, Clock clock) {
        this(pool, config, buildClient(config), true, listener, clock);
    }

    /** With a given client (tests: fabric8's mock API server); {@code ownsClient}: close it on {@link #close()}. */
    public KubernetesProvider(String pool, KubernetesConfig config, KubernetesClient client, boolean ownsClient, InstanceListener listener,
                              Clock clock) {
        super(pool, listener, clock, config.refresh(), null);
        this.config = Objects.requireNonNull(config, "config");
        this.client = Objects.requireNonNull(client, "client");
        this.ownsClient = ownsClient;
        this.namespace = config.namespace() != null ? config.namespace()
                : client.getNamespace() != null ? client.getNamespace() : "default";
        startRefreshing();
    }

    private static KubernetesClient buildClient(KubernetesConfig c) {
        Config base = Config.autoConfigure(c.context());
        int ms = (int) Math.min(Integer.MAX_VALUE, c.timeout().toMillis());
        Config cfg = new ConfigBuilder(base).withRequestTimeout(ms).withConnectionTimeout(ms).build();
        return new KubernetesClientBuilder().withConfig(cfg).build();
    }

    @Override
    public String kind() {
        return "kubernetes";
    }

    private String what() {
        return (config.kind() == KubernetesConfig.Kind.DEPLOYMENT ? "deployment " : "statefulset ") + namespace + "/" + config.name();
    }

    @Override
    protected Optional<Capacity> observe() throws IOException {
        try {
            Integer replicas;
            Integer ready;
            if (config.kind() == KubernetesConfig.Kind.DEPLOYMENT) {
                Deployment d = client.apps().deployments().inNamespace(namespace).withName(config.name()).get();
                if (d == null) {
                    throw new IOException(what() + " not found");
                }
                replicas = d.getSpec() == null ? null : d.getSpec().getReplicas();
                ready = d.getStatus() == null ? null : d.getStatus().getReadyReplicas();
            } else {
                StatefulSet s = client.apps().statefulSets().inNamespace(namespace).withName(config.name()).get();
                if (s == null) {
                    throw new IOException(what() + " not found");
                }
                replicas = s.getSpec() == null ? null : s.getSpec().getReplicas();
                ready = s.getStatus() == null ? null : s.getStatus().getReadyReplicas();
            }
            // The API server defaults spec.replicas to 1; readyReplicas is omitted when zero.
            return Optional.of(new Capacity(replicas == null ? 1 : replicas, ready == null ? 0 : ready));
        } catch (KubernetesClientException e) {
            throw new IOException("reading " + what() + ": " + message(e), e);
        }
    }

    @Override
    protected Optional<Capacity> apply(ScaleRequest request) throws IOException {
        try {
            if (config.kind() == KubernetesConfig.Kind.DEPLOYMENT) {
                client.apps().deployments().inNamespace(namespace).withName(config.name()).scale(request.target());
            } else {
                client.apps().statefulSets().inNamespace(namespace).withName(config.name()).scale(request.target());
            }
            return Optional.empty(); // the refresh that follows reads the new counts
        } catch (KubernetesClientException e) {
            throw new IOException("scaling " + what() + " to " + request.target() + ": " + message(e), e);
        }
    }

    private static String message(KubernetesClientException e) {
        String hint = switch (e.getCode()) {
            case 401 -> " (the credentials were refused: check the kubeconfig or the service account token)";
            case 403 -> " (forbidden: grant get on the workload and get/update/patch on its scale subresource)";
            case 404 -> " (not found: check namespace, name and kind)";
            default -> "";
        };
        return e.getMessage() + hint;
    }

    @Override
    protected void closeClient() {
        if (ownsClient) {
            client.close();
        }
    }
}
