package io.headroom.router.tls;

import io.helidon.common.tls.ConfiguredTlsManager;
import io.helidon.common.tls.TlsConfig;

import javax.net.ssl.CertPathTrustManagerParameters;
import javax.net.ssl.TrustManagerFactory;
import java.security.KeyStore;
import java.security.cert.PKIXBuilderParameters;
import java.security.cert.X509CertSelector;
import java.util.Objects;

/**
 * Helidon's TLS manager with {@code client-crl}: the trust manager validates client chains with PKIX over the
 * {@code client-ca} anchors, the JDK's own revocation checking off (it would fetch OCSP or distribution points) and
 * {@link CrlChecker} on. Everything else (key manager, reload through {@code WebServer.reloadTls}) is Helidon's: a
 * reload takes this manager's trust manager into the listener's reloadable one, as it does without CRLs.
 */
final class CrlTlsManager extends ConfiguredTlsManager {
    private final CrlChecker checker;

    CrlTlsManager(CrlChecker checker) {
        super("headroom-crl", "headroom-crl");
        this.checker = Objects.requireNonNull(checker, "checker");
    }

    @Override
    protected void initializeTmf(TrustManagerFactory tmf, KeyStore keyStore, TlsConfig tlsConfig) {
        try {
            PKIXBuilderParameters p = new PKIXBuilderParameters(keyStore, new X509CertSelector());
            p.setRevocationEnabled(false);
            p.addCertPathChecker(checker);
            tmf.init(new CertPathTrustManagerParameters(p));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot build the client certificate trust manager with CRLs: " + e.getMessage(), e);
        }
    }
}
