package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import io.headroom.router.tls.CertificateReloader;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Certificate rotation without a restart, over real TLS on 127.0.0.1: files swapped as Kubernetes swaps a secret volume
 * (a {@code ..data} symbolic link replaced atomically) or rewritten in place as certbot does. New connections see the
 * new certificate's serial, a kept-alive connection opened before keeps working, and bad files keep the old one.
 */
@Timeout(120)
class TlsReloadHttpTest {
    @TempDir
    static Path dir;
    static SelfSignedCert a;
    static SelfSignedCert b;
    static SelfSignedCert expired;
    static KeyStore trustBoth;

    @BeforeAll
    static void certificates() throws Exception {
        a = SelfSignedCert.generate(dir.resolve("a"));
        b = SelfSignedCert.generate(dir.resolve("b"));
        expired = SelfSignedCert.generate(dir.resolve("expired"), "-5d");
        trustBoth = KeyStore.getInstance("PKCS12");
        trustBoth.load(null, null);
        trustBoth.setCertificateEntry("a", a.cert());
        trustBoth.setCertificateEntry("b", b.cert());
        trustBoth.setCertificateEntry("expired", expired.cert());
        assertThat(a.cert().getSerialNumber()).isNotEqualTo(b.cert().getSerialNumber());
    }

    /** A secret volume as Kubernetes writes it: data-N/ directories, {@code ..data} pointing at one, files through it. */
    static final class SecretVolume {
        final Path root;
        int version;

        SecretVolume(Path root, byte[] cert, byte[] key) throws IOException {
            this.root = Files.createDirectories(root);
            write(cert, key);
            Files.createSymbolicLink(root.resolve("cert.pem"), Path.of("..data/cert.pem"));
            Files.createSymbolicLink(root.resolve("key.pem"), Path.of("..data/key.pem"));
        }

        Path cert() {
            return root.resolve("cert.pem");
        }

        Path key() {
            return root.resolve("key.pem");
        }

        /** Writes a new version and swaps {@code ..data} to it in one rename. */
        void write(byte[] cert, byte[] key) throws IOException {
            Path d = Files.createDirectories(root.resolve("data-" + ++version));
            if (cert != null) {
                Files.write(d.resolve("cert.pem"), cert);
            }
            if (key != null) {
                Files.write(d.resolve("key.pem"), key);
            }
            Path tmp = root.resolve("..data_tmp");
            Files.deleteIfExists(tmp);
            Files.createSymbolicLink(tmp, d.getFileName());
            Files.move(tmp, root.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static String yaml(String backend, Path cert, Path key, String interval) {
        return """
                router:
                  listen: 127.0.0.1:0
                  tls: {certificate: %s, key: %s, reload-interval: %s}
                  pools:
                    api: {backends: [%s]}
                  routes: [{name: api, path-prefix: /, pool: api}]
                """.formatted(cert, key, interval, backend);
    }

    private static byte[] bytes(Path p) throws IOException {
        return Files.readAllBytes(p);
    }

    /** A TLS connection with its own SSL context (so no session is resumed: each handshake shows the certificate). */
    private static SSLSocket connect(int port) throws Exception {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trustBoth);
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(null, tmf.getTrustManagers(), null);
        SSLSocket s = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port);
        s.setSoTimeout(20_000);
        s.startHandshake();
        return s;
    }

    private static BigInteger serial(SSLSocket s) throws Exception {
        return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }

    /** One kept-alive GET on {@code s}: the status line. */
    private static String get(SSLSocket s) throws IOException {
        s.getOutputStream().write("GET /who HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
        s.getOutputStream().flush();
        String r = RawHttp.readResponse(s.getInputStream());
        assertThat(r).as("a complete answer").contains("\r\n\r\n");
        return r.substring(0, r.indexOf("\r\n"));
    }

    /** Records what {@link CertificateReloader} logs at WARNING. */
    private static final class Warnings extends Handler implements AutoCloseable {
        final List<String> messages = new CopyOnWriteArrayList<>();
        final Logger logger = Logger.getLogger(CertificateReloader.class.getName());

        Warnings() {
            logger.addHandler(this);
        }

        @Override
        public void publish(LogRecord r) {
            if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
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

    @Test
    void aSwappedSecretVolumeServesNewConnectionsTheNewCertificateAndKeepsOpenOnes() throws Exception {
        SecretVolume vol = new SecretVolume(dir.resolve("vol1"), bytes(a.certPem()), bytes(a.keyPem()));
        try (TinyBackend backend = new TinyBackend("b1");
             Warnings warnings = new Warnings();
             Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml(backend.address(), vol.cert(), vol.key(), "0s"))),
                     "t", TelemetrySink.DISCARD, Clock.systemUTC())) {
            int port = r.start();
            SSLSocket old = connect(port);
            assertThat(serial(old)).isEqualTo(a.cert().getSerialNumber());
            assertThat(get(old)).isEqualTo("HTTP/1.1 200 OK");
            assertThat(r.certificates().status().serial()).isEqualTo(a.cert().getSerialNumber().toString(16));

            vol.write(bytes(b.certPem()), bytes(b.keyPem()));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.RELOADED);
            try (SSLSocket fresh = connect(port)) {
                assertThat(serial(fresh)).isEqualTo(b.cert().getSerialNumber());
                assertThat(get(fresh)).isEqualTo("HTTP/1.1 200 OK");
            }
            // the connection opened before the rotation is not dropped, and keeps its session
            assertThat(get(old)).isEqualTo("HTTP/1.1 200 OK");
            assertThat(serial(old)).isEqualTo(a.cert().getSerialNumber());
            CertificateReloader.Status st = r.certificates().status();
            assertThat(st.serial()).isEqualTo(b.cert().getSerialNumber().toString(16));
            assertThat(st.reloads()).isEqualTo(1);
            assertThat(st.lastError()).isNull();
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.UNCHANGED);

