package io.headroom.router.config;

import io.headroom.config.ConfigNode;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * TLS termination on the proxy listener: {@code router.tls: {certificate: /etc/headroom/cert.pem, key:
 * /etc/headroom/key.pem}}. The certificate file holds the server certificate followed by any intermediates (PEM); the
 * key file one unencrypted private key (PEM, PKCS#8 {@code BEGIN PRIVATE KEY} or PKCS#1 {@code BEGIN RSA PRIVATE KEY}).
 *
 * @param certificate PEM certificate chain, leaf first
 * @param key         PEM private key of the leaf certificate
 */
public record TlsConfig(Path certificate, Path key) {

    public TlsConfig {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
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
        ConfigNode t = router.child("tls").requireOnly("certificate", "key");
        Path cert = readable(t, "certificate", t.requireString("certificate", "write certificate: /path/to/cert.pem (PEM, leaf first)"));
        Path key = readable(t, "key", t.requireString("key", "write key: /path/to/key.pem (PEM, unencrypted)"));
        return new TlsConfig(cert, key);
    }

    private static Path readable(ConfigNode t, String name, String file) {
        Path p = Path.of(file.strip());
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw t.errorAt(name, "cannot read " + name + " file " + p, "check the path and the file's permissions");
        }
        return p;
    }
}
