package io.headroom.router.tls;

import java.util.Set;

/**
 * What the router takes from a client certificate verified in the TLS handshake, with the values already made safe
 * for a request header (outside printable ASCII, and {@code %}, percent-encoded as UTF-8). Built once per distinct
 * certificate.
 *
 * @param subject  the subject, RFC 2253 ({@code CN=orders,OU=payments,O=Example})
 * @param san      the subject alternative names, OpenSSL style ({@code DNS:orders.internal, URI:spiffe://example.org/orders}),
 *                 empty when there are none
 * @param consumer the consumer id by {@code router.tls.client-consumer}, or null when the certificate lacks that part
 * @param scopes   the scopes {@code router.tls.client-scopes} grants the certificate (empty without a matching rule)
 * @param xfcc     the {@code X-Forwarded-Client-Cert} value (Envoy's format, {@code router.tls.client-forward-cert}),
 *                 or null when it is not sent
 * @param xfccBy   the {@code By} value {@code xfcc} was built with (the router's own URI SAN then), or null
 */
public record ClientCertificate(String subject, String san, String consumer, Set<String> scopes, String xfcc, String xfccBy) {
    public ClientCertificate {
        scopes = Set.copyOf(scopes);
    }

    /** Without scopes or X-Forwarded-Client-Cert. */
    public ClientCertificate(String subject, String san, String consumer) {
        this(subject, san, consumer, Set.of(), null, null);
    }
}
