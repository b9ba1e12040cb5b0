package io.headroom.router.route;

import io.headroom.config.ConfigNode;
import io.headroom.router.Router;
import io.headroom.router.config.RejectedConfig;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.proxy.Route;
import io.headroom.router.proxy.RouteTable;
import io.headroom.router.telemetry.TelemetrySink;
import io.helidon.http.HeaderName;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Matching, precedence, rewrite and versioning on a route table built from YAML, without a network. */
@Timeout(30)
class RoutingTest {
    private final List<Router> routers = new ArrayList<>();

    @AfterEach
    void close() {
        routers.forEach(Router::close);
    }

    /** A request: method, host, path?query, then header name/value pairs. */
    record Req(String method, String host, String path, Map<String, String> query, Map<String, List<String>> headers)
            implements RequestView {
        static Req of(String method, String host, String target, String... headers) {
            String path = target;
            Map<String, String> q = new HashMap<>();
            int i = target.indexOf('?');
            if (i >= 0) {
                path = target.substring(0, i);
                for (String kv : target.substring(i + 1).split("&")) {
                    String[] p = kv.split("=", 2);
                    q.putIfAbsent(p[0], p.length > 1 ? p[1] : "");
                }
            }
            Map<String, List<String>> h = new HashMap<>();
            for (int k = 0; k < headers.length; k += 2) {
                h.computeIfAbsent(headers[k].toLowerCase(Locale.ROOT), x -> new ArrayList<>()).add(headers[k + 1]);
            }
            return new Req(method, host, path, q, h);
        }

        @Override
        public List<String> headerValues(HeaderName name) {
            return headers.getOrDefault(name.lowerCase(), List.of());
        }

        @Override
        public String query(String name) {
            return query.get(name);
        }
    }

    private RouteTable table(String routesYaml) {
        RouterConfig cfg = RouterConfig.from(ConfigNode.parse("routes.yaml", """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    a: {backends: [127.0.0.1:9001]}
                    b: {backends: [127.0.0.1:9002]}
                    c: {backends: [127.0.0.1:9003]}
                  routes:
                """ + routesYaml.indent(4)));
        Router r = Router.create(cfg, "t", TelemetrySink.DISCARD, Clock.systemUTC());
        routers.add(r);
        return new RouteTable(r.routes());
    }

    private static String name(RouteTable t, Req r) {
        Route route = t.match(r);
        return route == null ? null : route.name();
    }

    @Test
    void mostSpecificRouteWins() {
        RouteTable t = table("""
                - {name: root, path-prefix: /, pool: a}
                - {name: users, path-prefix: /users, pool: a}
                - {name: user, path: "/users/{id}", pool: b}
                - {name: me, path: /users/me, pool: c}
                - {name: user-put, path: "/users/{id}", methods: [PUT], pool: c}
                - {name: user-beta, path: "/users/{id}", headers: {X-Beta: "1"}, pool: c}
                - {name: host-any, host: "*.example.com", path-prefix: /, pool: b}
                - {name: host-api, host: api.example.com, path-prefix: /, pool: c}
                - {name: debug, path-prefix: /users, query: {debug: "*"}, pool: c}
                """);
        assertThat(name(t, Req.of("GET", "localhost", "/users/me"))).isEqualTo("me");
        assertThat(name(t, Req.of("GET", "localhost", "/users/42"))).isEqualTo("user");
        assertThat(name(t, Req.of("PUT", "localhost", "/users/42"))).isEqualTo("user-put");
        assertThat(name(t, Req.of("GET", "localhost", "/users/42", "X-Beta", "1"))).isEqualTo("user-beta");
        assertThat(name(t, Req.of("GET", "localhost", "/users/42", "X-Beta", "2"))).isEqualTo("user");
        assertThat(name(t, Req.of("GET", "localhost", "/users/42/orders"))).isEqualTo("users");
        assertThat(name(t, Req.of("GET", "localhost", "/users/42/orders?debug=1"))).isEqualTo("debug");
        assertThat(name(t, Req.of("GET", "localhost", "/usersx"))).isEqualTo("root");
        assertThat(name(t, Req.of("GET", "localhost", "/users/"))).isEqualTo("users"); // an empty segment is no {id}
        assertThat(name(t, Req.of("GET", "API.Example.com:8443", "/users/me"))).isEqualTo("host-api");
        assertThat(name(t, Req.of("GET", "www.example.com", "/users/me"))).isEqualTo("host-any");
        assertThat(name(t, Req.of("GET", "example.com", "/users/me"))).isEqualTo("me");
        assertThat(t.routes().get(0).name()).isEqualTo("host-api");
    }

    @Test
    void noRouteWhenConditionsFail() {
        RouteTable t = table("""
                - {name: only-get, path: /health, methods: [GET, HEAD], pool: a}
                """);
        assertThat(name(t, Req.of("GET", null, "/health"))).isEqualTo("only-get");
        assertThat(name(t, Req.of("POST", null, "/health"))).isNull();
        assertThat(name(t, Req.of("GET", null, "/health/x"))).isNull();
    }

