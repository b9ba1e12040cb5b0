package io.headroom.router.config;

import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The example in docs/gateway.md parses and means what the page says; auth and limit keys fail at their line. */
class GatewayDocTest {

    @Test
    void theDocumentedExampleParses() throws Exception {
        String doc = Files.readString(Path.of("../docs/gateway.md"));
        int from = doc.indexOf("```yaml\n") + 8;
        RouterConfig c = RouterConfig.from(ConfigNode.parse("gateway.md", doc.substring(from, doc.indexOf("```", from))));
        assertThat(c.auth().apiKeys().header()).isEqualTo("X-Api-Key");
        assertThat(c.auth().apiKeys().keys()).hasSize(1);
        assertThat(c.auth().apiKeys().reloadInterval()).isEqualTo(Duration.ofSeconds(5));
        AuthConfig.JwtIssuer iss = c.auth().issuers().get(0);
        assertThat(iss.algorithms()).containsExactly("RS256", "ES256");
        assertThat(iss.minRefreshInterval()).isEqualTo(Duration.ofSeconds(30));
        AuthConfig.Introspection in = c.auth().introspection();
        assertThat(in.clientSecret()).isEqualTo(new AuthConfig.SecretSource(AuthConfig.SecretKind.ENV, "HEADROOM_INTROSPECTION_SECRET",
                in.clientSecret().where()));
        assertThat(in.clientSecret().where()).startsWith("gateway.md:");
        assertThat(in.consumerClaim()).isEqualTo("client_id");
        assertThat(in.cacheTtl()).isEqualTo(Duration.ofMinutes(5));
        assertThat(in.negativeTtl()).isEqualTo(Duration.ofSeconds(10));
        assertThat(in.onFailure()).isEqualTo(AuthConfig.OnFailure.UNAVAILABLE_503);
        assertThat(c.rateLimits().consumer().perSecond()).isEqualTo(100.0);
        assertThat(c.rateLimits().consumers().get("mobile-app").perSecond()).isEqualTo(100.0);
        assertThat(c.rateLimits().consumers().get("mobile-app").burst()).isEqualTo(200);
        assertThat(c.rateLimits().quotas().zone()).isEqualTo(java.time.ZoneId.of("Europe/Berlin"));
        assertThat(c.rateLimits().quotas().consumer()).containsEntry(QuotaPeriod.DAY, 10_000L).containsEntry(QuotaPeriod.MONTH, 200_000L);
        assertThat(c.rateLimits().quotas().consumers().get("mobile-app")).containsOnlyKeys(QuotaPeriod.MONTH);
        RouteConfig byId = c.routes().get(1);
        assertThat(byId.match().path()).isEqualTo("/users/{id}");
        assertThat(byId.split()).hasSize(2);
        assertThat(byId.mirror().maxInFlight()).isEqualTo(32);
        assertThat(byId.pools()).containsExactly("users", "users-canary", "shadow");
        RouteConfig orders = c.routes().get(5);
        assertThat(orders.match().host()).isEqualTo("api.example.com");
        assertThat(orders.auth().scopes()).containsExactly("orders:read");
        assertThat(orders.auth().methods()).contains(RouteConfig.AuthMethod.INTROSPECTION);
        assertThat(orders.limits().consumer().burst()).isEqualTo(20);
        assertThat(orders.limits().routeQuotas()).containsEntry(QuotaPeriod.HOUR, 500_000L);
        assertThat(orders.limits().consumerQuotas()).containsEntry(QuotaPeriod.DAY, 5_000L);
        assertThat(orders.transform().request().rename()).containsEntry("X-Client-Version", "X-App-Version");
        assertThat(orders.transform().response().remove()).containsExactly("Server");
        assertThat(orders.cache().maxBytes()).isEqualTo(64L << 20);
        assertThat(orders.cache().staleWhileRevalidate()).isEqualTo(Duration.ofSeconds(30));
        assertThat(orders.cache().maxVariants()).isEqualTo(8);
        RouteConfig home = c.routes().stream().filter(r -> r.name().equals("mobile-home")).findFirst().orElseThrow();
        assertThat(home.aggregate().calls()).extracting(RouteConfig.AggregateCall::onFailure).containsExactly(
                RouteConfig.OnCallFailure.FAIL, RouteConfig.OnCallFailure.OMIT, RouteConfig.OnCallFailure.DEFAULT);
        assertThat(home.pools()).containsExactly("users", "orders", "users-v2");
        assertThat(home.match().methods()).containsExactly("GET", "HEAD");
        assertThat(c.auth().identityHeaders().names()).containsExactly("X-Consumer-Id", "X-Consumer-Scopes", "X-Auth-Method");
        assertThat(c.routes().get(2).match().version().kind()).isEqualTo(RouteConfig.VersionKind.PATH);
    }

    private static void fails(String authYaml, String... fragments) {
        RejectedConfig.assertRejected(RejectedConfig.POOL_A + """
                  routes:
                    - {name: a, path-prefix: /, pool: a}
                """ + authYaml.indent(2), fragments);
    }

    @Test
    void authAndLimitErrorsPointAtTheLine() {
        fails("auth: {jwt: [{issuer: x, jwks-url: 'http://127.0.0.1:1/j', algorithms: [HS256]}]}", "bad.yaml:6:",
                "'HS256' is refused");
        fails("auth: {jwt: [{issuer: x, jwks-url: 'http://127.0.0.1:1/j'}]}", "algorithms must be pinned");
        fails("auth: {api-keys: {keys: [{consumer: c, key: hunter2}]}}", "plain API key", "sha256sum");
        fails("auth: {api-keys: {keys: [{consumer: c, sha256: abc}]}}", "64 hex digits");
        fails("rate-limits: {consumer: 10/w}", "bad.yaml:6:", "not a rate");
        fails("rate-limits: {consumer: {rate: 10/s, burst: 0}}", "out of range");
    }
}
