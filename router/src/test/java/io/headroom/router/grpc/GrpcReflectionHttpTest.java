package io.headroom.router.grpc;

import io.headroom.config.ConfigException;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Translation routes whose descriptors come by server reflection from real grpc-java servers on 127.0.0.1
 * (ProtoReflectionServiceV1, and the v1alpha service alone): annotations and explicit mappings, every service the
 * member lists, a dead member skipped; the errors at start (no reflection, an unknown service, no live member, a
 * mapping that does not fit the fetched descriptors), each at the block's file:line with its fix; and reloads, which
 * fetch again, keep a route's descriptors when its block is unchanged and the fetch fails, and keep the previous
 * configuration when a changed block's fetch fails.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class GrpcReflectionHttpTest {
    private GrpcFixture f;
    private LibraryServer v1;
    private LibraryServer v1alpha;
    private LibraryServer plain;
    private int dead;

    @BeforeAll
    void start() throws Exception {
        f = new GrpcFixture("grpc-reflection");
        v1 = f.add(new LibraryServer("v1", LibraryServer.Reflection.V1));
        v1alpha = f.add(new LibraryServer("v1alpha", LibraryServer.Reflection.V1ALPHA));
        plain = f.add(new LibraryServer("plain", LibraryServer.Reflection.NONE));
        dead = f.dead;
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    /** One pool of {@code backends} and one route named lib on /v1 with {@code grpc} as its block. */
    private static String oneRoute(String backends, String grpc) {
        return """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    library:
                      backends: [%s]
                      outlier: {consecutive-failures: 1000}
                  routes:
                    - name: lib
                      path-prefix: /v1
                      pool: library
                      grpc:
                %s
                """.formatted(backends, grpc.indent(8).stripTrailing());
    }

    @Test
    void annotationsMappingsAndEveryListedServiceByReflection() throws Exception {
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    library:
                      backends: [${dead}, ${v1}]
                      balancer: {type: round-robin}
                      outlier: {consecutive-failures: 1000}
                    old:
                      backends: [${v1alpha}]
                  routes:
                    - name: annotated
                      path-prefix: /v1
                      pool: library
                      grpc: {reflection: true, services: [headroom.test.Library]}
                    - name: mapped
                      path-prefix: /admin
                      pool: library
                      grpc:
                        reflection: {timeout: 10s}
                        preserve-proto-field-names: true
                        mappings:
                          - {method: GET, path: "/admin/books/{id}", rpc: headroom.test.Library/GetBook, query: {v: view}}
                    - name: everything
                      path-prefix: /all
                      pool: old
                      grpc:
                        reflection: true
                        mappings: [{method: GET, path: "/all/{shelf}/{id}", rpc: headroom.test.Library.GetBook}]
                    - name: listed
                      path-prefix: /listed
                      pool: old
                      grpc: {reflection: true, passthrough: true}
                """;
        // the pool's first member is dead: the fetch goes on to the next; "old" serves v1alpha only
        Router router = f.router(yaml);
        try {
            int port = router.start();
            HttpResponse<String> a = f.get(port, "/v1/shelves/fiction/books/42?view=full");
            assertThat(a.statusCode()).as(a.body()).isEqualTo(200);
            assertThat(a.body()).isEqualTo("{\"id\":\"42\",\"shelf\":\"fiction\",\"title\":\"Title of 42 (full)\",\"pageCount\":102}");
            HttpResponse<String> m = f.get(port, "/admin/books/7?v=short");
            assertThat(m.statusCode()).as(m.body()).isEqualTo(200);
            assertThat(m.body()).contains("\"page_count\":").contains("(short)");
            HttpResponse<String> all = f.get(port, "/all/s/9");
            assertThat(all.statusCode()).as(all.body()).isEqualTo(200);
            assertThat(all.body()).contains("\"id\":\"9\"");
            // no services, no mappings: every service the member lists, with its annotations
            assertThat(router.routes().stream().filter(r -> r.name().equals("listed")).findFirst().orElseThrow()
                    .policy().grpc().spec().descriptors().services()).containsKey("headroom.test.Library");
            assertThat(router.routes().stream().filter(r -> r.name().equals("annotated")).findFirst().orElseThrow()
                    .policy().grpc().spec().descriptors().source()).contains("server reflection of pool library");
        } finally {
            router.stop();
        }
    }

    @Test
    void theFetchGoesThroughAHealthyMemberFirst() throws Exception {
        try (LibraryServer first = new LibraryServer("first", LibraryServer.Reflection.V1);
             LibraryServer second = new LibraryServer("second", LibraryServer.Reflection.V1)) {
            String yaml = oneRoute("127.0.0.1:" + first.port() + ", 127.0.0.1:" + second.port(), "reflection: true\nservices: [headroom.test.Library]");
            Router router = f.router(yaml);
            try {
                assertThat(first.reflectionCalls.get()).isEqualTo(1); // in the pool's order while all are healthy
                assertThat(second.reflectionCalls.get()).isZero();
                // the first member is ejected (outlier detection): the reload's fetch goes to the second
                io.headroom.router.control.PoolState pool = router.controlPlans().pool("library");
                pool.snapshot().balancer().members().stream().filter(b -> b.address().endsWith(":" + first.port())).findFirst()
                        .orElseThrow().health().eject(System.nanoTime() + java.util.concurrent.TimeUnit.MINUTES.toNanos(10));
                router.reload(f.config(yaml));
                assertThat(first.reflectionCalls.get()).isEqualTo(1);
                assertThat(second.reflectionCalls.get()).isEqualTo(1);
            } finally {
                router.stop();
            }
        }
    }

    @Test
    void aMemberWithoutReflectionIsAStartErrorAtTheBlock() {
        assertThatThrownBy(() -> f.router(oneRoute("127.0.0.1:" + plain.port(), "reflection: true\nservices: [headroom.test.Library]")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:12:")
                .hasMessageContaining("route lib: cannot fetch the descriptors of headroom.test.Library from pool library by server reflection")
                .hasMessageContaining("127.0.0.1:" + plain.port() + ": serves no server reflection")
                .hasMessageContaining("fix: register the reflection service on the members (grpc-java: ProtoReflectionServiceV1.newInstance()");
    }

    @Test
    void anUnknownServiceIsAStartErrorThatListsWhatTheMemberServes() {
        assertThatThrownBy(() -> f.router(oneRoute("127.0.0.1:" + v1.port(), """
                reflection: true
                mappings: [{method: GET, path: "/v1/x/{id}", rpc: headroom.test.Nope/GetBook}]""")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:12:")
                .hasMessageContaining("does not know service headroom.test.Nope")
                .hasMessageContaining("it serves [")
                .hasMessageContaining("headroom.test.Library")
                .hasMessageContaining("fix: name services the members serve");
    }

    @Test
    void noLiveMemberIsAStartErrorNamingEachMember() {
        assertThatThrownBy(() -> f.router(oneRoute("127.0.0.1:" + dead, "reflection: {timeout: 5s}\nservices: [headroom.test.Library]")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("127.0.0.1:" + dead + ": UNAVAILABLE")
                .hasMessageContaining("fix: start the pool's members");
    }

    @Test
    void aMappingThatDoesNotFitTheFetchedDescriptorsIsAnErrorAtItsLine() {
        assertThatThrownBy(() -> f.router(oneRoute("127.0.0.1:" + v1.port(), """
                reflection: true
                mappings:
                  - {method: GET, path: "/v1/x/{nope}", rpc: headroom.test.Library/GetBook}""")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:14:")
                .hasMessageContaining("'nope' is not a field of headroom.test.GetBookRequest");
    }

    @Test
    void configErrorsThatNeedNoDescriptorsComeAtParse() {
        assertThatThrownBy(() -> f.config(oneRoute("127.0.0.1:1", "reflection: true\ndescriptor-set: x.pb")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:12:").hasMessageContaining("keep one");
        assertThatThrownBy(() -> f.config(oneRoute("127.0.0.1:1", "reflection: {timeout: 0s}")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("outside 1ms..5m");
        assertThatThrownBy(() -> f.config(oneRoute("127.0.0.1:1", "reflection: {deadline: 1s}")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("deadline");
        assertThatThrownBy(() -> f.config(oneRoute("127.0.0.1:1", "reflection: true\nmappings: [{method: GET, path: /v1/x, rpc: GetBook}]")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:13:").hasMessageContaining("names no method of a service");
        assertThatThrownBy(() -> f.config(oneRoute("127.0.0.1:1", "reflection: false")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("needs a descriptor-set or reflection");
        // nothing is fetched at parse: the members need not be up to check a configuration
        RouterConfig ok = f.config(oneRoute("127.0.0.1:" + dead, "reflection: true"));
        assertThat(ok.routes().get(0).grpc().resolved()).isFalse();
    }

    @Test
    void aReloadFetchesAgainAndKeepsAnUnchangedRouteWhenTheFetchFails() throws Exception {
        try (LibraryServer member = new LibraryServer("m", LibraryServer.Reflection.V1)) {
            String before = oneRoute("127.0.0.1:" + member.port(), "reflection: true\nservices: [headroom.test.Library]");
            String changed = oneRoute("127.0.0.1:" + member.port(),
                    "reflection: true\nservices: [headroom.test.Library]\npreserve-proto-field-names: true");
            Router router = f.router(before);
            try {
                int port = router.start();
                assertThat(f.get(port, "/v1/shelves/s/books/1").body()).contains("\"pageCount\":");

                member.reflectionDown.set(true);
                // the same block: the reload goes through, the route keeps the descriptors it has
                router.reload(f.config(before));
                assertThat(f.get(port, "/v1/shelves/s/books/1").statusCode()).isEqualTo(200);
                // a changed block whose fetch fails: the reload is refused and the previous configuration serves on
                assertThatThrownBy(() -> router.reload(f.config(changed)))
                        .isInstanceOf(IllegalArgumentException.class)
                        .hasMessageContaining("cannot be put in service")
                        .hasMessageContaining("t.yaml:12:")
                        .hasMessageContaining("UNAVAILABLE: reflection is down for the test");
                assertThat(f.get(port, "/v1/shelves/s/books/1").body()).contains("\"pageCount\":");

                member.reflectionDown.set(false);
                router.reload(f.config(changed));
                assertThat(f.get(port, "/v1/shelves/s/books/1").body()).contains("\"page_count\":");
            } finally {
                router.stop();
            }
        }
    }
}
