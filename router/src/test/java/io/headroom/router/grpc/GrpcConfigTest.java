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
                "GET /v1/sleep/{millis} -> headroom.test.Library.Sleep");
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
        fails("passthrough: true\nmappings: []", "mappings need the descriptors of their methods", "reflection: true");
        fails("passthrough: true\ncolour: blue", "colour");
        fails("passthrough: true\ntls: {ca: " + dir.resolve("none.pem") + "}", "CA file", "not found");
    }

    @Test
    void aGrpcRouteHasNoCacheMirrorOrRewrite() {
        assertThatThrownBy(() -> parse("passthrough: true", "cache: {max-bytes: 1MB}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("a gRPC route has no cache");
        assertThatThrownBy(() -> parse("passthrough: true", "transform: {response: {remove: [Server]}}"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("remove transform.response");
    }
}
