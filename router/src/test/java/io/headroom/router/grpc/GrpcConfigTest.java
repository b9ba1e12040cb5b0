package io.headroom.router.grpc;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.config.RouterConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@code grpc:} block is checked against its descriptor set at start, and every error names file:line and the fix. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcConfigTest {
    private Path dir;
    private Path set;

    @BeforeAll
    void writeSet() throws Exception {
        dir = Files.createTempDirectory("grpc-config");
        set = LibraryServer.writeDescriptorSet(dir.resolve("library.pb"));
    }

    @AfterAll
    void clean() throws Exception {
        Files.deleteIfExists(set);
        Files.deleteIfExists(dir.resolve("garbage.pb"));
        Files.deleteIfExists(dir);
    }

    private RouterConfig parse(String grpc, String... routeExtra) {
        String yaml = """
                router:
                  pools:
                    library: {backends: [127.0.0.1:9000]}
                  routes:
                    - name: lib
                      path-prefix: /v1
                      pool: library
                %s
                      grpc:
                %s
                """.formatted(String.join("\n", routeExtra).indent(6).stripTrailing(), grpc.indent(8).stripTrailing());
        return RouterConfig.from(ConfigNode.parse("t.yaml", yaml));
    }

    @Test
    void annotationsGiveEveryBindingOfTheSet() {
        RouteConfig r = parse("descriptor-set: " + set).routes().get(0);
        assertThat(r.grpc().bindings()).extracting(HttpBinding::toString).containsExactlyInAnyOrder(
                "GET /v1/shelves/{shelf}/books/{id} -> headroom.test.Library.GetBook",
                "POST /v1/shelves/{shelf}/books -> headroom.test.Library.CreateBook",
                "GET /v1/shelves/{shelf}/books -> headroom.test.Library.ListBooks",
                "POST /v1/fail -> headroom.test.Library.Fail",
                "GET /v1/sleep/{millis} -> headroom.test.Library.Sleep",
                "POST /v1/shelves/{shelf}/books:collect -> headroom.test.Library.Collect",
                "POST /v1/shelves/{shelf}/books:echo -> headroom.test.Library.Echo");
        // most specific first
        assertThat(r.grpc().bindings().get(0).template().literalCount()).isEqualTo(3);
        assertThat(r.grpc().passthrough()).isFalse();
        assertThat(r.grpc().channel()).isEqualTo(GrpcRouteSpec.ChannelSettings.PLAINTEXT);
    }

    @Test
    void explicitMappingsAndOptions() {
        RouteConfig r = parse("""
                descriptor-set: %s
                passthrough: true
                tls: {ca: %s, authority: library.internal}
                max-message-size: 1MB
                mappings:
                  - {method: get, path: "/v1/books/{id}", rpc: headroom.test.Library/GetBook, query: {v: view}}
                  - {method: PUT, path: "/v1/shelves/{shelf}/books", rpc: headroom.test.Library.CreateBook, body: book, response-body: title}
                """.formatted(set, set)).routes().get(0);
        assertThat(r.grpc().bindings()).hasSize(2);
        HttpBinding get = r.grpc().bindings().stream().filter(b -> b.httpMethod().equals("GET")).findFirst().orElseThrow();
        assertThat(get.queryFields()).containsEntry("v", "view");
        assertThat(get.origin()).startsWith("t.yaml:");
        assertThat(r.grpc().passthrough()).isTrue();
        assertThat(r.grpc().channel()).isEqualTo(new GrpcRouteSpec.ChannelSettings(true, set, "library.internal", 1 << 20));
    }

    @Test
    void passthroughAloneNeedsNoDescriptors() {
        RouteConfig r = parse("passthrough: true").routes().get(0);
        assertThat(r.grpc().descriptors()).isNull();
        assertThat(r.grpc().bindings()).isEmpty();
    }

    private void fails(String grpc, String... expected) {
        assertThatThrownBy(() -> parse(grpc)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).location()).containsPattern("^t\\.yaml:\\d+:\\d+"))
                .hasMessageContainingAll(expected);
    }

    @Test
    void configErrorsNameTheLineAndTheFix() throws Exception {
        fails("descriptor-set: " + dir.resolve("nope.pb"), "nope.pb not found", "protoc --include_imports --descriptor_set_out=");
        Files.writeString(dir.resolve("garbage.pb"), "not a descriptor set");
        fails("descriptor-set: " + dir.resolve("garbage.pb"), "is not a FileDescriptorSet");
        fails("{}", "needs a descriptor-set", "passthrough: true");
        fails("""
                descriptor-set: %s
                mappings: [{method: GET, path: "/v1/{id}", rpc: headroom.test.Library/Nope}]""".formatted(set),
                "no method headroom.test.Library/Nope", "use one of [headroom.test.Library/GetBook");
        fails("""
                descriptor-set: %s
                mappings: [{method: GET, path: "/v1/{id", rpc: headroom.test.Library/GetBook}]""".formatted(set),
                "'{' without '}'", "fix: write e.g. /v1/shelves/{shelf}/books/{id}");
        fails("""
                descriptor-set: %s
                mappings: [{method: GET, path: "/v1/{nope}", rpc: headroom.test.Library/GetBook}]""".formatted(set),
                "'nope' is not a field of headroom.test.GetBookRequest", "[shelf, id, view]");
        fails("""
                descriptor-set: %s
                mappings: [{method: POST, path: "/v1/x", rpc: headroom.test.Library/CreateBook, body: bookk}]""".formatted(set),
                "'bookk' is not a field of headroom.test.CreateBookRequest", "body: \"*\"");
        fails("""
                descriptor-set: %s
                mappings: [{method: GET, path: "/v1/{id}", rpc: headroom.test.Library/GetBook, response-body: pages}]""".formatted(set),
                "'pages' is not a field of headroom.test.Book");
        fails("""
                descriptor-set: %s
                mappings: [{method: GET, path: "/v1/{id}", rpc: headroom.test.Library/GetBook, query: {q: title}}]""".formatted(set),
                "'title' is not a field of headroom.test.GetBookRequest");
        fails("""
                descriptor-set: %s
                mappings: [{method: POST, path: "/v1/{book}", rpc: headroom.test.Library/CreateBook}]""".formatted(set),
                "path variable {book}", "message field");
        fails("""
                descriptor-set: %s
                mappings:
                  - {method: GET, path: "/v1/{id}", rpc: headroom.test.Library/GetBook}
                  - {method: GET, path: "/v1/{shelf}", rpc: headroom.test.Library/ListBooks}""".formatted(set),
                "two bindings take GET /v1/{shelf}");
        fails("descriptor-set: %s\nservices: [headroom.test.Nope]".formatted(set), "no service headroom.test.Nope");
        // a client-streaming or bidirectional method takes its messages from the body: a binding without body cannot
        failsAt("""
                descriptor-set: %s
                mappings:
                  - {method: POST, path: "/v1/echo", rpc: headroom.test.Library/Echo}""".formatted(set), "t.yaml:12:",
                "headroom.test.Library.Echo is bidirectional: its request messages come from the body, and this binding takes no body",
                "fix: write body: \"*\" (each JSON message of the stream is a whole headroom.test.Book) or body: FIELD");
        failsAt("""
                descriptor-set: %s
                mappings: [{method: POST, path: "/v1/c/{nope}", rpc: headroom.test.Library/Collect, body: "*"}]""".formatted(set),
                "t.yaml:11:", "'nope' is not a field of headroom.test.Book");
        fails("passthrough: true\nmappings: []", "mappings need the descriptors of their methods", "reflection: true");
        fails("passthrough: true\ncolour: blue", "colour");
        fails("passthrough: true\ntls: {ca: " + dir.resolve("none.pem") + "}", "CA file", "not found");
    }

    @Test
    void webIsParsedWithItsCorsSettings() {
        RouteConfig same = parse("web: true").routes().get(0);
        assertThat(same.grpc().web()).isEqualTo(GrpcRouteSpec.Web.SAME_ORIGIN);
        assertThat(same.grpc().passthrough()).isFalse();
        assertThat(same.grpc().descriptors()).isNull();
        assertThat(parse("passthrough: true\nweb: false").routes().get(0).grpc().web()).isNull();
        GrpcRouteSpec.Web w = parse("""
                passthrough: true
                web:
                  cors-origins: [https://App.example.com, "http://localhost:8080", "http://[::1]:3000"]
                  expose-headers: [X-Cost]
                  max-age: 1h
                  allow-credentials: true""").routes().get(0).grpc().web();
        assertThat(w.corsOrigins()).containsExactly("https://app.example.com", "http://localhost:8080", "http://[::1]:3000");
        assertThat(w.exposeHeaders()).containsExactly("x-cost");
        assertThat(w.maxAge()).isEqualTo(java.time.Duration.ofHours(1));
        assertThat(w.allowCredentials()).isTrue();
    }

    private void failsAt(String grpc, String location, String... expected) {
        assertThatThrownBy(() -> parse(grpc)).isInstanceOf(ConfigException.class)
                .satisfies(e -> assertThat(((ConfigException) e).location()).startsWith(location))
                .hasMessageContainingAll(expected);
    }

    @Test
    void webConfigErrorsNameTheLineAndTheFix() {
        // the grpc block's first line is line 10 of the file parse() writes
        failsAt("web:\n  cors-origins: [https://app.example.com/page]", "t.yaml:11:",
                "'https://app.example.com/page' is not an origin", "scheme://host[:port] without a path");
        failsAt("web:\n  cors-origin: [https://app.example.com]", "t.yaml:11:", "cors-origin");
        failsAt("web:\n  cors-origins: [\"*\"]\n  allow-credentials: true", "t.yaml:12:",
                "allow-credentials with cors-origins [*]", "list the origins");
        failsAt("web:\n  cors-origins: [\"*\", https://a.example]", "t.yaml:11:", "* already allows every origin");
        failsAt("web:\n  expose-headers: [x-cost]", "t.yaml:11:", "no cors-origins are listed", "web: true for same-origin pages");
        failsAt("web:\n  cors-origins: [https://a.example]\n  expose-headers: [\"x cost\"]", "t.yaml:12:", "'x cost' is not a header name");
        failsAt("web:\n  cors-origins: [https://a.example]\n  max-age: 48h", "t.yaml:12:", "outside 0..24h");
        failsAt("web: maybe", "t.yaml:10:", "web");
        failsAt("web: false", "t.yaml:", "needs a descriptor-set", "web: true for gRPC-Web clients");
    }

    @Test
    void aGrpcRouteHasNoCacheMirrorOrRewrite() {
        assertThatThrownBy(() -> parse("passthrough: true", "cache: {max-bytes: 1MB}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("a gRPC route has no cache");
        assertThatThrownBy(() -> parse("passthrough: true", "transform: {response: {remove: [Server]}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("remove transform.response");
    }
}
