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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The verified client certificate of a request ({@code router.tls.client-auth}: optional or required). The handshake
 * has already checked the chain against {@code client-ca} (and {@code client-crl}); this only reads the leaf. Reading it
 * (subject, SAN, consumer, the scopes of {@code client-scopes}, the {@code X-Forwarded-Client-Cert} value) is done once
 * per distinct certificate: a bounded cache keyed by the certificate (whose hash the JDK keeps), so a
 * kept-alive client costs one lookup a request. Only built when client certificates are on: with mTLS off the proxy
 * does nothing of this.
 */
public final class ClientCertificates {
    private static final int CACHE_SIZE = 10_000;

    private final TlsConfig.ClientCertificates config;
    private final Cache<X509Certificate, ClientCertificate> seen = Caffeine.newBuilder().maximumSize(CACHE_SIZE).build();
    private final boolean forwardBy;
    /** The first URI SAN of the router's own certificate ({@code By} of X-Forwarded-Client-Cert), or null. */
    private volatile String by;

    public ClientCertificates(TlsConfig.ClientCertificates config) {
        this.config = Objects.requireNonNull(config, "config");
        this.forwardBy = config.forward().contains(TlsConfig.XfccElement.BY);
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
        ClientCertificate c = seen.getIfPresent(leaf); // no capturing lambda a request; a race reads a certificate twice, harmlessly
        if (c == null || (forwardBy && !java.util.Objects.equals(c.xfccBy(), by))) {
            // first seen, or the router's own certificate was rotated to one with another URI SAN (By) since
            c = read(certs.get());
            seen.put(leaf, c);
        }
        return c;
    }

    /**
     * The router's own certificate, for the {@code By} element of {@code X-Forwarded-Client-Cert} (its first URI SAN);
     * called at start and whenever the listener's certificate is rotated.
     */
    public void serverCertificate(X509Certificate server) {
        by = server == null ? null : firstUri(server);
    }

    /** Reads a certificate presented alone (exposed for tests). */
    public ClientCertificate read(X509Certificate c) {
        return read(new Certificate[]{c});
    }

