package io.headroom.router.tls;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.headroom.router.config.TlsConfig;
import io.headroom.router.transform.HeaderTransform;
import io.helidon.common.socket.PeerInfo;

import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.security.auth.x500.X500Principal;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The verified client certificate of a request ({@code router.tls.client-auth}: optional or required). The handshake
 * has already checked the chain against {@code client-ca}; this only reads the leaf. Reading it (subject, SAN, consumer)
 * is done once per distinct certificate: a bounded cache keyed by the certificate (whose hash the JDK keeps), so a
 * kept-alive client costs one lookup a request. Only built when client certificates are on: with mTLS off the proxy
 * does nothing of this.
 */
public final class ClientCertificates {
    private static final int CACHE_SIZE = 10_000;

    private final TlsConfig.ClientCertificates config;
    private final Cache<X509Certificate, ClientCertificate> seen = Caffeine.newBuilder().maximumSize(CACHE_SIZE).build();

    public ClientCertificates(TlsConfig.ClientCertificates config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The configuration (header names, consumer source). */
    public TlsConfig.ClientCertificates config() {
        return config;
    }

    /** The client certificate of the connection, or null when the client presented none (or the connection is plain). */
    public ClientCertificate of(PeerInfo peer) {
        Optional<Certificate[]> certs = peer.tlsCertificates();
        if (certs.isEmpty() || certs.get().length == 0 || !(certs.get()[0] instanceof X509Certificate leaf)) {
            return null;
        }
        return seen.get(leaf, this::read);
    }

    /** Reads a certificate (exposed for tests). */
    public ClientCertificate read(X509Certificate c) {
        X500Principal subject = c.getSubjectX500Principal();
        String dn = subject.getName(X500Principal.RFC2253);
        StringBuilder san = new StringBuilder();
        String dns = null;
        String uri = null;
        String email = null;
        try {
            Collection<List<?>> names = c.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    if (n.size() < 2 || !(n.get(0) instanceof Integer type) || !(n.get(1) instanceof String value)) {
                        continue; // otherName, x400Address, ediPartyName: not printable
                    }
                    String prefix = switch (type) {
                        case 1 -> "email:";
                        case 2 -> "DNS:";
                        case 4 -> "DirName:";
                        case 6 -> "URI:";
                        case 7 -> "IP:";
                        case 8 -> "RID:";
                        default -> null;
                    };
                    if (prefix == null) {
                        continue;
                    }
                    if (!san.isEmpty()) {
                        san.append(", ");
                    }
                    san.append(prefix).append(value);
                    switch (type) {
                        case 1 -> email = email == null ? value : email;
                        case 2 -> dns = dns == null ? value : dns;
                        case 6 -> uri = uri == null ? value : uri;
                        default -> { }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a malformed SAN extension: the handshake accepted the certificate, so forward the subject alone
        }
        String consumer = switch (config.consumerFrom()) {
            case CN -> commonName(dn);
            case SUBJECT -> dn.isEmpty() ? null : dn;
            case SAN_DNS -> dns;
            case SAN_URI -> uri;
            case SAN_EMAIL -> email;
        };
        if (consumer != null && consumer.isBlank()) {
            consumer = null;
        }
        return new ClientCertificate(HeaderTransform.headerSafe(dn), HeaderTransform.headerSafe(san.toString()), consumer);
    }

    /** The most specific CN of a subject (the leftmost in RFC 2253), or null. */
    static String commonName(String rfc2253) {
        try {
            List<Rdn> rdns = new LdapName(rfc2253).getRdns(); // index 0 is the rightmost RDN, the least specific
            for (int i = rdns.size() - 1; i >= 0; i--) {
                Rdn r = rdns.get(i);
                if (r.getType().equalsIgnoreCase("CN") && r.getValue() != null) {
                    return r.getValue().toString();
                }
            }
        } catch (InvalidNameException e) {
            return null;
        }
        return null;
    }
}
