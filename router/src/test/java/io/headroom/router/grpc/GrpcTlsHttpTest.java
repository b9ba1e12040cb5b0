package io.headroom.router.grpc;

import io.headroom.config.ConfigNode;
import io.headroom.router.Router;
import io.headroom.router.SelfSignedCert;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** gRPC members over TLS (h2 by ALPN): trusted by the route's CA file; refused when the route does not trust them. */
@Timeout(60)
class GrpcTlsHttpTest {
    @Test
    void membersOverTlsAreTrustedByTheRoutesCa() throws Exception {
        Path dir = Files.createTempDirectory("grpc-tls");
        SelfSignedCert cert = SelfSignedCert.generate(dir);
        Path set = LibraryServer.writeDescriptorSet(dir.resolve("library.pb"));
        try (LibraryServer secure = new LibraryServer("secure", cert.certPem(), cert.keyPem())) {
            String yaml = """
                    router:
                      listen: 127.0.0.1:0
                      pools:
                        secure: {backends: [127.0.0.1:%1$d], retry: {attempts: 0}}
                      routes:
                        - name: trusted
                          path-prefix: /trusted
                          pool: secure
                          grpc:
                            descriptor-set: %2$s
                            tls: {ca: %3$s}
                            mappings: [{method: GET, path: "/trusted/{shelf}/books/{id}", rpc: headroom.test.Library/GetBook}]
                        - name: untrusted
                          path-prefix: /untrusted
                          pool: secure
                          grpc:
                            descriptor-set: %2$s
                            tls: true
                            mappings: [{method: GET, path: "/untrusted/{shelf}/books/{id}", rpc: headroom.test.Library/GetBook}]
                        - name: plaintext
                          path-prefix: /plaintext
                          pool: secure
                          grpc:
                            descriptor-set: %2$s
                            mappings: [{method: GET, path: "/plaintext/{shelf}/books/{id}", rpc: headroom.test.Library/GetBook}]
                    """.formatted(secure.port(), set, cert.certPem());
            Router router = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "tls", TelemetrySink.DISCARD,
                    Clock.systemUTC());
            int port = router.start();
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            try {
                HttpResponse<String> ok = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/trusted/s/books/1"))
                        .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
                assertThat(ok.body()).contains("\"title\":\"Title of 1\"");
                assertThat(ok.headers().firstValue("x-served-by")).hasValue("secure");
                // the JDK's trust store does not know the self-signed certificate: the handshake fails, the call does not
                // reach the member, and it is not taken for a refused connection either
                for (String route : new String[]{"untrusted", "plaintext"}) {
                    HttpResponse<String> no = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/" + route
                            + "/s/books/1")).timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
                    assertThat(no.statusCode()).as(route + ": " + no.body()).isIn(500, 503);
                    assertThat(no.body()).as(route).matches("\\{\"code\":(13|14),.*");
                }
                assertThat(secure.calls.get()).isEqualTo(1);
            } finally {
                router.stop();
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
            }
            Files.deleteIfExists(dir);
        }
    }
}