            // a key that belongs to another certificate: refused, named, logged once; the certificate in service stays
            vol.write(bytes(a.certPem()), bytes(b.keyPem()));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.UNCHANGED);
            st = r.certificates().status();
            assertThat(st.lastError()).contains(vol.key().toString()).contains("does not belong to the first certificate of");
            assertThat(st.failures()).isEqualTo(1);
            assertThat(st.serial()).isEqualTo(b.cert().getSerialNumber().toString(16));
            assertThat(warnings.messages).singleElement().satisfies(m -> assertThat(m).contains(vol.key().toString())
                    .contains("does not belong").contains("stays"));
            try (SSLSocket s = connect(port)) {
                assertThat(serial(s)).isEqualTo(b.cert().getSerialNumber());
                assertThat(get(s)).isEqualTo("HTTP/1.1 200 OK");
            }

            // not PEM at all
            vol.write("this is not a certificate\n".getBytes(StandardCharsets.US_ASCII), bytes(a.keyPem()));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            assertThat(r.certificates().status().lastError()).contains(vol.cert().toString()).contains("no certificate");

            // a key file that holds a certificate
            vol.write(bytes(a.certPem()), bytes(a.certPem()));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            assertThat(r.certificates().status().lastError()).contains(vol.key().toString()).contains("no private key");

            // an expired certificate with its own key
            vol.write(bytes(expired.certPem()), bytes(expired.keyPem()));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            assertThat(r.certificates().status().lastError()).contains(vol.cert().toString()).contains("has expired");

