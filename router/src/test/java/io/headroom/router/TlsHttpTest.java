package io.headroom.router;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** TLS termination from PEM files, with a self-signed certificate generated for the test by the JDK's keytool. */
@Timeout(90)
class TlsHttpTest {
    @TempDir
    static Path dir;
    static Path certPem;
    static Path keyPem;
    static KeyStore trust;

    @BeforeAll
    static void generateSelfSignedCertificate() throws Exception {
        SelfSignedCert c = SelfSignedCert.generate(dir);
        certPem = c.certPem();
        keyPem = c.keyPem();
        trust = c.trust();
    }

    private static String yaml(String backend, String tls) {
        return """
                router:
                  listen: 127.0.0.1:0
                  tls: %s
                  pools:
                    api:
                      backends: [%s]
                      balancer: {type: maglev, hash-on: cookie:hr}
                      affinity-cookie: {ttl: 1h}
                  routes: [{name: api, path-prefix: /, pool: api}]
                """.formatted(tls, backend);
    }

    @Test
    void theListenerTerminatesTlsWithThePemKeyAndCertificate() throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        HttpClient https = HttpClient.newBuilder().sslContext(ssl).version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        try (TinyBackend b = new TinyBackend("b1");
             Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml",
                     yaml(b.address(), "{certificate: %s, key: %s}".formatted(certPem, keyPem)))), "t", TelemetrySink.DISCARD,
                     Clock.systemUTC())) {
            r.start();
            HttpResponse<String> res = https.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + r.port() + "/headers"))
                    .timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(200);
            assertThat(res.sslSession()).isPresent();
            assertThat(res.body()).contains("X-Forwarded-Proto: https").contains("proto=https");
            // the affinity cookie of an answer over TLS is Secure
            assertThat(res.headers().allValues("Set-Cookie")).filteredOn(c -> c.startsWith("hr=")).singleElement()
                    .satisfies(c -> assertThat(c).endsWith("; Secure"));
            // plain HTTP to the TLS port gets no HTTP answer
            HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
            assertThatThrownBy(() -> plain.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + "/who"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    @Test
    void unreadableOrMissingFilesAreConfigErrors() {
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", yaml("127.0.0.1:9", "{certificate: /nope.pem, key: %s}"
                .formatted(keyPem))))).isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:3")
                .hasMessageContaining("cannot read certificate file /nope.pem");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", yaml("127.0.0.1:9", "{certificate: %s}".formatted(certPem)))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("key");
        // a key file that holds no key: refused at start with the path
        RouterConfig swapped = RouterConfig.from(ConfigNode.parse("t.yaml", yaml("127.0.0.1:9",
                "{certificate: %s, key: %s}".formatted(certPem, certPem))));
        try (Router r = Router.create(swapped, "t", TelemetrySink.DISCARD, Clock.systemUTC())) {
            assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class).hasMessageContaining(certPem.toString());
        }
    }
}
