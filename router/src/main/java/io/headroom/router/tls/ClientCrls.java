package io.headroom.router.tls;

import javax.security.auth.x500.X500Principal;
import java.io.ByteArrayInputStream;
import java.nio.file.Path;
import java.security.PublicKey;
import java.security.cert.CRL;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509CRLEntry;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The certificate revocation lists of {@code router.tls.client-crl}, parsed once per file content: PEM or DER, one or
 * several CRLs. A CRL issued by a CA of {@code client-ca} must be signed by that CA's key (checked here, so a forged
 * or corrupt file is refused before it goes in service); a CRL of another issuer (an intermediate CA that clients send
 * in their chain) is checked against the intermediate's key the first time a handshake meets it, and ignored if it
 * does not verify. Lookups are a map lookup by issuer and the JDK's serial-number lookup in the CRL; nothing is fetched
 * from the network (no distribution points, no OCSP).
 */
public final class ClientCrls {
    /** A CRL and the key its signature was checked with (null until checked). */
    static final class Entry {
        final X509CRL crl;
        volatile PublicKey verifiedWith;

        Entry(X509CRL crl, PublicKey verifiedWith) {
            this.crl = crl;
            this.verifiedWith = verifiedWith;
        }
    }

    private final Path file;
    private final Map<X500Principal, List<Entry>> byIssuer;
    private final List<X509Certificate> cas;
    private final int count;

    private ClientCrls(Path file, Map<X500Principal, List<Entry>> byIssuer, List<X509Certificate> cas, int count) {
        this.file = file;
        this.byIssuer = byIssuer;
        this.cas = cas;
        this.count = count;
    }

    /**
     * Parses {@code bytes} (the content of {@code file}) and checks each CRL issued by a CA of {@code cas} against that
     * CA's key.
     *
     * @throws BadTlsFileException naming the file: not a CRL, no CRL, or a CRL its CA did not sign
     */
    public static ClientCrls parse(Path file, byte[] bytes, List<X509Certificate> cas) {
        Collection<? extends CRL> parsed;
        try {
            parsed = CertificateFactory.getInstance("X.509").generateCRLs(new ByteArrayInputStream(bytes));
        } catch (Exception e) {
            throw new BadTlsFileException(file, "not a CRL file (" + e.getMessage() + "); expected PEM blocks -----BEGIN X509 CRL----- or DER");
        }
        if (parsed.isEmpty()) {
            throw new BadTlsFileException(file, "holds no CRL (expected one or more PEM blocks -----BEGIN X509 CRL----- or DER)");
        }
        Map<X500Principal, List<Entry>> byIssuer = new HashMap<>();
        for (CRL c : parsed) {
            if (!(c instanceof X509CRL crl)) {
                throw new BadTlsFileException(file, "holds a CRL that is not X.509 (" + c.getType() + ")");
            }
            X500Principal issuer = crl.getIssuerX500Principal();
            PublicKey verified = null;
            boolean caKnown = false;
            for (X509Certificate ca : cas) {
                if (ca.getSubjectX500Principal().equals(issuer)) {
                    caKnown = true;
                    if (verifies(crl, ca.getPublicKey())) {
                        verified = ca.getPublicKey();
                        break;
                    }
                }
            }
            if (caKnown && verified == null) {
                throw new BadTlsFileException(file, "the CRL of " + issuer.getName() + " (" + describe(crl)
                        + ") is not signed by the key of that CA in client-ca");
            }
            byIssuer.computeIfAbsent(issuer, k -> new ArrayList<>()).add(new Entry(crl, verified));
        }
        Map<X500Principal, List<Entry>> frozen = new HashMap<>();
        byIssuer.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return new ClientCrls(file, Map.copyOf(frozen), List.copyOf(cas), parsed.size());
    }

    /** The file the CRLs were read from. */
    public Path file() {
        return file;
    }

    /** How many CRLs the file holds. */
    public int size() {
        return count;
    }

    /** The CRLs of {@code issuer}, or null. */
    List<Entry> of(X500Principal issuer) {
        return byIssuer.get(issuer);
    }

    /** Whether {@code e}'s signature verifies with {@code key} (checked once per key). */
    static boolean verifiedBy(Entry e, PublicKey key) {
        PublicKey v = e.verifiedWith;
        if (v != null && v.equals(key)) {
            return true;
        }
        if (verifies(e.crl, key)) {
            e.verifiedWith = key;
            return true;
        }
        return false;
    }

    /** The earliest {@code nextUpdate} of the freshest CRL of each issuer, or null when no CRL has one. */
    public Instant nextUpdate() {
        Instant min = null;
        for (List<Entry> es : byIssuer.values()) {
            Instant latest = latestNextUpdate(es);
            if (latest != null && (min == null || latest.isBefore(min))) {
                min = latest;
            }
        }
        return min;
    }

    /** The latest nextUpdate of a CRL of the list (its freshest), or null when one of them has none (never stale). */
    static Instant latestNextUpdate(List<Entry> es) {
        Instant latest = null;
        for (Entry e : es) {
            if (e.crl.getNextUpdate() == null) {
                return null;
            }
            Instant n = e.crl.getNextUpdate().toInstant();
            if (latest == null || n.isAfter(latest)) {
                latest = n;
            }
        }
        return latest;
    }

    /**
     * What an operator should know about these CRLs at {@code now}: CAs of {@code client-ca} without a CRL (all their
     * certificates are refused), CRLs past their {@code nextUpdate}, CRLs not valid yet (clock skew).
     */
    public List<String> warnings(Instant now, io.headroom.router.config.TlsConfig.CrlExpired policy) {
        List<String> out = new ArrayList<>();
        for (X509Certificate ca : cas) {
            if (!byIssuer.containsKey(ca.getSubjectX500Principal())) {
                out.add(file + " holds no CRL of the client CA " + ca.getSubjectX500Principal().getName()
                        + ": every certificate it issues is refused until one is added");
            }
        }
        for (Map.Entry<X500Principal, List<Entry>> e : byIssuer.entrySet()) {
            Instant next = latestNextUpdate(e.getValue());
            if (next != null && next.isBefore(now)) {
                out.add("the CRL of " + e.getKey().getName() + " in " + file + " is past its nextUpdate (" + next + "): "
                        + (policy == io.headroom.router.config.TlsConfig.CrlExpired.REFUSE
                        ? "every certificate of that CA is refused until a fresh CRL is in the file (client-crl-expired: refuse)"
                        : "it is still used (client-crl-expired: accept); publish a fresh one"));
            }
            for (Entry x : e.getValue()) {
                if (x.crl.getThisUpdate().toInstant().isAfter(now)) {
                    out.add("the CRL of " + e.getKey().getName() + " in " + file + " is issued in the future (thisUpdate "
                            + x.crl.getThisUpdate().toInstant() + "; clock skew?); it is used");
                }
            }
        }
        return out;
    }

    /** The entry revoking {@code cert} in one of {@code es}, or null. */
    static X509CRLEntry revoked(List<Entry> es, X509Certificate cert) {
        for (Entry e : es) {
            X509CRLEntry r = e.crl.getRevokedCertificate(cert);
            if (r != null) {
                return r;
            }
        }
        return null;
    }

    static String describe(X509CRL crl) {
        return "thisUpdate " + crl.getThisUpdate().toInstant()
                + (crl.getNextUpdate() == null ? "" : ", nextUpdate " + crl.getNextUpdate().toInstant());
    }

    private static boolean verifies(X509CRL crl, PublicKey key) {
        try {
            crl.verify(key);
            return true;
        } catch (Exception e) {
            return false;
        }
    }
}
