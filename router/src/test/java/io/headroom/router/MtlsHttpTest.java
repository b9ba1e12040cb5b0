package io.headroom.router;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import io.headroom.router.tls.CertificateReloader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Client certificates (mTLS) over real TLS on 127.0.0.1, with a CA and client certificates made by keytool: the
 * handshake refuses clients without a certificate from {@code client-ca} (required) and lets them in without one
 * (optional); a verified certificate names the consumer of {@code auth: client-certificate} routes and reaches the
 * backend in {@code X-Client-Cert-Subject}/{@code X-Client-Cert-San}, which no client can set itself.
 */
@Timeout(120)
class MtlsHttpTest {
    @TempDir
    static Path dir;
    static SelfSignedCert server;
    static TestPki.Ca ca;
    static TestPki.Ca rogueCa;
    static KeyStore orders;
    static KeyStore noCn;
    static KeyStore rogue;

    @BeforeAll
    static void pki() throws Exception {
        server = SelfSignedCert.generate(dir.resolve("server"));
        ca = TestPki.ca(dir, "good");
        rogueCa = TestPki.ca(dir, "rogue");
        orders = TestPki.client(dir, ca, "orders", "CN=orders,OU=payments,O=Example", "dns:orders.internal,uri:spiffe://example.org/orders");
        noCn = TestPki.client(dir, ca, "nocn", "OU=batch,O=Example", null);
        rogue = TestPki.client(dir, rogueCa, "rogue", "CN=orders,OU=payments,O=Example", null);
    }

    private static String yaml(String backend, String clientTls) {
        return """
                router:
                  listen: 127.0.0.1:0
                  tls: {certificate: %s, key: %s, reload-interval: 0s, %s}
                  auth:
                    identity-headers: {consumer: X-Consumer-Id, method: X-Auth-Method}
                  pools:
                    api: {backends: [%s]}
                  routes:
                    - {name: open, path-prefix: /open, pool: api, rewrite: {strip-prefix: true}}
                    - {name: svc, path-prefix: /svc, pool: api, rewrite: {strip-prefix: true}, auth: {methods: [client-certificate]}}
                    - {name: scoped, path-prefix: /scoped, pool: api, rewrite: {strip-prefix: true},
                       auth: {methods: [client-certificate], scopes: [admin]}}
                """.formatted(server.certPem(), server.keyPem(), clientTls, backend);
    }

