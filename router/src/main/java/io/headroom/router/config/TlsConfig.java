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
 * new certificate once both files hold a matching pair (docs/router.md, "Certificate rotation"). Client certificates:
 * {@code client-auth: none|optional|required} with {@code client-ca} (PEM bundle), {@code client-subject-header},
 * {@code client-san-header}, {@code client-consumer}, {@code client-crl} with {@code client-crl-expired},
 * {@code client-scopes} and {@code client-forward-cert} (docs/router.md, "Client certificates").
 *
 * @param certificate    PEM certificate chain, leaf first
 * @param key            PEM private key of the leaf certificate
 * @param reloadInterval how often the files are read again for a rotated certificate; zero: only on a configuration
 *                       reload
 * @param client         client certificates (mTLS), or null when {@code client-auth} is none
 */
public record TlsConfig(Path certificate, Path key, Duration reloadInterval, ClientCertificates client) {
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);
    public static final String DEFAULT_SUBJECT_HEADER = "X-Client-Cert-Subject";
    public static final String DEFAULT_SAN_HEADER = "X-Client-Cert-San";

    public TlsConfig {
        Objects.requireNonNull(certificate, "certificate");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(reloadInterval, "reloadInterval");
        if (reloadInterval.isNegative()) {
            throw new IllegalArgumentException("reloadInterval: " + reloadInterval + " (expected: >= 0)");
        }
    }

    /** With the default reload interval, without client certificates. */
    public TlsConfig(Path certificate, Path key) {
        this(certificate, key, DEFAULT_RELOAD_INTERVAL, null);
    }

    /** {@code client-auth}: whether the handshake asks for a client certificate. */
    public enum ClientAuth {
        /** Asked for; a client without one is served, one with a certificate the CA did not sign is refused. */
        OPTIONAL,
        /** Required: a client without a certificate signed by {@code client-ca} is refused in the handshake. */
        REQUIRED
    }

    /** {@code client-consumer}: what in a verified client certificate names the consumer ({@code auth: client-certificate}). */
    public enum ConsumerFrom {
        /** The subject's common name (the last CN). */
        CN,
        /** The whole subject, RFC 2253 ({@code CN=svc,O=Example}). */
        SUBJECT,
        /** The first DNS name of the subject alternative names. */
        SAN_DNS,
        /** The first URI (a SPIFFE id, {@code spiffe://example.org/ns/x/sa/y}). */
        SAN_URI,
        /** The first e-mail address (rfc822Name). */
        SAN_EMAIL
    }

    /** {@code client-crl-expired}: what a CRL whose {@code nextUpdate} has passed means for the certificates of its CA. */
    public enum CrlExpired {
        /** Refuse every certificate of that CA until a fresh CRL is in the file (nginx's behaviour; fail closed). */
        REFUSE,
        /** Keep using the stale CRL (certificates it lists stay refused), with a warning. */
        ACCEPT
    }

    /** What a {@code client-scopes} rule matches on. */
    public enum ScopeMatch {
        /** The subject's common name (the most specific CN). */
        CN,
        /** The whole subject, RFC 2253. */
        SUBJECT,
        /** Any DNS subject alternative name (compared without case). */
        SAN_DNS,
        /** Any URI subject alternative name (a SPIFFE id). */
        SAN_URI,
        /** Any e-mail subject alternative name. */
        SAN_EMAIL
    }

    /**
     * One {@code client-scopes} rule: a certificate whose {@code match} part equals {@code pattern} (where {@code *}
     * stands for any run of characters) gets {@code scopes}.
     *
     * @param match   the part of the certificate compared
     * @param pattern the value, exact, or with {@code *} wildcards ({@code spiffe://example.org/payments/*})
     * @param scopes  the scopes granted
     */
    public record ScopeRule(ScopeMatch match, String pattern, java.util.Set<String> scopes) {
        public ScopeRule {
            Objects.requireNonNull(match, "match");
            Objects.requireNonNull(pattern, "pattern");
            scopes = java.util.Set.copyOf(scopes);
        }

        /** Whether {@code value} matches the pattern ({@code *}: any run of characters, {@code san-dns}: without case). */
        public boolean matches(String value) {
            if (value == null) {
                return false;
            }
            return match == ScopeMatch.SAN_DNS ? glob(pattern.toLowerCase(java.util.Locale.ROOT), value.toLowerCase(java.util.Locale.ROOT))
                    : glob(pattern, value);
        }

        static boolean glob(String p, String v) {
            int pi = 0;
            int vi = 0;
            int star = -1;
            int mark = 0;
            while (vi < v.length()) {
                if (pi < p.length() && p.charAt(pi) == '*') {
                    star = pi++;
                    mark = vi;
                } else if (pi < p.length() && p.charAt(pi) == v.charAt(vi)) {
                    pi++;
                    vi++;
                } else if (star >= 0) {
                    pi = star + 1;
                    vi = ++mark;
                } else {
                    return false;
                }
            }
            while (pi < p.length() && p.charAt(pi) == '*') {
                pi++;
            }
            return pi == p.length();
        }
    }

    /** An element of Envoy's {@code X-Forwarded-Client-Cert} ({@code client-forward-cert}). */
    public enum XfccElement {
        /** {@code By}: the URI SAN of the router's own certificate (omitted when it has none). */
        BY,
        /** {@code Hash}: SHA-256 of the client certificate's DER, hex. */
        HASH,
        /** {@code Cert}: the client certificate, PEM, URL-encoded. */
        CERT,
        /** {@code Chain}: the chain the client presented, PEM, URL-encoded. */
        CHAIN,
        /** {@code Subject}: the subject, RFC 2253, quoted. */
        SUBJECT,
        /** {@code URI}: each URI SAN. */
        URI,
        /** {@code DNS}: each DNS SAN. */
        DNS
    }

    /** The header Envoy's format travels in; dropped from every client request while client certificates are on. */
    public static final String XFCC_HEADER = "X-Forwarded-Client-Cert";

    /**
     * Client certificates (mTLS), when {@code client-auth} is {@code optional} or {@code required}.
     *
     * @param auth          optional or required
     * @param ca            PEM bundle of the CA certificates that client certificates must chain to
     * @param subjectHeader request header the verified subject goes to the backend in (any client value is dropped)
     * @param sanHeader     request header the subject alternative names go in ({@code DNS:a, URI:spiffe://...})
     * @param consumerFrom  what names the consumer on routes with {@code auth: {methods: [client-certificate]}}
     * @param crl           CRL file (PEM or DER, one or several CRLs) revoked client certificates are refused by, or null
     * @param crlExpired    what a CRL past its {@code nextUpdate} does
     * @param scopes        {@code client-scopes}: the scopes certificates get, in file order (all matching rules add up)
     * @param forward       the elements of {@code X-Forwarded-Client-Cert} sent to backends ({@code By} and {@code Hash}
     *                      first when listed, then the others in the order listed, as Envoy does); empty: the header is
     *                      not sent (a client's copy is dropped all the same)
     */
    public record ClientCertificates(ClientAuth auth, Path ca, String subjectHeader, String sanHeader, ConsumerFrom consumerFrom,
                                     Path crl, CrlExpired crlExpired, java.util.List<ScopeRule> scopes,
                                     java.util.List<XfccElement> forward) {
        public ClientCertificates {
            Objects.requireNonNull(auth, "auth");
            Objects.requireNonNull(ca, "ca");
            Objects.requireNonNull(subjectHeader, "subjectHeader");
            Objects.requireNonNull(sanHeader, "sanHeader");
            Objects.requireNonNull(consumerFrom, "consumerFrom");
            Objects.requireNonNull(crlExpired, "crlExpired");
            scopes = java.util.List.copyOf(scopes);
            java.util.List<XfccElement> ordered = new java.util.ArrayList<>();
            for (XfccElement first : new XfccElement[]{XfccElement.BY, XfccElement.HASH}) {
                if (forward.contains(first)) {
                    ordered.add(first);
                }
            }
            for (XfccElement e : forward) {
                if (!ordered.contains(e)) {
                    ordered.add(e);
                }
            }
            forward = java.util.List.copyOf(ordered);
        }

        /** Without CRL, scopes or X-Forwarded-Client-Cert. */
        public ClientCertificates(ClientAuth auth, Path ca, String subjectHeader, String sanHeader, ConsumerFrom consumerFrom) {
            this(auth, ca, subjectHeader, sanHeader, consumerFrom, null, CrlExpired.REFUSE, java.util.List.of(), java.util.List.of());
        }

        /** The forwarded header names a client's own copy of is dropped, lower case (X-Forwarded-Client-Cert always). */
        public java.util.List<String> headerNames() {
            return java.util.List.of(subjectHeader.toLowerCase(java.util.Locale.ROOT), sanHeader.toLowerCase(java.util.Locale.ROOT),
                    XFCC_HEADER.toLowerCase(java.util.Locale.ROOT));
        }
    }

    /** Whether client certificates are asked for ({@code client-auth} optional or required). */
    public static boolean mutual(TlsConfig t) {
        return t != null && t.client() != null;
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
        ConfigNode t = router.child("tls").requireOnly("certificate", "key", "reload-interval", "client-auth", "client-ca",
                "client-subject-header", "client-san-header", "client-consumer", "client-crl", "client-crl-expired", "client-scopes",
                "client-forward-cert");
        Path cert = readable(t, "certificate", t.requireString("certificate", "write certificate: /path/to/cert.pem (PEM, leaf first)"));
        Path key = readable(t, "key", t.requireString("key", "write key: /path/to/key.pem (PEM, unencrypted)"));
        Duration interval = t.duration("reload-interval", DEFAULT_RELOAD_INTERVAL);
        if (interval.isNegative() || (!interval.isZero() && interval.toMillis() < 100)) {
            throw t.errorAt("reload-interval", "reload-interval must be 0 (off) or at least 100ms, not " + interval.toMillis() + "ms",
                    "write e.g. reload-interval: 10s");
        }
        return new TlsConfig(cert, key, interval, client(t));
    }

    private static ClientCertificates client(ConfigNode t) {
        String mode = t.string("client-auth", "none").strip().toLowerCase(java.util.Locale.ROOT);
        ClientAuth auth = switch (mode) {
            case "none" -> null;
            case "optional" -> ClientAuth.OPTIONAL;
            case "required" -> ClientAuth.REQUIRED;
            default -> throw t.errorAt("client-auth", "unknown client-auth '" + mode + "'", "use none, optional or required");
        };
        if (auth == null) {
            for (String k : new String[]{"client-ca", "client-subject-header", "client-san-header", "client-consumer", "client-crl",
                    "client-crl-expired", "client-scopes", "client-forward-cert"}) {
                if (t.has(k)) {
                    throw t.errorAt(k, k + " has no effect without client certificates",
                            "add client-auth: required (or optional), or remove " + k);
                }
            }
            return null;
        }
        if (!t.has("client-ca")) {
            throw t.errorAt("client-auth", "client-auth: " + mode + " needs client-ca, the CA certificates client certificates must chain to",
                    "add client-ca: /path/to/clients-ca.pem (PEM, one or more CA certificates)");
        }
        Path ca = readable(t, "client-ca", t.requireString("client-ca", "write client-ca: /path/to/clients-ca.pem"));
        String subject = headerName(t, "client-subject-header", DEFAULT_SUBJECT_HEADER);
        String san = headerName(t, "client-san-header", DEFAULT_SAN_HEADER);
        if (subject.equalsIgnoreCase(san)) {
            throw t.errorAt("client-san-header", "client-san-header is the same header as client-subject-header",
                    "give the subject alternative names a header of their own, e.g. " + DEFAULT_SAN_HEADER);
        }
        ConsumerFrom from = t.enumValue("client-consumer", ConsumerFrom.class, ConsumerFrom.CN);
        Path crl = t.has("client-crl") ? readable(t, "client-crl", t.requireString("client-crl",
                "write client-crl: /path/to/clients.crl (PEM or DER, one or more CRLs)")) : null;
        if (t.has("client-crl-expired") && crl == null) {
            throw t.errorAt("client-crl-expired", "client-crl-expired has no effect without client-crl",
                    "add client-crl: /path/to/clients.crl, or remove client-crl-expired");
        }
        CrlExpired expired = t.enumValue("client-crl-expired", CrlExpired.class, CrlExpired.REFUSE);
        return new ClientCertificates(auth, ca, subject, san, from, crl, expired, scopeRules(t), forward(t));
    }

    private static java.util.List<ScopeRule> scopeRules(ConfigNode t) {
        java.util.List<ScopeRule> rules = new java.util.ArrayList<>();
        for (ConfigNode r : t.list("client-scopes")) {
            r.requireOnly("cn", "subject", "san-dns", "san-uri", "san-email", "scopes");
            ScopeMatch match = null;
            String pattern = null;
            for (ScopeMatch m : ScopeMatch.values()) {
                String key = m.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
                if (r.has(key)) {
                    if (match != null) {
                        throw r.errorAt(key, "a client-scopes rule matches on one part of the certificate, not " + key + " and "
                                + match.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'), "split it into two rules");
                    }
                    match = m;
                    pattern = r.requireString(key, "write e.g. " + key + ": value").strip();
                }
            }
            if (match == null) {
                throw r.error("a client-scopes rule needs what it matches on",
                        "write e.g. {san-uri: \"spiffe://example.org/payments/*\", scopes: [payments]} (or cn, subject, san-dns, san-email)");
            }
            java.util.List<String> scopes = r.stringList("scopes");
            if (scopes.isEmpty()) {
                throw r.errorAt("scopes", "a client-scopes rule grants no scope", "write e.g. scopes: [payments.write]");
            }
            for (String s : scopes) {
                if (s.isBlank() || s.chars().anyMatch(c -> c <= 0x20 || c >= 0x7f)) {
                    throw r.errorAt("scopes", "'" + s + "' is not a scope (printable ASCII without spaces)", "write e.g. scopes: [payments.write]");
                }
            }
            rules.add(new ScopeRule(match, pattern, new java.util.LinkedHashSet<>(scopes)));
        }
        return rules;
    }

    private static java.util.List<XfccElement> forward(ConfigNode t) {
        if (!t.has("client-forward-cert")) {
            return java.util.List.of();
        }
        java.util.List<String> names = t.stringList("client-forward-cert");
        if (names.isEmpty()) {
            throw t.errorAt("client-forward-cert", "client-forward-cert names no element",
                    "list what X-Forwarded-Client-Cert carries, e.g. client-forward-cert: [hash, subject, uri, dns]");
        }
        java.util.List<XfccElement> out = new java.util.ArrayList<>();
        for (String n : names) {
            XfccElement e = null;
            for (XfccElement x : XfccElement.values()) {
                if (x.name().equalsIgnoreCase(n.strip())) {
                    e = x;
                }
            }
            if (e == null) {
                throw t.errorAt("client-forward-cert", "unknown X-Forwarded-Client-Cert element '" + n + "'",
                        "use by, hash, cert, chain, subject, uri and dns");
            }
            if (out.contains(e)) {
                throw t.errorAt("client-forward-cert", "X-Forwarded-Client-Cert element '" + n + "' is listed twice", "list it once");
            }
            out.add(e);
        }
        return out;
    }

    /** Headers the proxy owns or that carry credentials: a client certificate header cannot be one of them. */
    private static final java.util.Set<String> RESERVED = java.util.Set.of("host", "content-length", "transfer-encoding", "connection",
            "keep-alive", "te", "trailer", "upgrade", "expect", "authorization", "cookie", "forwarded", "x-forwarded-for",
            "x-forwarded-proto", "x-forwarded-host", "traceparent", "tracestate");

    private static String headerName(ConfigNode t, String key, String def) {
        String v = t.string(key, def).strip();
        boolean token = !v.isEmpty();
        for (int i = 0; i < v.length() && token; i++) {
            char c = v.charAt(i);
            token = c < 0x7f && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
        }
        if (!token) {
            throw t.errorAt(key, "'" + v + "' is not a header name", "write e.g. " + key + ": " + def);
        }
        if (RESERVED.contains(v.toLowerCase(java.util.Locale.ROOT)) || v.equalsIgnoreCase(XFCC_HEADER)) {
            throw t.errorAt(key, v + " is a header the proxy sets or a credential", "choose another name, e.g. " + def);
        }
        return v;
    }

    private static Path readable(ConfigNode t, String name, String file) {
        Path p = Path.of(file.strip());
        if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
            throw t.errorAt(name, "cannot read " + name + " file " + p, "check the path and the file's permissions");
        }
        return p;
    }
}
