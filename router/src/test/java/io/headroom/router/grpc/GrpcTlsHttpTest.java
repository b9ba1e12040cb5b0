package io.headroom.router.grpc;

import io.headroom.router.SelfSignedCert;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** gRPC members over TLS (h2 by ALPN): trusted by the route's CA file; refused when the route does not trust them. */
@Timeout(60)
class GrpcTlsHttpTest {
    @Test
    void membersOverTlsAreTrustedByTheRoutesCa() throws Exception {
        try (GrpcFixture f = new GrpcFixture("grpc-tls")) {
            SelfSignedCert cert = SelfSignedCert.generate(f.dir);
            LibraryServer secure = f.add(new LibraryServer("secure", cert.certPem(), cert.keyPem()));
            f.start("""
                    router:
                      listen: 127.0.0.1:0
                      pools:
                        secure: {backends: [${secure}], retry: {attempts: 0}}
                      routes:
                        - name: trusted
                          path-prefix: /trusted
                          pool: secure
                          grpc:
                            descriptor-set: ${set}
                            tls: {ca: ${ca}}
                            mappings: [{method: GET, path: "/trusted/{shelf}/books/{id}", rpc: headroom.test.Library/GetBook}]
                        - name: untrusted
                          path-prefix: /untrusted
                          pool: secure
                          grpc:
                            descriptor-set: ${set}
                            tls: true
                            mappings: [{method: GET, path: "/untrusted/{shelf}/books/{id}", rpc: headroom.test.Library/GetBook}]
                        - name: plaintext
                          path-prefix: /plaintext
                          pool: secure
                          grpc:
                            descriptor-set: ${set}
                            mappings: [{method: GET, path: "/plaintext/{shelf}/books/{id}", rpc: headroom.test.Library/GetBook}]
                    """, "ca", cert.certPem().toString());
            HttpResponse<String> ok = f.get("/trusted/s/books/1");
            assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
            assertThat(ok.body()).contains("\"title\":\"Title of 1\"");
            assertThat(ok.headers().firstValue("x-served-by")).hasValue("secure");
            // the JDK's trust store does not know the self-signed certificate: the handshake fails, the call does not
            // reach the member, and it is not taken for a refused connection either
            for (String route : new String[]{"untrusted", "plaintext"}) {
                HttpResponse<String> no = f.get("/" + route + "/s/books/1");
                assertThat(no.statusCode()).as(route + ": " + no.body()).isIn(500, 503);
                assertThat(no.body()).as(route).matches("\\{\"code\":(13|14),.*");
            }
            assertThat(secure.calls.get()).isEqualTo(1);
        }
    }
}