    private static Router router(String backend, String clientTls) {
        return Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml(backend, clientTls))), "t", TelemetrySink.DISCARD,
                Clock.systemUTC());
    }

    /** A TLS connection that trusts the server's certificate and presents {@code client}'s key and chain (null: none). */
    private static SSLSocket connect(int port, KeyStore client) throws Exception {
        SSLSocket s = (SSLSocket) sslContext(client).getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        s.startHandshake();
        return s;
    }

    private static SSLContext sslContext(KeyStore client) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(server.trust());
        KeyManagerFactory kmf = null;
        if (client != null) {
            kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(client, TestPki.password());
        }
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf == null ? null : new javax.net.ssl.KeyManager[]{new Presenting((javax.net.ssl.X509KeyManager) kmf.getKeyManagers()[0])},
                tmf.getTrustManagers(), null);
        return ssl;
    }

    /**
     * Presents the client certificate whatever CAs the server names: the JDK's own key manager would send none for a
     * certificate of another CA, and the server must be seen refusing one that is sent.
     */
    private static final class Presenting extends javax.net.ssl.X509ExtendedKeyManager {
        private final javax.net.ssl.X509KeyManager km;

        Presenting(javax.net.ssl.X509KeyManager km) {
            this.km = km;
        }

        @Override
        public String chooseClientAlias(String[] keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return "client";
        }

        @Override
        public String chooseEngineClientAlias(String[] keyType, java.security.Principal[] issuers, javax.net.ssl.SSLEngine engine) {
            return "client";
        }

        @Override
        public String[] getClientAliases(String keyType, java.security.Principal[] issuers) {
            return new String[]{"client"};
        }

        @Override
        public String[] getServerAliases(String keyType, java.security.Principal[] issuers) {
            return null;
        }

        @Override
        public String chooseServerAlias(String keyType, java.security.Principal[] issuers, java.net.Socket socket) {
            return null;
        }

        @Override
        public java.security.cert.X509Certificate[] getCertificateChain(String alias) {
            return km.getCertificateChain(alias);
        }

        @Override
        public java.security.PrivateKey getPrivateKey(String alias) {
            return km.getPrivateKey(alias);
        }
    }

    /** One GET with {@code extra} header lines; the whole response. */
    private static String get(SSLSocket s, String path, String extra) throws IOException {
        s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n" + extra + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        return RawHttp.readResponse(s.getInputStream());
    }

    /** Whether the server refuses {@code client}: the handshake, or (TLS 1.3: the client finishes first) the first read fails. */
    private static boolean refused(int port, KeyStore client) {
        try (SSLSocket s = connect(port, client)) {
            return get(s, "/open/x", "").isEmpty();
        } catch (IOException e) {
            return true; // SSLHandshakeException (bad_certificate, certificate_required) or the connection closed
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void requiredRefusesClientsWithoutACertificateFromTheCaAndForwardsTheVerifiedSubject() throws Exception {
        try (TinyBackend b = new TinyBackend("b1");
             Router r = router(b.address(), "client-auth: required, client-ca: " + ca.pem())) {
            int port = r.start();
            assertThat(refused(port, null)).as("no certificate").isTrue();
            assertThat(refused(port, rogue)).as("a certificate from another CA").isTrue();
            assertThat(b.requests.get()).isZero();

            try (SSLSocket s = connect(port, orders)) {
                // an open route: the certificate's subject and SANs reach the backend; the client's own values are dropped
                String res = get(s, "/open/headers", "X-Client-Cert-Subject: CN=admin\r\nx-client-cert-san: DNS:evil\r\n"
                        + "X-Consumer-Id: admin\r\n");
                assertThat(res).startsWith("HTTP/1.1 200");
                assertThat(res).contains("X-Client-Cert-Subject: CN=orders,OU=payments,O=Example")
                        .contains("X-Client-Cert-San: DNS:orders.internal, URI:spiffe://example.org/orders")
                        .doesNotContain("CN=admin").doesNotContain("DNS:evil").doesNotContain("X-Consumer-Id")
                        .contains("X-Forwarded-Proto: https");
                // a route that authenticates by certificate: the consumer is the CN, on the same kept-alive connection
                res = get(s, "/svc/headers", "");
                assertThat(res).startsWith("HTTP/1.1 200").contains("X-Consumer-Id: orders").contains("X-Auth-Method: client-certificate");
                // certificate identities carry no scopes
                res = get(s, "/scoped/headers", "");
                assertThat(res).startsWith("HTTP/1.1 403").contains("insufficient_scope").doesNotContain("WWW-Authenticate");
            }
            // a WebSocket upgrade (the tunnel's own path to the backend): authenticated by the certificate, headers as above
            try (SSLSocket s = connect(port, orders)) {
                String res = get(s, "/svc/headers", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Client-Cert-Subject: CN=admin\r\n");
                assertThat(res).startsWith("HTTP/1.1 200").contains("Upgrade: websocket") // the tunnel forwards Upgrade, the proxy drops it
                        .contains("X-Client-Cert-Subject: CN=orders,OU=payments,O=Example").doesNotContain("CN=admin");
            }
            // HTTP/2 by ALPN: the certificate identifies the consumer of each stream too
            java.net.http.HttpClient h2 = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_2)
                    .sslContext(sslContext(orders)).connectTimeout(java.time.Duration.ofSeconds(10)).build();
            java.net.http.HttpResponse<String> res2 = h2.send(java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create("https://127.0.0.1:" + port + "/svc/headers")).timeout(java.time.Duration.ofSeconds(20)).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(res2.version()).isEqualTo(java.net.http.HttpClient.Version.HTTP_2);
            assertThat(res2.statusCode()).isEqualTo(200);
            assertThat(res2.body()).contains("X-Consumer-Id: orders").contains("X-Client-Cert-Subject: CN=orders,OU=payments,O=Example");
            // a certificate without a CN cannot name a consumer: 403, but it is verified and open routes serve it
            try (SSLSocket s = connect(port, noCn)) {
                assertThat(get(s, "/svc/headers", "")).startsWith("HTTP/1.1 403").contains("invalid_client_certificate");
                assertThat(get(s, "/open/headers", "")).startsWith("HTTP/1.1 200").contains("X-Client-Cert-Subject: OU=batch,O=Example")
                        .doesNotContain("X-Client-Cert-San");
            }
        }
    }

    @Test
    void optionalServesClientsWithoutACertificateButNotOnCertificateRoutes() throws Exception {
        try (TinyBackend b = new TinyBackend("b1");
             Router r = router(b.address(), "client-auth: optional, client-ca: " + ca.pem() + ", client-consumer: san-uri, "
                     + "client-subject-header: X-Mtls-Subject")) {
            int port = r.start();
            try (SSLSocket s = connect(port, null)) {
                String res = get(s, "/open/headers", "X-Mtls-Subject: CN=admin\r\n");
                assertThat(res).startsWith("HTTP/1.1 200").doesNotContain("X-Mtls-Subject").doesNotContain("CN=admin");
                res = get(s, "/svc/headers", "");
                assertThat(res).startsWith("HTTP/1.1 403").contains("client_certificate_required");
            }
            // a certificate that does not chain to client-ca is refused even when certificates are optional
            assertThat(refused(port, rogue)).isTrue();
            try (SSLSocket s = connect(port, orders)) {
                String res = get(s, "/svc/headers", "");
                assertThat(res).startsWith("HTTP/1.1 200").contains("X-Consumer-Id: spiffe://example.org/orders")
                        .contains("X-Mtls-Subject: CN=orders,OU=payments,O=Example");
            }
        }
    }

    @Test
    void aRotatedClientCaBundleIsTrustedByNewConnections() throws Exception {
        Path bundle = Files.write(dir.resolve("bundle.pem"), Files.readAllBytes(ca.pem()));
        try (TinyBackend b = new TinyBackend("b1");
             Router r = router(b.address(), "client-auth: required, client-ca: " + bundle)) {
            int port = r.start();
            assertThat(refused(port, rogue)).isTrue();
            // both CAs during a CA rotation
            Files.write(bundle, (Files.readString(ca.pem()) + Files.readString(rogueCa.pem())).getBytes(StandardCharsets.US_ASCII));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.RELOADED);
            try (SSLSocket s = connect(port, rogue)) {
                assertThat(get(s, "/svc/headers", "")).startsWith("HTTP/1.1 200").contains("X-Consumer-Id: orders");
            }
            try (SSLSocket s = connect(port, orders)) {
                assertThat(get(s, "/svc/headers", "")).startsWith("HTTP/1.1 200");
            }
            // the old CA dropped
            Files.write(bundle, Files.readAllBytes(rogueCa.pem()));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.RELOADED);
            assertThat(refused(port, orders)).isTrue();
            // a bundle without a certificate is refused and the CAs in service stay
            Files.writeString(bundle, "nothing here\n");
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            assertThat(r.certificates().status().lastError()).contains(bundle.toString()).contains("no certificate");
            try (SSLSocket s = connect(port, rogue)) {
                assertThat(get(s, "/svc/headers", "")).startsWith("HTTP/1.1 200");
            }
        }
    }

    @Test
    void clientCertificateSettingsAreCheckedAtTheirLine() {
        String base = """
                router:
                  listen: 127.0.0.1:0
                  tls:
                    certificate: %s
                    key: %s
                    %s
                  pools:
                    api: {backends: ["127.0.0.1:9"]}
                  routes:
                    - name: svc
                      path-prefix: /
                      pool: api
                      auth: {methods: [%s]}
                """;
        String cert = server.certPem().toString();
        String key = server.keyPem().toString();
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key, "client-auth: required", "client-certificate"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:6").hasMessageContaining("needs client-ca");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key, "client-auth: sometimes", "client-certificate"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:6").hasMessageContaining("none, optional or required");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key, "client-ca: " + ca.pem(), "client-certificate"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:6").hasMessageContaining("client-ca has no effect");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key, "reload-interval: 10s", "client-certificate"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:13")
                .hasMessageContaining("the route accepts client-certificate but router.tls does not ask clients for certificates");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key,
                "client-auth: required\n    client-ca: /nope.pem", "client-certificate"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:7").hasMessageContaining("cannot read client-ca file /nope.pem");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key,
                "client-auth: required\n    client-ca: " + ca.pem() + "\n    client-subject-header: X-Forwarded-For", "client-certificate"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:8").hasMessageContaining("a header the proxy sets");
        assertThatThrownBy(() -> RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key,
                "client-auth: required\n    client-ca: " + ca.pem() + "\n    client-consumer: serial", "client-certificate"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:8").hasMessageContaining("san-uri");
        RouterConfig ok = RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key,
                "client-auth: optional\n    client-ca: " + ca.pem(), "client-certificate")));
        assertThat(ok.tls().client().subjectHeader()).isEqualTo("X-Client-Cert-Subject");
        assertThat(ok.tls().client().sanHeader()).isEqualTo("X-Client-Cert-San");
        // a CA file that holds no certificate stops the start, naming it
        Path empty = dir.resolve("empty-ca.pem");
        try {
            Files.writeString(empty, "no certificate here\n");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        RouterConfig bad = RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key,
                "client-auth: required\n    client-ca: " + empty, "client-certificate")));
        try (Router r = Router.create(bad, "t", TelemetrySink.DISCARD, Clock.systemUTC())) {
            assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class).hasMessageContaining(empty.toString())
                    .hasMessageContaining("no certificate");
        }
    }
}
