package io.headroom.cli.admin;

import io.headroom.cli.stack.ConfigDocument;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /api/config} shows the configuration as JSON without its secrets; edits keep the file's comments. */
class ConfigRedactionTest {
    private static final String HEX = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    @Test
    void secretsAndKeyHashesAreRedactedReferencesAndTypesKept() {
        ConfigDocument doc = ConfigDocument.parse("""
                # notes
                kafka:
                  client: {sasl.jaas.config: "org.apache.kafka.common.security.plain.PlainLoginModule required password=hunter2;",
                           ssl.truststore.password: hunter3, security.protocol: SASL_SSL}
                router:
                  pools: {api: {backends: [127.0.0.1:9001, {address: 127.0.0.1:9002, weight: 2}], max-idle-connections: 256}}
                  auth:
                    api-keys: {keys: [{consumer: acme, sha256: %s}]}
                    introspection: {url: http://idp/introspect, client-id: gw, client-secret-env: IDP_SECRET}
                admin: {token-file: /run/secrets/token, metrics-auth: none}
                tracing: {otlp: {sampled-only: true, ratio: 0.25}}
                """.formatted(HEX));
        Json j = new Json();
        ConfigApi.write(j, doc.root(), null);
        String json = j.toString();
        assertThat(json).doesNotContain("hunter2").doesNotContain("hunter3").doesNotContain(HEX)
                .contains("\"sasl.jaas.config\":\"(redacted)\"").contains("\"ssl.truststore.password\":\"(redacted)\"")
                .contains("\"sha256\":\"(redacted; id 9f86d081884c7d65)\"")
                .contains("\"client-secret-env\":\"IDP_SECRET\"").contains("\"token-file\":\"/run/secrets/token\"")
                .contains("\"security.protocol\":\"SASL_SSL\"")
                .contains("\"backends\":[\"127.0.0.1:9001\",{\"address\":\"127.0.0.1:9002\",\"weight\":2}]")
                .contains("\"max-idle-connections\":256").contains("\"sampled-only\":true").contains("\"ratio\":0.25");
    }

    @Test
    void anEditKeepsCommentsAndWritesBodiesAsOneLineFlowValues() {
        ConfigDocument doc = ConfigDocument.parse("""
                # the operator's notes
                router:
                  pools:
                    api: {backends: [127.0.0.1:9001]}   # main
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """);
        ConfigDocument.put(doc.mapping("router", "pools"), "web",
                ConfigDocument.value("{\"backends\": [\"127.0.0.1:9003\"], \"request-timeout\": \"5s\", \"slow\": \"true\"}"));
        String text = doc.text();
        assertThat(text).contains("# the operator's notes").contains("# main")
                // a string that would read as another type stays quoted; host:port is quoted inside a flow list
                .contains("web: {backends: ['127.0.0.1:9003'], request-timeout: 5s, slow: 'true'}");
        assertThat(ConfigDocument.parse(text).get("router", "pools", "web")).isNotNull();
    }
}
