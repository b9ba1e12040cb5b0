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
 * {@code client-san-header} and {@code client-consumer} (docs/router.md, "Client certificates").
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

    /**
     * Client certificates (mTLS), when {@code client-auth} is {@code optional} or {@code required}.
     *
     * @param auth          optional or required
     * @param ca            PEM bundle of the CA certificates that client certificates must chain to
     * @param subjectHeader request header the verified subject goes to the backend in (any client value is dropped)
     * @param sanHeader     request header the subject alternative names go in ({@code DNS:a, URI:spiffe://...})
     * @param consumerFrom  what names the consumer on routes with {@code auth: {methods: [client-certificate]}}
     */
    public record ClientCertificates(ClientAuth auth, Path ca, String subjectHeader, String sanHeader, ConsumerFrom consumerFrom) {
        public ClientCertificates {
            Objects.requireNonNull(auth, "auth");
            Objects.requireNonNull(ca, "ca");
            Objects.requireNonNull(subjectHeader, "subjectHeader");
            Objects.requireNonNull(sanHeader, "sanHeader");
            Objects.requireNonNull(consumerFrom, "consumerFrom");
        }

        /** The two forwarded header names, lower case. */
        public java.util.List<String> headerNames() {
            return java.util.List.of(subjectHeader.toLowerCase(java.util.Locale.ROOT), sanHeader.toLowerCase(java.util.Locale.ROOT));
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
                "client-subject-header", "client-san-header", "client-consumer");
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
            for (String k : new String[]{"client-ca", "client-subject-header", "client-san-header", "client-consumer"}) {
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
        return new ClientCertificates(auth, ca, subject, san, from);
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
        if (RESERVED.contains(v.toLowerCase(java.util.Locale.ROOT))) {
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
