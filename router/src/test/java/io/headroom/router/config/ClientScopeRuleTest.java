package io.headroom.router.config;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code router.tls.client-scopes} patterns: exact values, and {@code *} for any run of characters. */
class ClientScopeRuleTest {
    private static TlsConfig.ScopeRule rule(TlsConfig.ScopeMatch m, String pattern) {
        return new TlsConfig.ScopeRule(m, pattern, Set.of("s"));
    }

    @Test
    void exactValuesMatchOnlyThemselves() {
        TlsConfig.ScopeRule r = rule(TlsConfig.ScopeMatch.CN, "orders");
        assertThat(r.matches("orders")).isTrue();
        assertThat(r.matches("Orders")).isFalse();
        assertThat(r.matches("orders2")).isFalse();
        assertThat(r.matches("")).isFalse();
        assertThat(r.matches(null)).isFalse();
    }

    @Test
    void aStarStandsForAnyRunOfCharactersSlashesIncluded() {
        TlsConfig.ScopeRule r = rule(TlsConfig.ScopeMatch.SAN_URI, "spiffe://example.org/payments/*");
        assertThat(r.matches("spiffe://example.org/payments/")).isTrue();
        assertThat(r.matches("spiffe://example.org/payments/ns/prod/sa/api")).isTrue();
        assertThat(r.matches("spiffe://example.org/payments")).isFalse();
        assertThat(r.matches("spiffe://example.org/paymentsx/a")).isFalse();
        assertThat(r.matches("spiffe://example.com/payments/a")).isFalse();

        TlsConfig.ScopeRule mid = rule(TlsConfig.ScopeMatch.SUBJECT, "CN=*,OU=payments,O=*");
        assertThat(mid.matches("CN=orders,OU=payments,O=Example")).isTrue();
        assertThat(mid.matches("CN=orders,OU=batch,O=Example")).isFalse();
        assertThat(rule(TlsConfig.ScopeMatch.CN, "*").matches("anything at all")).isTrue();
        assertThat(rule(TlsConfig.ScopeMatch.CN, "a*b*c").matches("aXXbYYbc")).isTrue();
        assertThat(rule(TlsConfig.ScopeMatch.CN, "a*b*c").matches("aXXbYYc")).isTrue();
        assertThat(rule(TlsConfig.ScopeMatch.CN, "a*b*c").matches("aXXcYY")).isFalse();
    }

    @Test
    void dnsNamesMatchWithoutCaseOtherPartsWithCase() {
        assertThat(rule(TlsConfig.ScopeMatch.SAN_DNS, "*.INTERNAL").matches("orders.internal")).isTrue();
        assertThat(rule(TlsConfig.ScopeMatch.SAN_URI, "spiffe://EXAMPLE.org/*").matches("spiffe://example.org/a")).isFalse();
    }
}
