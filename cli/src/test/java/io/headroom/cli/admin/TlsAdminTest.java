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
    @TempDir
    Path tmp;

    @Test
    void theCertificateInServiceAndARefusedRotationAreExposed() throws Exception {
        Path p12 = tmp.resolve("server.p12");
        Process proc = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "server", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost", "-ext", "san=ip:127.0.0.1",
                "-validity", "2", "-storetype", "PKCS12", "-keystore", p12.toString(), "-storepass", "changeit", "-keypass", "changeit")
                .redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes());
        assertThat(proc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(proc.exitValue()).as(out).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(p12.toFile())) {
            ks.load(in, "changeit".toCharArray());
        }
        X509Certificate cert = (X509Certificate) ks.getCertificate("server");
        Base64.Encoder b64 = Base64.getMimeEncoder(64, "\n".getBytes());
        Path certPem = Files.writeString(tmp.resolve("cert.pem"),
                "-----BEGIN CERTIFICATE-----\n" + b64.encodeToString(cert.getEncoded()) + "\n-----END CERTIFICATE-----\n");
        Path keyPem = Files.writeString(tmp.resolve("key.pem"), "-----BEGIN PRIVATE KEY-----\n"
                + b64.encodeToString(ks.getKey("server", "changeit".toCharArray()).getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        String yaml = """
                instance-id: tls-admin-test
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  tls: {certificate: %s, key: %s, reload-interval: 0s}
                  pools:
                    api: {backends: ["127.0.0.1:9"]}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                admin: {listen: 127.0.0.1:0}
                """.formatted(tmp.resolve("kafka"), certPem, keyPem);
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("tls-admin.yaml", yaml));
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
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