    /** Reads the leaf of a presented chain; the chain only for {@code Chain} of X-Forwarded-Client-Cert. */
    private ClientCertificate read(Certificate[] chain) {
        X509Certificate c = (X509Certificate) chain[0];
        X500Principal subject = c.getSubjectX500Principal();
        String dn = subject.getName(X500Principal.RFC2253);
        StringBuilder san = new StringBuilder();
        List<String> dns = new ArrayList<>(2);
        List<String> uris = new ArrayList<>(2);
        List<String> emails = new ArrayList<>(1);
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
                        case 1 -> emails.add(value);
                        case 2 -> dns.add(value);
                        case 6 -> uris.add(value);
                        default -> { }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            // a malformed SAN extension: the handshake accepted the certificate, so forward the subject alone
        }
        String cn = commonName(dn);
        String consumer = switch (config.consumerFrom()) {
            case CN -> cn;
            case SUBJECT -> dn.isEmpty() ? null : dn;
            case SAN_DNS -> dns.isEmpty() ? null : dns.getFirst();
            case SAN_URI -> uris.isEmpty() ? null : uris.getFirst();
            case SAN_EMAIL -> emails.isEmpty() ? null : emails.getFirst();
        };
        if (consumer != null && consumer.isBlank()) {
            consumer = null;
        }
        Set<String> scopes = new TreeSet<>();
        for (TlsConfig.ScopeRule rule : config.scopes()) {
            boolean hit = switch (rule.match()) {
                case CN -> rule.matches(cn);
                case SUBJECT -> rule.matches(dn);
                case SAN_DNS -> anyMatch(rule, dns);
                case SAN_URI -> anyMatch(rule, uris);
                case SAN_EMAIL -> anyMatch(rule, emails);
            };
            if (hit) {
                scopes.addAll(rule.scopes());
            }
        }
        String b = by;
        String xfcc = config.forward().isEmpty() ? null : xfcc(chain, dn, uris, dns, b);
        return new ClientCertificate(HeaderTransform.headerSafe(dn), HeaderTransform.headerSafe(san.toString()), consumer, scopes,
                xfcc, b);
    }

    private static boolean anyMatch(TlsConfig.ScopeRule rule, List<String> values) {
        for (String v : values) {
            if (rule.matches(v)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Envoy's {@code X-Forwarded-Client-Cert} element for this certificate: {@code key=value} pairs joined by
     * {@code ;}; {@code Subject}, {@code Cert} and {@code Chain} in double quotes, any other value quoted when it holds
     * {@code , ; =} or a quote; in quotes, {@code "} and {@code \} are escaped with a backslash; PEM URL-encoded as
     * Envoy does ({@code \n %20 + / =}); one {@code URI}/{@code DNS} pair per name. Names outside printable ASCII (and
     * {@code %}) are percent-encoded as UTF-8, as in the other certificate headers.
     */
    private String xfcc(Certificate[] chain, String dn, List<String> uris, List<String> dns, String byValue) {
        StringBuilder b = new StringBuilder(256);
        for (TlsConfig.XfccElement e : config.forward()) {
            switch (e) {
                case BY -> {
                    if (byValue != null) {
                        pair(b, "By", HeaderTransform.headerSafe(byValue), false);
                    }
                }
                case HASH -> pair(b, "Hash", sha256Hex(chain[0]), false);
                case CERT -> pair(b, "Cert", urlEncodedPem(chain[0]), true);
                case CHAIN -> {
                    StringBuilder all = new StringBuilder();
                    for (Certificate c : chain) {
                        all.append(urlEncodedPem(c));
                    }
                    pair(b, "Chain", all.toString(), true);
                }
                case SUBJECT -> pair(b, "Subject", HeaderTransform.headerSafe(dn), true);
                case URI -> uris.forEach(u -> pair(b, "URI", HeaderTransform.headerSafe(u), false));
                case DNS -> dns.forEach(d -> pair(b, "DNS", HeaderTransform.headerSafe(d), false));
            }
        }
        return b.toString();
    }

    private static void pair(StringBuilder b, String key, String value, boolean quote) {
        if (!b.isEmpty()) {
            b.append(';');
        }
        b.append(key).append('=');
        boolean q = quote;
        for (int i = 0; i < value.length() && !q; i++) {
            char c = value.charAt(i);
            q = c == ',' || c == ';' || c == '=' || c == '"';
        }
        if (!q) {
            b.append(value);
            return;
        }
        b.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                b.append('\\');
            }
            b.append(c);
        }
        b.append('"');
    }

    private static String sha256Hex(Certificate c) {
        try {
            return java.util.HexFormat.of().formatHex(TlsMaterial.sha256().digest(c.getEncoded()));
        } catch (java.security.cert.CertificateEncodingException e) {
            return "";
        }
    }

    /** PEM as OpenSSL writes it (64-column base64), with Envoy's replacements. */
    private static String urlEncodedPem(Certificate c) {
        String base64;
        try {
            base64 = java.util.Base64.getMimeEncoder(64, new byte[]{'\n'}).encodeToString(c.getEncoded());
        } catch (java.security.cert.CertificateEncodingException e) {
            return "";
        }
        String pem = "-----BEGIN CERTIFICATE-----\n" + base64 + "\n-----END CERTIFICATE-----\n";
        StringBuilder b = new StringBuilder(pem.length() + pem.length() / 16);
        for (int i = 0; i < pem.length(); i++) {
            char ch = pem.charAt(i);
            switch (ch) {
                case '\n' -> b.append("%0A");
                case ' ' -> b.append("%20");
                case '+' -> b.append("%2B");
                case '/' -> b.append("%2F");
                case '=' -> b.append("%3D");
                default -> b.append(ch);
            }
        }
        return b.toString();
    }

    private static String firstUri(X509Certificate c) {
        try {
            Collection<List<?>> names = c.getSubjectAlternativeNames();
            if (names != null) {
                for (List<?> n : names) {
                    if (n.size() >= 2 && Integer.valueOf(6).equals(n.get(0)) && n.get(1) instanceof String v) {
                        return v;
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return null;
        }
        return null;
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
