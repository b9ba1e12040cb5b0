package io.headroom.router.config;

import io.headroom.config.ConfigNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * TLS termination on the proxy listener: {@code router.tls: {certificate: /etc/headroom/cert.pem, key:
 * /etc/headroom/key.pem}}. The certificate file holds the server certificate followed by any intermediates (PEM); the
 * key file one unencrypted private key (PEM, PKCS#8 {@code BEGIN PRIVATE KEY} or PKCS#1 {@code BEGIN RSA PRIVATE KEY}).
 * Both files are read again every {@code reload-interval} (and on a configuration reload); new connections get the
 * new certificate once both files hold a matching pair (docs/router.md, "Certificate rotation").
 *
 * @param certificate    PEM certificate chain, leaf first
 * @param key            PEM private key of the leaf certificate
 * @param reloadInterval how often the files are read again for a rotated certificate; zero: only on a configuration
 *                       reload
 */
public record TlsConfig(Path certificate, Path key, Duration reloadInterval) {
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);

    public TlsConfig {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        if (reloadInterval.isNegative()) {
            throw new IllegalArgumentException("reloadInterval: " + reloadInterval + " (expected: >= 0)");
        }
    }

    /** With the default reload interval. */
    public TlsConfig(Path certificate, Path key) {
        this(certificate, key, DEFAULT_RELOAD_INTERVAL);
    }

    /**
     * Reads {@code tls:} under {@code router:}; null without it.
     *
     * @throws io.headroom.config.ConfigException with file:line when a key is missing or a file cannot be read
     */
    static TlsConfig from(ConfigNode router) {
        if (!router.has("tls")) {
            return null;
        }
        ConfigNode t = router.child("tls").requireOnly("certificate", "key", "reload-interval");
        Path cert = readable(t, "certificate", t.requireString("certificate", "write certificate: /path/to/cert.pem (PEM, leaf first)"));
        Path key = readable(t, "key", t.requireString("key", "write key: /path/to/key.pem (PEM, unencrypted)"));
        Duration interval = t.duration("reload-interval", DEFAULT_RELOAD_INTERVAL);
        if (interval.isNegative() || (!interval.isZero() && interval.toMillis() < 100)) {
            throw t.errorAt("reload-interval", "reload-interval must be 0 (off) or at least 100ms, not " + interval.toMillis() + "ms",
                    "write e.g. reload-interval: 10s");
        }
        return new TlsConfig(cert, key, interval);
    }

    private static Path readable(ConfigNode t, String name, String file) {
        Path p = Path.of(file.strip());
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw t.errorAt(name, "cannot read " + name + " file " + p, "check the path and the file's permissions");
        }
        return p;
    }
}
