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
    static KeyStore ops;

    @BeforeAll
    static void pki() throws Exception {
        server = SelfSignedCert.generate(dir.resolve("server"));
        ca = TestPki.ca(dir, "good");
        rogueCa = TestPki.ca(dir, "rogue");
        orders = TestPki.client(dir, ca, "orders", "CN=orders,OU=payments,O=Example", "dns:orders.internal,uri:spiffe://example.org/orders");
        noCn = TestPki.client(dir, ca, "nocn", "OU=batch,O=Example", null);
        rogue = TestPki.client(dir, rogueCa, "rogue", "CN=orders,OU=payments,O=Example", null);
        ops = TestPki.client(dir, ca, "ops", "CN=ops,O=Example", "uri:spiffe://example.org/payments/ops");
    }

    private static java.math.BigInteger serial(KeyStore client) throws Exception {
        return ((java.security.cert.X509Certificate) client.getCertificate("client")).getSerialNumber();
    }

    /** A PEM CRL of the good CA revoking {@code revoked}, fresh for a day. */
    private static String crl(KeyStore... revoked) throws Exception {
        java.util.List<java.math.BigInteger> serials = new java.util.ArrayList<>();
        for (KeyStore k : revoked) {
            serials.add(serial(k));
        }
        java.time.Instant now = java.time.Instant.now();
        return TestCrl.pem(TestCrl.der(ca, serials, now.minusSeconds(60), now.plus(java.time.Duration.ofDays(1))));
    }

    @Test
    void clientScopesGrantScopesByCertificateSoScopedRoutesAdmitThem() throws Exception {
        try (TinyBackend b = new TinyBackend("b1");
             Router r = router(b.address(), "client-auth: required, client-ca: " + ca.pem() + ", client-scopes: ["
                     + "{san-uri: 'spiffe://example.org/payments/*', scopes: [admin, pay]}, {cn: orders, scopes: [read]}, "
                     + "{san-dns: '*.INTERNAL', scopes: [internal]}]")) {
            int port = r.start();
            // ops: URI spiffe://example.org/payments/ops matches the prefix rule
            try (SSLSocket s = connect(port, ops)) {
                String res = get(s, "/scoped/headers", "");
                assertThat(res).startsWith("HTTP/1.1 200").contains("X-Consumer-Id: ops").contains("X-Consumer-Scopes: admin pay");
            }
            // orders: CN rule and the DNS glob (without case) match, the URI rule does not: no admin scope
            try (SSLSocket s = connect(port, orders)) {
                String res = get(s, "/scoped/headers", "");
                assertThat(res).startsWith("HTTP/1.1 403").contains("insufficient_scope").contains("lacks scope admin");
                res = get(s, "/svc/headers", "");
                assertThat(res).startsWith("HTTP/1.1 200").contains("X-Consumer-Scopes: internal read");
            }
            // no rule matches: no scopes at all
            try (SSLSocket s = connect(port, noCn)) {
                assertThat(get(s, "/open/headers", "")).startsWith("HTTP/1.1 200").doesNotContain("X-Consumer-Scopes");
            }
        }
    }

    @Test
    void theVerifiedCertificateGoesToTheBackendInXForwardedClientCertAndAClientsCopyIsDropped() throws Exception {
        SelfSignedCert spiffeServer = SelfSignedCert.generate(dir.resolve("spiffe-server"), null, "spiffe://example.org/router");
        String yaml = yaml(spiffeServer, "%s", "client-auth: required, client-ca: " + ca.pem()
                + ", client-forward-cert: [subject, uri, dns, cert, hash, by]");
        try (TinyBackend b = new TinyBackend("b1");
             Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml.formatted(b.address()))), "t",
                     TelemetrySink.DISCARD, Clock.systemUTC())) {
            int port = r.start();
            java.security.cert.X509Certificate cert = (java.security.cert.X509Certificate) orders.getCertificate("client");
            String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            String forged = "X-Forwarded-Client-Cert: By=spiffe://evil;Hash=00;URI=spiffe://evil/admin\r\n";
            for (String path : new String[]{"/open/headers", "/svc/headers"}) {
                try (SSLSocket s = connect(port, orders, spiffeServer.trust())) {
                    String res = get(s, path, forged);
                    assertThat(res).startsWith("HTTP/1.1 200").doesNotContain("spiffe://evil");
                    String xfcc = headerValue(res, "X-Forwarded-Client-Cert");
                    // Envoy's order: By and Hash first, then the elements as listed
                    assertThat(xfcc).startsWith("By=spiffe://example.org/router;Hash=" + hash
                            + ";Subject=\"CN=orders,OU=payments,O=Example\";URI=spiffe://example.org/orders;DNS=orders.internal;Cert=\"-----BEGIN%20CERTIFICATE-----%0A");
                    String pem = xfcc.substring(xfcc.indexOf("Cert=\"") + 6, xfcc.length() - 1);
                    assertThat(pem).doesNotContain("+").doesNotContain("/").doesNotContain("=").doesNotContain(" ");
                    java.security.cert.Certificate back = java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(
                            new java.io.ByteArrayInputStream(java.net.URLDecoder.decode(pem, StandardCharsets.US_ASCII).getBytes(StandardCharsets.US_ASCII)));
                    assertThat(back).isEqualTo(cert);
                    assertThat(res.split("(?i)X-Forwarded-Client-Cert:", -1)).hasSize(2); // exactly one
                }
            }
            // the WebSocket tunnel writes its own head: the same header, the client's copy dropped
            try (SSLSocket s = connect(port, orders, spiffeServer.trust())) {
                String res = get(s, "/svc/headers", "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n" + forged);
                assertThat(res).startsWith("HTTP/1.1 200").doesNotContain("spiffe://evil")
                        .contains("X-Forwarded-Client-Cert: By=spiffe://example.org/router;Hash=" + hash + ";");
            }
        }
    }

    /** Records what {@link CertificateReloader} logs at WARNING. */
    private static final class Warnings extends java.util.logging.Handler implements AutoCloseable {
        final java.util.List<String> messages = new java.util.concurrent.CopyOnWriteArrayList<>();
        final java.util.logging.Logger logger = java.util.logging.Logger.getLogger(CertificateReloader.class.getName());

        Warnings() {
            logger.addHandler(this);
        }

        @Override
        public void publish(java.util.logging.LogRecord r) {
            if (r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()) {
                messages.add(r.getMessage());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
            logger.removeHandler(this);
        }
    }

    /** The value of the first header {@code name} in a raw response's body (the backend's echo of its request head). */
    private static String headerValue(String res, String name) {
        for (String line : res.split("\r?\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).strip();
            }
        }
        throw new AssertionError(name + " not in " + res);
    }

    @Test
    void revokedCertificatesAreRefusedInTheHandshakeAndARotatedCrlTakesEffectWithoutARestart() throws Exception {
        Path crl = dir.resolve("clients.crl");
        Files.writeString(crl, crl(ops));
        try (TinyBackend b = new TinyBackend("b1");
             Router r = router(b.address(), "client-auth: required, client-ca: " + ca.pem() + ", client-crl: " + crl)) {
            int port = r.start();
            assertThat(refused(port, ops)).as("a revoked certificate").isTrue();
            assertThat(b.requests.get()).isZero();
            try (SSLSocket s = connect(port, orders)) {
                assertThat(get(s, "/svc/headers", "")).startsWith("HTTP/1.1 200").contains("X-Consumer-Id: orders");
            }
            CertificateReloader.Status st = r.certificates().status();
            assertThat(st.crl()).isEqualTo(crl);
            assertThat(st.crls()).isEqualTo(1);
            assertThat(st.crlNextUpdate()).isAfter(java.time.Instant.now());
            assertThat(st.revokedRefusals()).isEqualTo(1);

            // rotated in place, now revoking orders too: new handshakes are refused, no restart
            Files.writeString(crl, crl(ops, orders));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.RELOADED);
            assertThat(refused(port, orders)).isTrue();
            assertThat(refused(port, ops)).isTrue();

            // a file that is no CRL: refused, the CRL in service stays (orders stays revoked)
            Files.writeString(crl, "not a crl\n");
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            assertThat(r.certificates().status().lastError()).contains(crl.toString()).contains("CRL");
            assertThat(refused(port, orders)).isTrue();

            // a CRL with the CA's name signed by another key (forged): refused, naming the file
            TestPki.Ca impostor = TestPki.ca(dir.resolve("impostor"), "good");
            java.time.Instant now = java.time.Instant.now();
            Files.write(crl, TestCrl.der(impostor, java.util.List.of(), now.minusSeconds(60), now.plusSeconds(86_400)));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            assertThat(r.certificates().status().lastError()).contains(crl.toString()).contains("not signed by the key of that CA");
            assertThat(refused(port, orders)).isTrue();

            // a good CRL (DER this time) that revokes ops only: orders is served again
            Files.write(crl, TestCrl.der(ca, java.util.List.of(serial(ops)), now.minusSeconds(60), now.plusSeconds(86_400)));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.RELOADED);
            assertThat(r.certificates().status().lastError()).isNull();
            try (SSLSocket s = connect(port, orders)) {
                assertThat(get(s, "/svc/headers", "")).startsWith("HTTP/1.1 200");
            }
            assertThat(refused(port, ops)).isTrue();
            assertThat(r.certificates().status().revokedRefusals()).isGreaterThanOrEqualTo(5);
        }
    }

    @Test
    void aCrlPastItsNextUpdateRefusesEveryCertificateOfItsCaUnlessAccepted() throws Exception {
        Path crl = dir.resolve("stale.crl");
        java.time.Instant now = java.time.Instant.now();
        Files.writeString(crl, TestCrl.pem(TestCrl.der(ca, java.util.List.of(serial(ops)), now.minusSeconds(7200), now.minusSeconds(3600))));
        try (Warnings warnings = new Warnings();
             TinyBackend b = new TinyBackend("b1");
             Router r = router(b.address(), "client-auth: required, client-ca: " + ca.pem() + ", client-crl: " + crl)) {
            int port = r.start();
            assertThat(warnings.messages).singleElement().satisfies(m -> assertThat(m).contains(crl.toString())
                    .contains("is past its nextUpdate").contains("every certificate of that CA is refused"));
            assertThat(refused(port, orders)).as("stale CRL, default refuse").isTrue();
            assertThat(r.certificates().status().undeterminedRefusals()).isEqualTo(1);
            assertThat(r.certificates().status().crlNextUpdate()).isBefore(now);
        }
        try (Warnings warnings = new Warnings();
             TinyBackend b = new TinyBackend("b1");
             Router r = router(b.address(), "client-auth: required, client-ca: " + ca.pem() + ", client-crl: " + crl
                     + ", client-crl-expired: accept")) {
            int port = r.start();
            assertThat(warnings.messages).singleElement().satisfies(m -> assertThat(m).contains("is past its nextUpdate")
                    .contains("it is still used (client-crl-expired: accept)"));
            try (SSLSocket s = connect(port, orders)) {
                assertThat(get(s, "/svc/headers", "")).startsWith("HTTP/1.1 200");
            }
            assertThat(refused(port, ops)).as("still listed in the stale CRL").isTrue();
            // a configuration reload back to refuse: the same files, a new trust manager
            Router.Reload reload = r.reload(RouterConfig.from(ConfigNode.parse("t.yaml", yaml(b.address(),
                    "client-auth: required, client-ca: " + ca.pem() + ", client-crl: " + crl))));
            assertThat(reload.needsRestart()).isEmpty();
            assertThat(refused(port, orders)).as("stale CRL, refuse after the reload").isTrue();
        }
    }

    @Test
    void aCaWithoutACrlInTheFileHasItsCertificatesRefused() throws Exception {
        Path bundle = Files.writeString(dir.resolve("two-cas.pem"), Files.readString(ca.pem()) + Files.readString(rogueCa.pem()));
        Path crl = Files.writeString(dir.resolve("good-only.crl"), crl());
        try (Warnings warnings = new Warnings();
             TinyBackend b = new TinyBackend("b1");
             Router r = router(b.address(), "client-auth: required, client-ca: " + bundle + ", client-crl: " + crl)) {
            int port = r.start();
            assertThat(warnings.messages).singleElement().satisfies(m -> assertThat(m).contains(crl.toString())
                    .contains("holds no CRL of the client CA CN=rogue client CA"));
            try (SSLSocket s = connect(port, orders)) {
                assertThat(get(s, "/svc/headers", "")).startsWith("HTTP/1.1 200");
            }
            assertThat(refused(port, rogue)).as("its CA has no CRL in the file").isTrue();
            assertThat(r.certificates().status().undeterminedRefusals()).isEqualTo(1);
        }
    }

    private static String yaml(String backend, String clientTls) {
        return yaml(server, backend, clientTls);
    }

    private static String yaml(SelfSignedCert server, String backend, String clientTls) {
        return """
                router:
                  listen: 127.0.0.1:0
                  tls: {certificate: %s, key: %s, reload-interval: 0s, %s}
                  auth:
                    identity-headers: {consumer: X-Consumer-Id, method: X-Auth-Method, scopes: X-Consumer-Scopes}
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
        return connect(port, client, server.trust());
    }

    private static SSLSocket connect(int port, KeyStore client, KeyStore trust) throws Exception {
        SSLSocket s = (SSLSocket) sslContext(client, trust).getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        s.startHandshake();
        return s;
    }

    private static SSLContext sslContext(KeyStore client) throws Exception {
        return sslContext(client, server.trust());
    }

    private static SSLContext sslContext(KeyStore client, KeyStore trust) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
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
                        + "X-Consumer-Id: admin\r\nX-Forwarded-Client-Cert: By=spiffe://evil;Hash=00;URI=spiffe://evil/admin\r\n");
                assertThat(res).startsWith("HTTP/1.1 200");
                assertThat(res).contains("X-Client-Cert-Subject: CN=orders,OU=payments,O=Example")
                        .contains("X-Client-Cert-San: DNS:orders.internal, URI:spiffe://example.org/orders")
                        .doesNotContain("CN=admin").doesNotContain("DNS:evil").doesNotContain("X-Consumer-Id")
                        .doesNotContain("spiffe://evil").doesNotContain("X-Forwarded-Client-Cert") // not configured: dropped, not set
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
        // client-crl, client-scopes, client-forward-cert
        Path crlFile = dir.resolve("config.crl");
        try {
            Files.writeString(crlFile, crl());
        } catch (Exception e) {
            throw new AssertionError(e);
        }
        String req = "client-auth: required\n    client-ca: " + ca.pem() + "\n    ";
        java.util.function.BiConsumer<String, String[]> fails = (tls, expected) -> assertThatThrownBy(() -> RouterConfig.from(
                ConfigNode.parse("t.yaml", base.formatted(cert, key, tls, "client-certificate"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining(expected[0]).hasMessageContaining(expected[1]);
        fails.accept("client-crl: " + crlFile, new String[]{"t.yaml:6", "client-crl has no effect without client certificates"});
        fails.accept("client-forward-cert: [hash]", new String[]{"t.yaml:6", "client-forward-cert has no effect"});
        fails.accept(req + "client-crl: /nope.crl", new String[]{"t.yaml:8", "cannot read client-crl file /nope.crl"});
        fails.accept(req + "client-crl-expired: accept", new String[]{"t.yaml:8", "client-crl-expired has no effect without client-crl"});
        fails.accept(req + "client-crl: " + crlFile + "\n    client-crl-expired: never", new String[]{"t.yaml:9", "refuse, accept"});
        fails.accept(req + "client-scopes:\n      - {cn: a, san-uri: b, scopes: [x]}", new String[]{"t.yaml:9", "not san-uri and cn"});
        fails.accept(req + "client-scopes:\n      - {cn: a, scopes: []}", new String[]{"t.yaml:9", "grants no scope"});
        fails.accept(req + "client-scopes:\n      - {scopes: [x]}", new String[]{"t.yaml:9", "needs what it matches on"});
        fails.accept(req + "client-scopes:\n      - {cn: a, scopes: [x], colour: red}", new String[]{"t.yaml:9", "unknown key 'colour'"});
        fails.accept(req + "client-scopes:\n      - {cn: a, scopes: ['a b']}", new String[]{"t.yaml:9", "is not a scope"});
        fails.accept(req + "client-forward-cert: [subject, serial]", new String[]{"t.yaml:8", "unknown X-Forwarded-Client-Cert element 'serial'"});
        fails.accept(req + "client-forward-cert: [uri, uri]", new String[]{"t.yaml:8", "listed twice"});
        fails.accept(req + "client-san-header: X-Forwarded-Client-Cert", new String[]{"t.yaml:8", "a header the proxy sets"});
        RouterConfig full = RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key, req + "client-crl: " + crlFile
                + "\n    client-scopes: [{san-uri: 'spiffe://example.org/*', scopes: [a, b]}]\n    client-forward-cert: [uri, hash, by]",
                "client-certificate")));
        assertThat(full.tls().client().crl()).isEqualTo(crlFile);
        assertThat(full.tls().client().crlExpired()).isEqualTo(io.headroom.router.config.TlsConfig.CrlExpired.REFUSE);
        assertThat(full.tls().client().scopes()).singleElement().satisfies(rule -> {
            assertThat(rule.matches("spiffe://example.org/x/y")).isTrue();
            assertThat(rule.matches("spiffe://example.com/x")).isFalse();
        });
        assertThat(full.tls().client().forward()).containsExactly(io.headroom.router.config.TlsConfig.XfccElement.BY,
                io.headroom.router.config.TlsConfig.XfccElement.HASH, io.headroom.router.config.TlsConfig.XfccElement.URI);
        // a CRL file that holds no CRL stops the start, naming it
        Path notCrl = dir.resolve("not.crl");
        try {
            Files.writeString(notCrl, "no crl here\n");
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        try (Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", base.formatted(cert, key, req + "client-crl: " + notCrl,
                "client-certificate"))), "t", TelemetrySink.DISCARD, Clock.systemUTC())) {
            assertThatThrownBy(r::start).isInstanceOf(IllegalStateException.class).hasMessageContaining(notCrl.toString())
                    .hasMessageContaining("CRL");
        }
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
