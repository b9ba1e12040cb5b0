package io.headroom.autoscaler.provider;

import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSetBuilder;
import io.fabric8.kubernetes.client.NamespacedKubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.headroom.ingest.model.ScalingEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against fabric8's API-server emulator in CRUD mode, on 127.0.0.1. */
@Timeout(60)
class KubernetesProviderTest {
    private KubernetesMockServer server;
    private NamespacedKubernetesClient client;
    private final List<ScalingEvent.Action> events = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        client = server.createClient();
    }

    @AfterEach
    void stop() {
        client.close();
        server.destroy();
    }

    private static KubernetesConfig config(KubernetesConfig.Kind kind, String name) {
        // refresh long enough never to fire during a test: refreshes are driven by hand
        return new KubernetesConfig(kind, "shop", name, null, Duration.ofHours(1), Duration.ofSeconds(10));
    }

    private KubernetesProvider provider(KubernetesConfig cfg) {
        return new KubernetesProvider("api", cfg, client, false, (i, a, r) -> events.add(a), Clock.systemUTC());
    }

    /** "METHOD path" of every request the emulator received since the last call. */
    private List<String> drainRecordedRequests() throws InterruptedException {
        List<String> out = new ArrayList<>();
        RecordedRequest r;
        while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
            out.add(r.getMethod() + " " + r.getPath());
        }
        return out;
    }

    @Test
    void scalesADeploymentThroughTheScaleSubresourceAndReadsReadyReplicas() throws InterruptedException {
        client.apps().deployments().inNamespace("shop").resource(new DeploymentBuilder()
                .withNewMetadata().withName("api").withNamespace("shop").endMetadata()
                .withNewSpec().withReplicas(2).endSpec()
                .withNewStatus().withReplicas(2).withReadyReplicas(2).endStatus()
                .build()).create();

        try (KubernetesProvider p = provider(config(KubernetesConfig.Kind.DEPLOYMENT, "api"))) {
            assertThat(p.current()).isEqualTo(2);
            assertThat(p.ready()).hasSize(2);

            drainRecordedRequests();
            p.scaleTo(new ScaleRequest("api-1-5", "api", 5, 2, 2, "forecast", 1L)).join();
            assertThat(drainRecordedRequests()).anyMatch(r -> r.matches("(PUT|PATCH) /apis/apps/v1/namespaces/shop/deployments/api/scale.*"));

            Deployment d = client.apps().deployments().inNamespace("shop").withName("api").get();
            assertThat(d.getSpec().getReplicas()).isEqualTo(5);
            assertThat(client.apps().deployments().inNamespace("shop").withName("api").scale().getSpec().getReplicas()).isEqualTo(5);
            assertThat(p.current()).isEqualTo(5);
            assertThat(p.ready()).hasSize(2); // the emulator runs no controller: ready moves when status says so

            // a controller reports the new pods ready
            client.apps().deployments().inNamespace("shop").withName("api")
                    .editStatus(x -> new DeploymentBuilder(x).editStatus().withReplicas(5).withReadyReplicas(5).endStatus().build());
            assertThat(p.refreshOnce()).isTrue();
            assertThat(p.ready()).hasSize(5);
            assertThat(events).containsSubsequence(ScalingEvent.Action.STARTING, ScalingEvent.Action.READY);

            p.scaleTo(new ScaleRequest("api-2-3", "api", 3, 5, 5, "quiet", 2L)).join();
            assertThat(client.apps().deployments().inNamespace("shop").withName("api").get().getSpec().getReplicas()).isEqualTo(3);
            assertThat(p.current()).isEqualTo(3);
            assertThat(events).contains(ScalingEvent.Action.DRAINING);
        }
    }

    @Test
    void scalesAStatefulSet() {
        client.apps().statefulSets().inNamespace("shop").resource(new StatefulSetBuilder()
                .withNewMetadata().withName("db").withNamespace("shop").endMetadata()
                .withNewSpec().withReplicas(1).withServiceName("db").endSpec()
                .build()).create();
        try (KubernetesProvider p = provider(config(KubernetesConfig.Kind.STATEFUL_SET, "db"))) {
            assertThat(p.current()).isEqualTo(1);
            assertThat(p.ready()).isEmpty(); // readyReplicas omitted = 0
            p.scaleTo(new ScaleRequest("db-1-3", "api", 3, 1, 0, "forecast", 1L)).join();
            StatefulSet s = client.apps().statefulSets().inNamespace("shop").withName("db").get();
            assertThat(s.getSpec().getReplicas()).isEqualTo(3);
            assertThat(p.current()).isEqualTo(3);
        }
    }

    @Test
    void aMissingWorkloadIsNeverActedOn() {
        try (KubernetesProvider p = provider(config(KubernetesConfig.Kind.DEPLOYMENT, "nope"))) {
            assertThat(p.capacity()).isEmpty();
            assertThat(p.refreshOnce()).isFalse();
            assertThatThrownBy(() -> p.scaleTo(new ScaleRequest("x", "api", 3, 0, 0, "r", 1L)).join())
                    .hasMessageContaining("count is unknown").hasMessageContaining("deployment shop/nope not found");
        }
    }
}
