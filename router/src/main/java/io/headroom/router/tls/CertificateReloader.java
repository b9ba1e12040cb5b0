package io.headroom.router.tls;

import io.headroom.router.config.TlsConfig;
import io.helidon.common.tls.Tls;

import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Keeps the listener's certificate current without a restart. The certificate and key files are read again every
 * {@code router.tls.reload-interval} (and on {@link #check()}, which a configuration reload calls); when their bytes
 * changed and they hold a valid, matching pair, the new pair goes to the listener through Helidon's
 * {@code WebServer.reloadTls}, which swaps the key manager inside the listener's SSL context: new handshakes present the
 * new certificate, connections already open keep theirs. Files that cannot be put in service (unreadable, not PEM, a
 * key that does not belong to the certificate, an expired certificate) leave the certificate in service as it is; the
 * error, naming the file, is logged once per bad content and kept in {@link #status()} until the files are good
 * again. Rotation by certbot (files rewritten in place) or by cert-manager/Kubernetes (a symbolic link swapped) both
 * show up as changed bytes; a pair caught half-written is refused once and taken at the next poll.
 */
public final class CertificateReloader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(CertificateReloader.class.getName());

    /** What a {@link #check()} did. */
    public enum Outcome {
        /** The files hold what is in service (or what was last refused): nothing done. */
        UNCHANGED,
        /** A new certificate is in service. */
        RELOADED,
        /** The files changed but cannot be put in service; the certificate in service stays. */
        REFUSED
    }

    /**
     * The certificate in service and the reload history (the admin API's view).
     *
     * @param certificate     the certificate file
     * @param key             the key file
     * @param subject         the leaf's subject (RFC 2253)
     * @param serial          the leaf's serial number, hex
     * @param notAfter        when the leaf expires
     * @param sha256          SHA-256 fingerprint of the leaf, hex
     * @param loadedAtMillis  when it was put in service
     * @param reloads         certificates put in service since start (the first one not counted)
     * @param failures        refused file contents since start
     * @param lastError       why the files on disk are not in service, or null when they are
     * @param lastErrorAtMillis when that was found, or 0
     * @param crl             the client CRL file ({@code client-crl}), or null
     * @param crls            how many CRLs it holds (0 without)
     * @param crlNextUpdate   the earliest {@code nextUpdate} of the freshest CRL of each issuer, or null
     * @param revokedRefusals handshakes refused since start because a CRL lists the client's certificate
     * @param undeterminedRefusals handshakes refused since start because no usable CRL of the issuer was in service
     *                        (none in the file, or past its nextUpdate with {@code client-crl-expired: refuse})
     */
    public record Status(Path certificate, Path key, String subject, String serial, Instant notAfter, String sha256,
                         long loadedAtMillis, long reloads, long failures, String lastError, long lastErrorAtMillis,
                         Path crl, int crls, Instant crlNextUpdate, long revokedRefusals, long undeterminedRefusals) {
    }

    /** New files read and checked, ready for {@link #commit}. */
    public record Prepared(TlsConfig config, TlsMaterial material) {
    }

    private final Clock clock;
    private final Tls tls;
    private TlsConfig config;
    private TlsMaterial material;
    private Consumer<Tls> listener;
    private Consumer<X509Certificate> certificateListener;
    /** What was last refused (the files' digest, or the message when they could not be read): reported once. */
    private Object refused;
    private volatile Status status;
    private long reloads;
    private long failures;
    private Thread poller;
    private volatile boolean running;
    /** Handshakes refused by the CRLs, across reloads. */
    private final CrlChecker.Refusals crlRefusals = new CrlChecker.Refusals();
    /** The CRL warnings last logged (each logged once while it holds). */
    private java.util.List<String> crlWarnings = java.util.List.of();

    /**
     * Reads and checks the configured files.
     *
     * @throws BadTlsFileException naming the file that cannot be put in service
     */
    public CertificateReloader(TlsConfig config, Clock clock) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.material = TlsMaterial.load(config, clock.instant());
        this.tls = helidonTls(config, material);
        warnIfNotYetValid(material.leaf());
        warnAboutCrls();
        publish(null, 0);
    }

    /** The TLS the listener is built with; {@link #check()} reloads what it presents. */
    public Tls tls() {
        return tls;
    }

    /**
     * Told the listener's certificate now and each time another one goes in service (the {@code By} element of
     * X-Forwarded-Client-Cert names it).
     */
    public synchronized void onCertificate(Consumer<X509Certificate> listener) {
        this.certificateListener = Objects.requireNonNull(listener, "listener");
        listener.accept(material.leaf());
    }

    /** The listener's certificate in service. */
    public synchronized X509Certificate leaf() {
        return material.leaf();
    }

    /** Where new material goes once the listener runs ({@code WebServer::reloadTls}). */
    public synchronized void attach(Consumer<Tls> reloadTls) {
        this.listener = Objects.requireNonNull(reloadTls, "reloadTls");
    }

    /** Reads the files now and puts them in service if they changed and are good. Never throws. */
    public synchronized Outcome check() {
        TlsMaterial.Files files;
        try {
            files = TlsMaterial.read(config);
        } catch (BadTlsFileException e) {
            return refuse(e.getMessage(), e.getMessage());
        }
        if (material.sameFiles(files.digest())) {
            if (status.lastError() != null) {
                refused = null;
                publish(null, 0); // put back as they were: nothing is wrong any more
            }
            warnAboutCrls(); // a CRL in service may have passed its nextUpdate since
            return Outcome.UNCHANGED;
        }
        if (refused instanceof byte[] d && java.security.MessageDigest.isEqual(d, files.digest())) {
            return Outcome.UNCHANGED;
        }
        try {
            install(config, TlsMaterial.parse(config, files, clock.instant()));
            return Outcome.RELOADED;
        } catch (BadTlsFileException e) {
            return refuse(files.digest(), e.getMessage());
        } catch (RuntimeException e) {
            // Helidon refused the material (it checks the key manager it builds)
            return refuse(files.digest(), config.certificate() + ": cannot be put in service (" + e + ")");
        }
    }

    /**
     * Reads and checks the files of a new {@code router.tls} (a configuration reload that names other files), without
     * changing anything.
     *
     * @throws BadTlsFileException naming the file that cannot be put in service
     */
    public Prepared prepare(TlsConfig next) {
        return new Prepared(next, TlsMaterial.load(next, clock.instant()));
    }

    /** Puts prepared files in service and watches them from now on. */
    public synchronized void commit(Prepared p) {
        if (material.sameFiles(p.material().digest()) && crlExpired(config) == crlExpired(p.config())) {
            config = p.config(); // same bytes (a new interval, or the same files by another path): nothing to reload
            refused = null;
            publish(null, 0);
        } else {
            install(p.config(), p.material());
        }
        if (poller != null) {
            close(); // the interval may have changed (to zero: no more polling)
        }
        if (listener != null) {
            start(); // the listener runs: poll the new files at the new interval
        }
    }

    private void install(TlsConfig cfg, TlsMaterial m) {
        Tls next = helidonTls(cfg, m);
        if (listener != null) {
            listener.accept(next);
        } else {
            tls.reload(next);
        }
        config = cfg;
        material = m;
        refused = null;
        reloads++;
        publish(null, 0);
        warnIfNotYetValid(m.leaf());
        crlWarnings = java.util.List.of();
        warnAboutCrls();
        if (certificateListener != null) {
            certificateListener.accept(m.leaf());
        }
        LOG.info("router.tls: certificate reloaded from " + cfg.certificate() + " (" + TlsMaterial.describe(m.leaf())
                + "); new connections get it, open ones keep theirs");
    }

    private Outcome refuse(Object what, String error) {
        if (refused != null && (what instanceof byte[] d ? refused instanceof byte[] r && java.security.MessageDigest.isEqual(d, r)
                : what.equals(refused))) {
            return Outcome.REFUSED; // already reported
        }
        refused = what;
        failures++;
        publish(error, clock.millis());
        LOG.warning("router.tls: " + error + "; the certificate in service (" + TlsMaterial.describe(material.leaf())
                + (material.crls() == null ? ") stays until the files hold a valid pair"
                : "), the client CAs and the CRLs in service stay until the files are all valid"));
        return Outcome.REFUSED;
    }

    private void publish(String error, long errorAt) {
        X509Certificate leaf = material.leaf();
        long loadedAt = error == null && status != null && status.serial().equals(leaf.getSerialNumber().toString(16))
                && status.sha256().equals(material.fingerprint()) ? status.loadedAtMillis() : clock.millis();
        status = new Status(config.certificate(), config.key(), leaf.getSubjectX500Principal().getName(),
                leaf.getSerialNumber().toString(16), leaf.getNotAfter().toInstant(), material.fingerprint(),
                error == null ? loadedAt : status.loadedAtMillis(), reloads, failures, error, errorAt,
                material.crls() == null ? null : material.crls().file(), material.crls() == null ? 0 : material.crls().size(),
                material.crls() == null ? null : material.crls().nextUpdate(), 0, 0);
    }

    /** Logs what is new in the CRLs' warnings (a CA without a CRL, a CRL past its nextUpdate), each once. */
    private void warnAboutCrls() {
        ClientCrls crls = material.crls();
        if (crls == null) {
            return;
        }
        java.util.List<String> now = crls.warnings(clock.instant(), config.client().crlExpired());
        for (String w : now) {
            if (!crlWarnings.contains(w)) {
                LOG.warning("router.tls: " + w);
            }
        }
        crlWarnings = now;
    }

    private void warnIfNotYetValid(X509Certificate leaf) {
        if (leaf.getNotBefore().toInstant().isAfter(clock.instant())) {
            LOG.warning("router.tls: the certificate in " + config.certificate() + " is not valid before "
                    + leaf.getNotBefore().toInstant() + " (clock skew?); clients will refuse it until then");
        }
    }

    /** The certificate in service, the reloads, the last error and the CRL refusals. */
    public Status status() {
        Status s = status;
        return s.crl() == null ? s : new Status(s.certificate(), s.key(), s.subject(), s.serial(), s.notAfter(), s.sha256(),
                s.loadedAtMillis(), s.reloads(), s.failures(), s.lastError(), s.lastErrorAtMillis(), s.crl(), s.crls(),
                s.crlNextUpdate(), crlRefusals.revoked().sum(), crlRefusals.undetermined().sum());
    }

    /** The files watched now (they change when a configuration reload names others). */
    public synchronized TlsConfig config() {
        return config;
    }

    /** Starts polling the files every {@code router.tls.reload-interval} (nothing when it is zero). */
    public synchronized void start() {
        if (poller != null || config.reloadInterval().isZero()) {
            return;
        }
        running = true;
        poller = Thread.ofVirtual().name("headroom-tls-reload").start(() -> {
            while (running) {
                try {
                    Thread.sleep(config().reloadInterval());
                    check();
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "router.tls: certificate reload check failed", e);
                }
            }
        });
    }

    @Override
    public synchronized void close() {
        running = false;
        if (poller != null) {
            poller.interrupt();
            poller = null;
        }
    }

    private static TlsConfig.CrlExpired crlExpired(TlsConfig cfg) {
        return cfg.client() == null ? null : cfg.client().crlExpired();
    }

    private Tls helidonTls(TlsConfig cfg, TlsMaterial m) {
        var b = Tls.builder().privateKey(m.privateKey()).privateKeyCertChain(m.chain());
        if (m.crls() != null) {
            b.manager(new CrlTlsManager(new CrlChecker(m.crls(), m.clientCa(), cfg.client().crlExpired(), clock, crlRefusals)));
        }
        if (cfg.client() != null) {
            b.clientAuth(cfg.client().auth() == TlsConfig.ClientAuth.REQUIRED ? io.helidon.common.tls.TlsClientAuth.REQUIRED
                    : io.helidon.common.tls.TlsClientAuth.OPTIONAL).trust(m.clientCa());
        }
        return b.build();
    }
}
