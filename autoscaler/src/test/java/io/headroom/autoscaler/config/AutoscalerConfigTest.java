package io.headroom.autoscaler.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;

import io.headroom.autoscaler.provider.KubernetesConfig;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AutoscalerConfigTest {

    @Test
    void parsesPools() {
        AutoscalerConfig c = AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  kill-switch: true
                  pools:
                    api: {min: 2, max: 6, cooldown: 10s, scale-down-window: 30s, max-step-up: 3, max-step-down: 2, dry-run: true,
                          provider: local, local: {base-port: 9200, capacity: 50, latency: 7ms, drain: 500ms}}
                """));
        assertThat(c.killSwitch()).isTrue();
        assertThat(c.tick()).isEqualTo(Duration.ofSeconds(1));
        AutoscalerConfig.PoolConfig p = c.pools().get("api");
        assertThat(p.policy().min()).isEqualTo(2);
        assertThat(p.policy().max()).isEqualTo(6);
        assertThat(p.policy().cooldown()).isEqualTo(Duration.ofSeconds(10));
        assertThat(p.policy().scaleDownWindow()).isEqualTo(Duration.ofSeconds(30));
        assertThat(p.policy().maxStepUp()).isEqualTo(3);
        assertThat(p.policy().maxStepDown()).isEqualTo(2);
        assertThat(p.policy().dryRun()).isTrue();
        assertThat(p.local().basePort()).isEqualTo(9200);
        assertThat(p.local().capacity()).isEqualTo(50);
        assertThat(p.local().latency()).isEqualTo(Duration.ofMillis(7));
        assertThat(p.local().drain()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void contractExampleParses() {
        AutoscalerConfig c = AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    api: {min: 1, max: 8, cooldown: 20s, provider: local, local: {base-port: 9100, capacity: 100, latency: 5ms}}
                """));
        assertThat(c.pools().get("api").policy().maxStepUp()).isEqualTo(4);
        assertThat(AutoscalerConfig.from(ConfigNode.empty()).pools()).isEmpty();
    }

    @Test
    void aGatewayPoolRunsTheProxyInFrontOfItsUpstreams() {
        AutoscalerConfig c = AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    gateways:
                      min: 2
                      max: 6
                      local: {role: gateway, base-port: 9300, upstreams: [127.0.0.1:9001, "127.0.0.1:9002"], kafka: 127.0.0.1:9092,
                              drain: 3s, drain-timeout: 45s}
                    api: {local: {base-port: 9100}}
                """));
        var g = c.pools().get("gateways").local();
        assertThat(g.role()).isEqualTo(io.headroom.autoscaler.provider.LocalProviderConfig.Role.GATEWAY);
        assertThat(g.upstreams()).containsExactly("127.0.0.1:9001", "127.0.0.1:9002");
        assertThat(g.kafka()).isEqualTo("127.0.0.1:9092");
        assertThat(g.drain()).isEqualTo(Duration.ofSeconds(3));
        assertThat(g.drainTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(g.jvmArgs()).isEqualTo(io.headroom.autoscaler.provider.LocalProviderConfig.GATEWAY_JVM_ARGS);
        assertThat(c.pools().get("api").local().role()).isEqualTo(io.headroom.autoscaler.provider.LocalProviderConfig.Role.BACKEND);
    }

    @Test
    void gatewayKeysAreCheckedAtFileAndLine() {
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    gateways:
                      local: {role: gateway}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("h.yaml:4:")
                .hasMessageContaining("role gateway needs 'upstreams'");
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    gateways:
                      local: {role: gateway, upstreams: [localhost]}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("h.yaml:4:")
                .hasMessageContaining("'localhost' is not host:port");
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    api:
                      local: {base-port: 9100, drain-timeout: 5s}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("h.yaml:4:")
                .hasMessageContaining("applies to role gateway only");
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    api:
                      local: {role: router}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("h.yaml:4:")
                .hasMessageContaining("[backend, gateway]");
    }

    @Test
    void misspeltKeyFailsAtFileAndLine() {
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    api:
                      min: 1
                      cooldwn: 5s
                """))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:5:")
                .hasMessageContaining("did you mean 'cooldown'");
    }

    @Test
    void maxBelowMinIsAnError() {
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    api: {min: 4, max: 2}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("h.yaml:3:").hasMessageContaining("below min");
    }

    @TempDir
    Path dir;

    private static AutoscalerConfig parse(String yaml, Map<String, String> env) {
        return AutoscalerConfig.from(ConfigNode.parse("h.yaml", yaml), env::get);
    }

    @Test
    void webhookWithTheSecretFromTheEnvironment() {
        AutoscalerConfig c = parse("""
                autoscaler:
                  pools:
                    api:
                      provider: webhook
                      webhook: {url: "https://ops.example/scale", secret-env: HEADROOM_WEBHOOK_SECRET, max-attempts: 3, initial-backoff: 100ms}
                """, Map.of("HEADROOM_WEBHOOK_SECRET", "k3y"));
        AutoscalerConfig.PoolConfig p = c.pools().get("api");
        assertThat(p.provider()).isEqualTo(AutoscalerConfig.ProviderKind.WEBHOOK);
        assertThat(p.webhook().url()).isEqualTo(URI.create("https://ops.example/scale"));
        assertThat(p.webhook().maxAttempts()).isEqualTo(3);
        assertThat(p.webhook().initialBackoff()).isEqualTo(Duration.ofMillis(100));
        assertThat(new String(p.webhook().secret().bytes())).isEqualTo("k3y");
        assertThat(p.toString()).doesNotContain("k3y");
    }

    @Test
    void webhookWithTheSecretFromAFile() throws IOException {
        Path key = Files.writeString(dir.resolve("webhook.key"), "from-file\n");
        AutoscalerConfig c = parse("""
                autoscaler:
                  pools:
                    api: {provider: webhook, webhook: {url: "http://127.0.0.1:9999/s", secret-file: "%s"}}
                """.formatted(key), Map.of());
        assertThat(new String(c.pools().get("api").webhook().secret().bytes())).isEqualTo("from-file");
    }

    @Test
    void anInlineSecretIsRejectedWithWhereSecretsGo() {
        assertThatThrownBy(() -> parse("""
                autoscaler:
                  pools:
                    api:
                      provider: webhook
                      webhook:
                        url: https://ops.example/scale
                        secret: hunter2
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:7:")
                .hasMessageContaining("secrets are never read from it")
                .hasMessageContaining("secret-env: HEADROOM_WEBHOOK_SECRET")
                .hasMessageContaining("secret-file:")
                .hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> parse("""
                autoscaler:
                  pools:
                    web:
                      provider: aws
                      aws: {group: web-asg, aws-secret-access-key: abc}
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:5:").hasMessageContaining("AWS default chain");
    }

    @Test
    void theSecretItselfInSecretEnvIsCaught() {
        assertThatThrownBy(() -> parse("""
                autoscaler:
                  pools:
                    api: {provider: webhook, webhook: {url: "https://ops.example/scale", secret-env: "s3cr3t!value"}}
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:3:").hasMessageContaining("not a variable name");
    }

    @Test
    void anUnsetSecretVariableOrNoSecretIsAnError() {
        assertThatThrownBy(() -> parse("""
                autoscaler:
                  pools:
                    api: {provider: webhook, webhook: {url: "https://ops.example/scale", secret-env: HEADROOM_WEBHOOK_SECRET}}
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("HEADROOM_WEBHOOK_SECRET is not set").hasMessageContaining("export HEADROOM_WEBHOOK_SECRET");
        assertThatThrownBy(() -> parse("""
                autoscaler:
                  pools:
                    api: {provider: webhook, webhook: {url: "https://ops.example/scale"}}
                """, Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("needs an HMAC key");
    }

    @Test
    void commandKubernetesAndAws() {
        AutoscalerConfig c = parse("""
                autoscaler:
                  pools:
                    a: {provider: command, command: {run: [/usr/local/bin/scale, --pool, a], timeout: 10s}}
                    b: {provider: kubernetes, kubernetes: {kind: stateful-set, namespace: shop, name: db, context: prod}}
                    c: {provider: aws, aws: {group: web-asg, region: eu-west-1, endpoint: "http://127.0.0.1:4566", refresh: 30s}}
                """, Map.of());
        assertThat(c.pools().get("a").command().command()).containsExactly("/usr/local/bin/scale", "--pool", "a");
        assertThat(c.pools().get("a").command().timeout()).isEqualTo(Duration.ofSeconds(10));
        KubernetesConfig k = c.pools().get("b").kubernetes();
        assertThat(List.of(k.kind(), k.namespace(), k.name(), k.context()))
                .containsExactly(KubernetesConfig.Kind.STATEFUL_SET, "shop", "db", "prod");
        assertThat(k.refresh()).isEqualTo(KubernetesConfig.DEFAULT_REFRESH);
        assertThat(c.pools().get("c").aws().group()).isEqualTo("web-asg");
        assertThat(c.pools().get("c").aws().region()).isEqualTo("eu-west-1");
        assertThat(c.pools().get("c").aws().endpoint()).isEqualTo(URI.create("http://127.0.0.1:4566"));
        assertThat(c.pools().get("c").aws().refresh()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void aMissingOrMismatchedProviderSectionSaysWhatToDo() {
        assertThatThrownBy(() -> parse("""
                autoscaler:
                  pools:
                    api: {provider: kubernetes}
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:3:").hasMessageContaining("needs a 'kubernetes:' section");
        assertThatThrownBy(() -> parse("""
                autoscaler:
                  pools:
                    api:
                      provider: local
                      aws: {group: x}
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:5:").hasMessageContaining("set 'provider: aws'");
        assertThatThrownBy(() -> parse("""
                autoscaler:
                  pools:
                    api: {provider: gcp}
                """, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("unknown value 'gcp'").hasMessageContaining("kubernetes");
        assertThatThrownBy(() -> parse("""
                autoscaler:
                  pools:
                    api: {provider: kubernetes, kubernetes: {namespace: shop}}
                """, Map.of())).isInstanceOf(ConfigException.class).hasMessageContaining("name");
    }

    @Test
    void reactiveFallbackKeysAndTheirDefaults() {
        AutoscalerConfig d = AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  tick: 2s
                  pools:
                    api: {min: 1, max: 4}
                """));
        assertThat(d.intentTtl()).as("3 x tick + 7 s").isEqualTo(Duration.ofSeconds(13));
        assertThat(d.reactiveWindow()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.pools().get("api").reactive()).isEqualTo(AutoscalerConfig.Reactive.DEFAULT);
        assertThat(AutoscalerConfig.defaultIntentTtl(Duration.ofSeconds(1))).isEqualTo(Duration.ofSeconds(10));

        AutoscalerConfig c = AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  intent-ttl: 20s
                  reactive-window: 3s
                  pools:
                    api: {min: 1, max: 4, capacity-per-instance: 70, target-utilisation: 0.5}
                """));
        assertThat(c.intentTtl()).isEqualTo(Duration.ofSeconds(20));
        assertThat(c.reactiveWindow()).isEqualTo(Duration.ofSeconds(3));
        assertThat(c.pools().get("api").reactive()).isEqualTo(new AutoscalerConfig.Reactive(70, 0.5));
    }

    @Test
    void anIntentTtlNotLongerThanTheTickIsAnErrorAtItsLine() {
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  tick: 2s
                  intent-ttl: 2s
                """))).isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:3:")
                .hasMessageContaining("intent-ttl must be longer than tick")
                .hasMessageContaining("fix: use e.g. 13s");
        assertThatThrownBy(() -> AutoscalerConfig.from(ConfigNode.parse("h.yaml", """
                autoscaler:
                  pools:
                    api: {target-utilisation: 1.5}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("h.yaml:3:");
    }
}
