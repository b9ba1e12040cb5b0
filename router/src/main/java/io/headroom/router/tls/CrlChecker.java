package io.headroom.router.tls;

import io.headroom.router.config.TlsConfig;

import javax.security.auth.x500.X500Principal;
import java.security.PublicKey;
import java.security.cert.CertPathValidatorException;
import java.security.cert.Certificate;
import java.security.cert.PKIXCertPathChecker;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * Checks each certificate of a client's chain against {@code router.tls.client-crl}, inside the JDK's PKIX validation
 * of the handshake (the certificates come anchor side first, so each one's issuer key is known: a CA of
 * {@code client-ca} for the first, the certificate checked just before for the next). A certificate is refused when a
 * CRL of its issuer, signed by the issuer's key, lists it; when no such CRL is in the file (as nginx and Envoy do: a CRL
 * is needed for every CA of the chain); and, with {@code client-crl-expired: refuse}, when the freshest CRL of its
 * issuer is past its {@code nextUpdate}. Nothing is fetched: the JDK's own revocation checking (OCSP, distribution
 * points) stays off.
 */
final class CrlChecker extends PKIXCertPathChecker {
    /** Refusals since start, by cause (the admin API's view). */
    record Refusals(LongAdder revoked, LongAdder undetermined) {
        Refusals() {
            this(new LongAdder(), new LongAdder());
        }
    }

    private final ClientCrls crls;
    private final Map<X500Principal, List<PublicKey>> anchors;
    private final TlsConfig.CrlExpired expired;
    private final Clock clock;
    private final Refusals refusals;
    /** The key of the certificate checked last (the issuer of the next); null before the first. */
    private PublicKey previous;

    CrlChecker(ClientCrls crls, List<X509Certificate> cas, TlsConfig.CrlExpired expired, Clock clock, Refusals refusals) {
        this.crls = crls;
        Map<X500Principal, List<PublicKey>> a = new java.util.HashMap<>();
        for (X509Certificate ca : cas) {
            a.computeIfAbsent(ca.getSubjectX500Principal(), k -> new ArrayList<>()).add(ca.getPublicKey());
        }
        this.anchors = Map.copyOf(a);
        this.expired = expired;
        this.clock = clock;
        this.refusals = refusals;
    }

    @Override
    public void init(boolean forward) throws CertPathValidatorException {
        if (forward) {
            throw new CertPathValidatorException("forward checking is not supported");
        }
        previous = null;
    }

    @Override
    public boolean isForwardCheckingSupported() {
        return false;
    }

    @Override
    public Set<String> getSupportedExtensions() {
        return null;
    }

    @Override
    public void check(Certificate c, Collection<String> unresolvedCritExts) throws CertPathValidatorException {
        X509Certificate cert = (X509Certificate) c;
        List<PublicKey> issuerKeys = previous != null ? List.of(previous) : anchors.getOrDefault(cert.getIssuerX500Principal(), List.of());
        previous = cert.getPublicKey();
        X500Principal issuer = cert.getIssuerX500Principal();
        List<ClientCrls.Entry> all = crls.of(issuer);
        List<ClientCrls.Entry> valid = new ArrayList<>(all == null ? 0 : all.size());
        if (all != null) {
            for (ClientCrls.Entry e : all) {
                for (PublicKey k : issuerKeys) {
                    if (ClientCrls.verifiedBy(e, k)) {
                        valid.add(e);
                        break;
                    }
                }
            }
        }
        if (valid.isEmpty()) {
            refusals.undetermined().increment();
            throw new CertPathValidatorException("client-crl " + crls.file() + " holds no CRL signed by " + issuer.getName()
                    + ", so the revocation status of " + TlsMaterial.describe(cert) + " is unknown", null, null, -1,
                    CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS);
        }
        X509CRLEntry r = ClientCrls.revoked(valid, cert);
        if (r != null) {
            refusals.revoked().increment();
            throw new CertPathValidatorException("the certificate (" + TlsMaterial.describe(cert) + ") is revoked since "
                    + r.getRevocationDate().toInstant() + (r.getRevocationReason() == null ? "" : " (" + r.getRevocationReason() + ")"),
                    null, null, -1, CertPathValidatorException.BasicReason.REVOKED);
        }
        Instant next = ClientCrls.latestNextUpdate(valid);
        if (expired == TlsConfig.CrlExpired.REFUSE && next != null && next.isBefore(clock.instant())) {
            refusals.undetermined().increment();
            throw new CertPathValidatorException("the CRL of " + issuer.getName() + " in " + crls.file() + " is past its nextUpdate ("
                    + next + ") and client-crl-expired is refuse", null, null, -1,
                    CertPathValidatorException.BasicReason.UNDETERMINED_REVOCATION_STATUS);
        }
    }
}
