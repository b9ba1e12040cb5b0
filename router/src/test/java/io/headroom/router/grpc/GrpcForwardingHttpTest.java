package io.headroom.router.grpc;

import io.grpc.Metadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code router.forwarding} on a JSON-to-gRPC route: the forwarding headers a client sent, as the member's call
 * metadata, under {@code replace} and {@code off} ({@code append} is {@link GrpcWebHttpTest}'s and
 * {@link GrpcRoutesHttpTest}'s), with a real grpc-java member.
 */
@Timeout(120)
class GrpcForwardingHttpTest {
    private static final Metadata.Key<String> XFF = Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> PROTO = Metadata.Key.of("x-forwarded-proto", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> HOST = Metadata.Key.of("x-forwarded-host", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> FORWARDED = Metadata.Key.of("forwarded", Metadata.ASCII_STRING_MARSHALLER);

    /** The member's metadata for one GET through a router with {@code router.forwarding: mode}, the client's four sent. */
    private static Metadata seen(String mode) throws Exception {
        try (GrpcFixture f = new GrpcFixture("grpc-forwarding-" + mode, "a")) {
            LibraryServer a = f.member("a");
            f.start("""
                    router:
                      listen: 127.0.0.1:0
                      forwarding: %s
                      pools:
                        library: {backends: [${a}]}
                      routes:
                        - {name: library-json, path-prefix: /v1, pool: library, grpc: {descriptor-set: ${set}}}
                    """.formatted(mode));
            HttpResponse<String> r = f.get("/v1/shelves/fiction/books/42", "X-Forwarded-For", "10.1.1.1",
                    "X-Forwarded-Proto", "https", "X-Forwarded-Host", "spoofed.test", "Forwarded", "for=10.9.9.9");
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            return a.lastHeaders.get();
        }
    }

    @Test
    void replaceSendsThisHopOnly() throws Exception {
        Metadata md = seen("replace");
        assertThat(md.get(XFF)).isEqualTo("127.0.0.1");
        assertThat(md.get(PROTO)).isEqualTo("http");
        assertThat(md.containsKey(HOST)).isFalse();
        assertThat(md.containsKey(FORWARDED)).isFalse();
    }

    @Test
    void offPassesTheClientsOwn() throws Exception {
        Metadata md = seen("off");
        assertThat(md.get(XFF)).isEqualTo("10.1.1.1");
        assertThat(md.get(PROTO)).isEqualTo("https");
        assertThat(md.get(HOST)).isEqualTo("spoofed.test");
        assertThat(md.get(FORWARDED)).isEqualTo("for=10.9.9.9");
    }
}
