package io.headroom.cli.admin;

import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import io.headroom.router.tls.CertificateReloader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The listener's certificate on {@code /api/state} ({@code "tls"}) and {@code /metrics}: what is in service, when it
 * expires, and a refused rotation (files on disk not in service, the error naming the file).
 */
@Timeout(120)
class TlsAdminTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    @TempDir
    Path tmp;

    @Test
    void theCertificateInServiceAndARefusedRotationAreExposed() throws Exception {
        ServerCertificate server = serverCertificate();
        X509Certificate cert = server.cert();
        Path keyPem = server.keyPem();
        HeadroomConfig cfg = config("tls-admin", "{certificate: %s, key: %s, reload-interval: 0s}".formatted(server.certPem(), keyPem));
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, new Stack.Roles(true, false, false), Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
            String base = "http://127.0.0.1:" + admin.port();
            String serial = cert.getSerialNumber().toString(16);
            String state = get(http, base + "/api/state");
            assertThat(state).contains("\"tls\":{").contains("\"serial\":\"" + serial + "\"").contains("\"subject\":\"CN=localhost\"")
                    .contains("\"last_error\":null").contains("\"expires_in_s\":");
            String m = get(http, base + "/metrics");
            assertThat(value(m, "headroom_tls_certificate_expiry_seconds")).isBetween(86_400.0, 2 * 86_400.0);
            assertThat(value(m, "headroom_tls_files_in_service")).isEqualTo(1.0);
            assertThat(value(m, "headroom_tls_reloads_total", "result=\"refused\"")).isZero();

            // a rotation that writes a key that is not PEM: refused, the certificate in service stays, and it shows
            Files.writeString(keyPem, "not a key\n");
            assertThat(stack.router().certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            state = get(http, base + "/api/state");
            assertThat(state).contains("\"serial\":\"" + serial + "\"").contains(keyPem.toString()).contains("not a PEM private key");
            m = get(http, base + "/metrics");
            assertThat(value(m, "headroom_tls_files_in_service")).isZero();
            assertThat(value(m, "headroom_tls_reloads_total", "result=\"refused\"")).isEqualTo(1.0);
            assertThat(value(m, "headroom_tls_reloads_total", "result=\"applied\"")).isZero();
        }
    }

    @Test
    void theClientCrlInServiceAndARefusedCrlAreExposed() throws Exception {
        ServerCertificate server = serverCertificate();
        Path caP12 = tmp.resolve("ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=admin test CA", "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12", "-keystore", caP12.toString(),
                "-storepass", "changeit", "-keypass", "changeit");
        KeyStore caKs = load(caP12);
        X509Certificate caCert = (X509Certificate) caKs.getCertificate("ca");
        Path caPem = pem("ca.pem", "CERTIFICATE", caCert.getEncoded());
        java.time.Instant next = java.time.Instant.now().plus(Duration.ofDays(1));
        Path crl = Files.write(tmp.resolve("clients.crl"), emptyCrl(caCert, (java.security.PrivateKey) caKs.getKey("ca", "changeit".toCharArray()),
                java.time.Instant.now().minusSeconds(60), next));
        String tls = "{certificate: %s, key: %s, reload-interval: 0s, client-auth: optional, client-ca: %s, client-crl: %s}";
        HeadroomConfig cfg = config("tls-admin-crl", tls.formatted(server.certPem(), server.keyPem(), caPem, crl));
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, new Stack.Roles(true, false, false), Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin())) {
            String base = "http://127.0.0.1:" + admin.port();
            String state = get(http, base + "/api/state");
            assertThat(state).contains("\"client_crl\":{\"file\":\"" + crl + "\",\"crls\":1,\"next_update\":" + (next.getEpochSecond() * 1000))
                    .contains("\"refused_revoked\":0").contains("\"last_error\":null");
            String m = get(http, base + "/metrics");
            assertThat(value(m, "headroom_tls_client_crl_next_update_seconds")).isBetween(80_000.0, 86_400.0);
            assertThat(value(m, "headroom_tls_client_refused_total", "reason=\"revoked\"")).isZero();
            assertThat(value(m, "headroom_tls_client_refused_total", "reason=\"no_crl\"")).isZero();

            // a CRL file rewritten with something else: refused like a bad certificate, the CRL in service stays
            Files.writeString(crl, "not a CRL\n");
            assertThat(stack.router().certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            state = get(http, base + "/api/state");
            assertThat(state).contains(crl.toString() + ": not a CRL file").contains("\"crls\":1");
            m = get(http, base + "/metrics");
            assertThat(value(m, "headroom_tls_files_in_service")).isZero();
            assertThat(value(m, "headroom_tls_reloads_total", "result=\"refused\"")).isEqualTo(1.0);
        }
    }

    /** The server's certificate (CN=localhost, IP 127.0.0.1, EC, 2 days), made by keytool, and its PEM files in tmp. */
    private record ServerCertificate(X509Certificate cert, Path certPem, Path keyPem) {
    }

    private ServerCertificate serverCertificate() throws Exception {
        Path p12 = tmp.resolve("server.p12");
        keytool("-genkeypair", "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "san=ip:127.0.0.1", "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(),
                "-storepass", "changeit", "-keypass", "changeit");
        KeyStore ks = load(p12);
        X509Certificate cert = (X509Certificate) ks.getCertificate("server");
        return new ServerCertificate(cert, pem("cert.pem", "CERTIFICATE", cert.getEncoded()),
                pem("key.pem", "PRIVATE KEY", ks.getKey("server", "changeit".toCharArray()).getEncoded()));
    }

    /** {@code der} as PEM of {@code type} (64-column base64) in tmp's file {@code name}. */
    private Path pem(String name, String type, byte[] der) throws Exception {
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes());
        return Files.writeString(tmp.resolve(name), "-----BEGIN " + type + "-----\n" + b64.encodeToString(der) + "\n-----END " + type + "-----\n");
    }

    /**
     * The configuration ({@code name}.yaml, instance {@code name}-test) of a router whose listener has the {@code tls}
     * settings, with one route to a pool, embedded Kafka in tmp and an admin server.
     */
    private HeadroomConfig config(String name, String tls) {
        String yaml = """
                instance-id: %s-test
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  tls: %s
                  pools:
                    api: {backends: ["127.0.0.1:9"]}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                admin: {listen: 127.0.0.1:0}
                """.formatted(name, tmp.resolve("kafka"), tls);
        return HeadroomConfig.from(ConfigNode.parse(name + ".yaml", yaml));
    }

    /** An X.509 v2 CRL of {@code ca} revoking nothing, DER, signed with ECDSA/SHA-256 (RFC 5280 §5.1). */
    private static byte[] emptyCrl(X509Certificate ca, java.security.PrivateKey key, java.time.Instant thisUpdate, java.time.Instant nextUpdate)
            throws Exception {
        byte[] alg = {0x30, 0x0a, 0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02};
        java.time.format.DateTimeFormatter utc = java.time.format.DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(java.time.ZoneOffset.UTC);
        java.io.ByteArrayOutputStream tbs = new java.io.ByteArrayOutputStream();
        tbs.writeBytes(new byte[]{0x02, 0x01, 0x01});
        tbs.writeBytes(alg);
        tbs.writeBytes(ca.getSubjectX500Principal().getEncoded());
        tbs.writeBytes(tlv(0x17, utc.format(thisUpdate).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        tbs.writeBytes(tlv(0x17, utc.format(nextUpdate).getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
        byte[] tbsDer = tlv(0x30, tbs.toByteArray());
        java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(tbsDer);
        byte[] sig = s.sign();
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        all.writeBytes(tbsDer);
        all.writeBytes(alg);
        byte[] bits = new byte[sig.length + 1];
        System.arraycopy(sig, 0, bits, 1, sig.length);
        all.writeBytes(tlv(0x03, bits));
        return tlv(0x30, all.toByteArray());
    }

    private static byte[] tlv(int tag, byte[] v) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(tag);
        if (v.length < 0x80) {
            out.write(v.length);
        } else {
            out.write(0x81);
            out.write(v.length);
        }
        out.writeBytes(v);
        return out.toByteArray();
    }

    private static void keytool(String... args) throws Exception {
        java.util.List<String> cmd = new java.util.ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(java.util.List.of(args));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes());
        assertThat(proc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(proc.exitValue()).as(out).isZero();
    }

    private static KeyStore load(Path p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(p12.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        return ks;
    }

    private static String get(HttpClient http, String url) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(url).isEqualTo(200);
        return r.body();
    }

    private static double value(String exposition, String name) {
        return value(exposition, name, "");
    }

    /** The sum of a metric's samples whose labels contain {@code labels}; fails when there is none. */
    private static double value(String exposition, String name, String labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(name) + "(?:\\{([^}]*)\\})? ([0-9.eE+-]+)$").matcher(exposition);
        double sum = 0;
        boolean found = false;
        while (m.find()) {
            if (m.group(1) == null ? labels.isEmpty() : m.group(1).contains(labels)) {
                sum += Double.parseDouble(m.group(2));
                found = true;
            }
        }
        assertThat(found).as(name + "{" + labels + "} in /metrics").isTrue();
        return sum;
    }
}
