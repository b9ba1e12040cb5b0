package io.headroom.router.tls;

/**
 * What the router takes from a client certificate verified in the TLS handshake, with the values already made safe
 * for a request header (outside printable ASCII, and {@code %}, percent-encoded as UTF-8).
 *
 * @param subject  the subject, RFC 2253 ({@code CN=orders,OU=payments,O=Example})
 * @param san      the subject alternative names, OpenSSL style ({@code DNS:orders.internal, URI:spiffe://example.org/orders}),
 *                 empty when there are none
 * @param consumer the consumer id by {@code router.tls.client-consumer}, or null when the certificate lacks that part
 */
public record ClientCertificate(String subject, String san, String consumer) {
}
