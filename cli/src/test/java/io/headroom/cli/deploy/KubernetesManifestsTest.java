package io.headroom.cli.deploy;

import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Kubernetes manifests cannot be applied here (no cluster), so check what can be checked offline: every file is
 * valid YAML, the ConfigMap holds a Headroom config that passes validation, and each Deployment runs a real role with
 * probes on the admin port that config opens.
 */
class KubernetesManifestsTest {
    private static final Path DIR = Path.of("..", "deploy", "kubernetes");

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> documents() throws IOException {
        List<Map<String, Object>> docs = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                try (Reader r = Files.newBufferedReader(f)) {
                    for (Object o : new Yaml(new LoaderOptions()).loadAll(r)) {
                        assertThat(o).as(f + " holds a mapping per document").isInstanceOf(Map.class);
                        docs.add((Map<String, Object>) o);
                    }
                }
            }
        }
        return docs;
    }

    @Test
    @SuppressWarnings("unchecked")
    void manifestsHoldAValidConfigAndProbeTheAdminPort() throws IOException {
        List<Map<String, Object>> docs = documents();
        Map<String, Object> configMap = docs.stream().filter(d -> "ConfigMap".equals(d.get("kind"))).findFirst().orElseThrow();
        String yaml = (String) ((Map<String, Object>) configMap.get("data")).get("headroom.yaml");
        // The pods get the admin token from the Secret headroom-admin; here any value of the right length stands in.
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("deploy/kubernetes/config.yaml", yaml),
                name -> "HEADROOM_ADMIN_TOKEN".equals(name) ? "k8s-test-token-0123456789abcdef" : null);
        assertThat(cfg.admin().token()).as("a non-loopback admin listener needs a token").isNotNull();
        assertThat(cfg.kafka().embedded()).as("pods use an external Kafka cluster").isFalse();
        assertThat(cfg.admin()).as("probes need the admin listener").isNotNull();

        List<Map<String, Object>> deployments = docs.stream().filter(d -> "Deployment".equals(d.get("kind"))).toList();
        assertThat(deployments).hasSize(4);
        assertThat(cfg.edge()).as("the edge role needs its section").isNotNull();
        Set<String> roles = new java.util.HashSet<>();
        for (Map<String, Object> d : deployments) {
            Map<String, Object> pod = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) d.get("spec")).get("template")).get("spec");
            Map<String, Object> c = ((List<Map<String, Object>>) pod.get("containers")).getFirst();
            List<String> args = (List<String>) c.get("args");
            assertThat(args).startsWith("run", "--config", "/etc/headroom/headroom.yaml", "--roles");
            roles.add(args.get(4));
            int adminPort = ((List<Map<String, Object>>) c.get("ports")).stream().filter(p -> "admin".equals(p.get("name")))
                    .map(p -> (Integer) p.get("containerPort")).findFirst().orElseThrow();
            assertThat(adminPort).isEqualTo(cfg.admin().port());
            if (args.get(4).equals("edge")) {
                int edgePort = ((List<Map<String, Object>>) c.get("ports")).stream().filter(p -> "edge".equals(p.get("name")))
                        .map(p -> (Integer) p.get("containerPort")).findFirst().orElseThrow();
                assertThat(edgePort).isEqualTo(cfg.edge().listen().port());
            }
            Map<String, Object> ready = (Map<String, Object>) ((Map<String, Object>) c.get("readinessProbe")).get("httpGet");
            Map<String, Object> live = (Map<String, Object>) ((Map<String, Object>) c.get("livenessProbe")).get("httpGet");
            assertThat(ready).containsEntry("path", "/health/ready").containsEntry("port", "admin");
            assertThat(live).containsEntry("path", "/health/live").containsEntry("port", "admin");
            List<Map<String, Object>> env = (List<Map<String, Object>>) c.get("env");
            assertThat(env).as("the admin token comes from a Secret").anySatisfy(e -> {
                assertThat(e).containsEntry("name", "HEADROOM_ADMIN_TOKEN");
                assertThat(e.get("valueFrom").toString()).contains("secretKeyRef").contains("headroom-admin");
            });
        }
        assertThat(roles).containsExactlyInAnyOrder("router", "predictor", "autoscaler", "edge");
        // The edge's member is the headless Service that selects the router pods.
        Map<String, Object> headless = docs.stream().filter(d -> "Service".equals(d.get("kind"))
                && "headroom-router-pods".equals(((Map<String, Object>) d.get("metadata")).get("name"))).findFirst().orElseThrow();
        assertThat(((Map<String, Object>) headless.get("spec")).get("clusterIP")).isEqualTo("None");
        assertThat(cfg.edge().members().getFirst().host()).startsWith("headroom-router-pods.");
    }
}