            // the key missing (a half-written rotation)
            vol.write(bytes(a.certPem()), null);
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.REFUSED);
            assertThat(r.certificates().status().lastError()).contains(vol.key().toString()).contains("cannot be read");
            try (SSLSocket s = connect(port)) {
                assertThat(serial(s)).isEqualTo(b.cert().getSerialNumber());
            }
            assertThat(r.certificates().status().failures()).isEqualTo(5);
            assertThat(warnings.messages).hasSize(5);

            // the good pair back in place: the error clears; then A again goes in service
            vol.write(bytes(b.certPem()), bytes(b.keyPem()));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.UNCHANGED);
            assertThat(r.certificates().status().lastError()).isNull();
            vol.write(bytes(a.certPem()), bytes(a.keyPem()));
            assertThat(r.certificates().check()).isEqualTo(CertificateReloader.Outcome.RELOADED);
            try (SSLSocket s = connect(port)) {
                assertThat(serial(s)).isEqualTo(a.cert().getSerialNumber());
            }
            assertThat(get(old)).isEqualTo("HTTP/1.1 200 OK");
            old.close();
        }
    }

    @Test
    void filesRewrittenInPlaceAreFoundByThePoller() throws Exception {
        Path live = Files.createDirectories(dir.resolve("live"));
        Path cert = Files.write(live.resolve("fullchain.pem"), bytes(a.certPem()));
        Path key = Files.write(live.resolve("privkey.pem"), bytes(a.keyPem()));
        try (TinyBackend backend = new TinyBackend("b1");
             Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml(backend.address(), cert, key, "100ms"))),
                     "t", TelemetrySink.DISCARD, Clock.systemUTC())) {
            int port = r.start();
            try (SSLSocket s = connect(port)) {
                assertThat(serial(s)).isEqualTo(a.cert().getSerialNumber());
            }
            // certbot style: the files are rewritten (key first, so a poll may see the new key with the old certificate)
            Files.write(key, bytes(b.keyPem()));
            Files.write(cert, bytes(b.certPem()));
            long deadline = System.nanoTime() + 60_000_000_000L;
            BigInteger seen = null;
            while (System.nanoTime() < deadline) {
                try (SSLSocket s = connect(port)) {
                    seen = serial(s);
                    if (seen.equals(b.cert().getSerialNumber())) {
                        assertThat(get(s)).isEqualTo("HTTP/1.1 200 OK");
                        break;
                    }
                }
                Thread.sleep(50);
            }
            assertThat(seen).isEqualTo(b.cert().getSerialNumber());
            assertThat(r.certificates().status().reloads()).isEqualTo(1);
            assertThat(r.certificates().status().lastError()).isNull();
        }
    }

    @Test
    void aConfigurationReloadReadsTheFilesAgainAndChecksNewOnesBeforeSwapping() throws Exception {
        SecretVolume vol = new SecretVolume(dir.resolve("vol2"), bytes(a.certPem()), bytes(a.keyPem()));
        Path other = Files.createDirectories(dir.resolve("other"));
        Path otherCert = Files.write(other.resolve("cert.pem"), bytes(b.certPem()));
        Path otherKey = Files.write(other.resolve("key.pem"), bytes(b.keyPem()));
        Path badKey = Files.write(other.resolve("bad-key.pem"), bytes(a.keyPem()));
        try (TinyBackend backend = new TinyBackend("b1");
             Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml(backend.address(), vol.cert(), vol.key(), "0s"))),
                     "t", TelemetrySink.DISCARD, Clock.systemUTC())) {
            int port = r.start();
            // SIGHUP / POST /api/reload with the same file: the rotated certificate goes in service
            vol.write(bytes(b.certPem()), bytes(b.keyPem()));
            Router.Reload reload = r.reload(RouterConfig.from(ConfigNode.parse("t.yaml", yaml(backend.address(), vol.cert(), vol.key(), "0s"))));
            assertThat(reload.needsRestart()).isEmpty();
            try (SSLSocket s = connect(port)) {
                assertThat(serial(s)).isEqualTo(b.cert().getSerialNumber());
            }
            // a reload that names a key of another certificate is refused before anything changes
            assertThatThrownBy(() -> r.reload(RouterConfig.from(ConfigNode.parse("t.yaml", yaml(backend.address(), otherCert, badKey, "0s")))))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(badKey.toString()).hasMessageContaining("does not belong");
            assertThat(r.config().tls().key()).isEqualTo(vol.key());
            // other files named: checked, then in service, and watched from now on
            vol.write(bytes(a.certPem()), bytes(a.keyPem()));
            r.reload(RouterConfig.from(ConfigNode.parse("t.yaml", yaml(backend.address(), otherCert, otherKey, "0s"))));
            assertThat(r.config().tls().certificate()).isEqualTo(otherCert);
            assertThat(r.certificates().config().certificate()).isEqualTo(otherCert);
            try (SSLSocket s = connect(port)) {
                assertThat(serial(s)).isEqualTo(b.cert().getSerialNumber());
                assertThat(get(s)).isEqualTo("HTTP/1.1 200 OK");
            }
            // polling switched on by a reload (0s to 100ms): the poller starts and finds the files rewritten in place
            long reloadsBefore = r.certificates().status().reloads();
            r.reload(RouterConfig.from(ConfigNode.parse("t.yaml", yaml(backend.address(), otherCert, otherKey, "100ms"))));
            assertThat(r.certificates().status().reloads()).isEqualTo(reloadsBefore); // same bytes: nothing reloaded
            Files.write(otherKey, bytes(a.keyPem()));
            Files.write(otherCert, bytes(a.certPem()));
            long deadline = System.nanoTime() + 60_000_000_000L;
            BigInteger seen = null;
            while (System.nanoTime() < deadline && !a.cert().getSerialNumber().equals(seen)) {
                try (SSLSocket s = connect(port)) {
                    seen = serial(s);
                }
                Thread.sleep(50);
            }
            assertThat(seen).isEqualTo(a.cert().getSerialNumber());
            // removing tls needs a new listener: reported, TLS stays
            String plain = """
                    router:
                      listen: 127.0.0.1:0
                      pools:
                        api: {backends: [%s]}
                      routes: [{name: api, path-prefix: /, pool: api}]
                    """.formatted(backend.address());
            assertThat(r.reload(RouterConfig.from(ConfigNode.parse("t.yaml", plain))).needsRestart()).contains("tls");
            assertThat(r.config().tls()).isNotNull();
            try (SSLSocket s = connect(port)) {
                assertThat(get(s)).isEqualTo("HTTP/1.1 200 OK");
            }
        }
    }
}