    @Test
    void versionsByPathHeaderAndMediaType() {
        RouteTable t = table("""
                - {name: v1, path-prefix: /orders, pool: a}
                - {name: v2-path, path-prefix: /orders, version: {path: /v2}, pool: b}
                - {name: v3-path-kept, path-prefix: /, version: {path: /v3, strip: false}, pool: b}
                - {name: v2-header, path-prefix: /orders, version: {header: Api-Version, value: "2"}, pool: b}
                - {name: v2-media, path-prefix: /orders, version: {media-type: application/vnd.acme.v2+json}, pool: c}
                - {name: v4-param, path-prefix: /orders, version: {media-type: "application/json; version=4"}, pool: c}
                """);
        assertThat(name(t, Req.of("GET", null, "/orders/1"))).isEqualTo("v1");
        Route v2 = t.match(Req.of("GET", null, "/v2/orders/1"));
        assertThat(v2.name()).isEqualTo("v2-path");
        assertThat(v2.upstreamPath("/v2/orders/1")).isEqualTo("/orders/1");
        assertThat(t.match(Req.of("GET", null, "/v3/x")).upstreamPath("/v3/x")).isEqualTo("/v3/x");
        assertThat(name(t, Req.of("GET", null, "/v2x/orders/1"))).isNull();
        assertThat(name(t, Req.of("GET", null, "/orders/1", "Api-Version", "2"))).isEqualTo("v2-header");
        assertThat(name(t, Req.of("GET", null, "/orders/1", "Accept", "text/html, Application/VND.acme.v2+json;q=0.9")))
                .isEqualTo("v2-media");
        assertThat(name(t, Req.of("GET", null, "/orders/1", "Accept", "application/json;version=4"))).isEqualTo("v4-param");
        assertThat(name(t, Req.of("GET", null, "/orders/1", "Accept", "application/json;version=5"))).isEqualTo("v1");
        assertThat(name(t, Req.of("GET", null, "/orders/1", "Accept", "*/*"))).isEqualTo("v1");
    }

    @Test
    void rewritesPaths() {
        RouteTable t = table("""
                - {name: strip, path-prefix: /api, rewrite: {strip-prefix: true}, pool: a}
                - {name: replace, path-prefix: /old/, rewrite: {prefix: /new}, pool: a}
                - {name: tpl, path: "/users/{id}/orders/{order}", rewrite: {path: "/orders/{order}/by/{id}"}, pool: b}
                - {name: none, path-prefix: /plain, pool: c}
                """);
        assertThat(t.match(Req.of("GET", null, "/api/users")).upstreamPath("/api/users")).isEqualTo("/users");
        assertThat(t.match(Req.of("GET", null, "/api")).upstreamPath("/api")).isEqualTo("/");
        assertThat(t.match(Req.of("GET", null, "/old/x/y")).upstreamPath("/old/x/y")).isEqualTo("/new/x/y");
        assertThat(t.match(Req.of("GET", null, "/users/7/orders/9")).upstreamPath("/users/7/orders/9"))
                .isEqualTo("/orders/9/by/7");
        String plain = "/plain/x";
        assertThat(t.match(Req.of("GET", null, plain)).upstreamPath(plain)).isSameAs(plain);
    }

    @Test
    void splitIsWeightedAndSeeded() {
        List<String> a = List.of("stable", "canary");
        TrafficSplit<String> s1 = new TrafficSplit<>(a, new double[]{90, 10}, 42);
        TrafficSplit<String> s2 = new TrafficSplit<>(a, new double[]{90, 10}, 42);
        Map<String, Integer> counts = new HashMap<>();
        List<String> seq1 = new ArrayList<>();
        List<String> seq2 = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            String p = s1.pick();
            seq1.add(p);
            seq2.add(s2.pick());
            counts.merge(p, 1, Integer::sum);
        }
        assertThat(seq1).isEqualTo(seq2);
        assertThat(counts.get("canary")).isBetween(900, 1100);
        TrafficSplit<String> off = new TrafficSplit<>(a, new double[]{1, 0}, 1);
        for (int i = 0; i < 1000; i++) {
            assertThat(off.pick()).isEqualTo("stable");
        }
    }

    private static void fails(String routesYaml, String... fragments) {
        RejectedConfig.assertRejected(RejectedConfig.POOL_A + "  routes:\n" + routesYaml.indent(4), fragments);
    }

    @Test
    void configErrorsPointAtTheLine() {
        fails("- {name: x, path-prefix: /a, path: /b, pool: a}\n", "bad.yaml:5:", "either path-prefix or path");
        fails("- {name: x, path: \"/u/{id}x\", pool: a}\n", "bad.yaml:5:", "not a whole {variable}");
        fails("- {name: x, path: \"/u/{id}\", rewrite: {path: \"/v/{nope}\"}, pool: a}\n", "{nope} is not a variable", "use one of [id]");
        fails("- {name: x, path-prefix: /a, split: [{pool: a, weight: 0}]}\n", "weight above 0");
        fails("- {name: x, path-prefix: /a, pool: a, split: [{pool: a}]}\n", "exactly one of pool: and split:");
        fails("- {name: x, path-prefix: /a, mirror: {pool: zz}, pool: a}\n", "unknown pool 'zz'");
        fails("- {name: x, path-prefix: /a, version: {header: V}, pool: a}\n", "missing required key", "value");
        fails("- {name: x, path-prefix: /a, version: {media-type: json}, pool: a}\n", "not a media type");
        fails("- {name: x, path-prefix: /a, methds: [GET], pool: a}\n", "unknown key 'methds'", "did you mean 'methods'");
        fails("- {name: x, path-prefix: /a, pool: a}\n- {name: y, path-prefix: /a, pool: a}\n", "bad.yaml:6:", "already used by route 'x'");
        fails("- {name: x, path-prefix: /a, auth: {methods: [jwt]}, pool: a}\n", "router.auth.jwt lists no issuer");
    }
}
