package io.headroom.router.config;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The {@code router.auth:} section: where API keys and JWT issuers come from. Routes say which of them they accept
 * ({@link RouteConfig.Auth}).
 *
 * @param realm   realm in {@code WWW-Authenticate}
 * @param apiKeys API keys, or null
 * @param issuers trusted JWT issuers (each pins its algorithms)
 * @param introspection OAuth 2.0 token introspection (RFC 7662) for opaque bearer tokens, or null
 */
public record AuthConfig(String realm, ApiKeys apiKeys, List<JwtIssuer> issuers, Introspection introspection,
                         IdentityHeaders identityHeaders) {
    public static final AuthConfig NONE = new AuthConfig("headroom", null, List.of(), null, IdentityHeaders.NONE);

    public AuthConfig {
        Objects.requireNonNull(realm, "realm");
        issuers = List.copyOf(issuers);
        Objects.requireNonNull(identityHeaders, "identityHeaders");
    }

    /** Without token introspection and identity headers. */
    public AuthConfig(String realm, ApiKeys apiKeys, List<JwtIssuer> issuers) {
        this(realm, apiKeys, issuers, null, IdentityHeaders.NONE);
    }

    /**
     * {@code router.auth.identity-headers:}: request headers in which the backend learns who called. They are removed
     * from every client request on every route (so a client cannot claim an identity) and set on routes with auth.
     *
     * @param consumer header for the consumer id, or null
     * @param scopes   header for the granted scopes (space-separated), or null
     * @param method   header for how the caller authenticated ({@code api-key}, {@code jwt}, {@code introspection}), or null
     */
    public record IdentityHeaders(String consumer, String scopes, String method) {
        public static final IdentityHeaders NONE = new IdentityHeaders(null, null, null);

        /** The configured names, for stripping. */
        public List<String> names() {
            List<String> out = new java.util.ArrayList<>(3);
            for (String n : new String[]{consumer, scopes, method}) {
                if (n != null) {
                    out.add(n);
                }
            }
            return out;
        }
    }

    /**
     * @param header         request header that carries the key
     * @param keys           keys written in the config file (hashes only)
     * @param file           key file (lines {@code consumer sha256-hex [scope,scope]}), reloaded on change; or null
     * @param reloadInterval how often the key file's modification time and size are checked
     */
    public record ApiKeys(String header, List<Key> keys, Path file, Duration reloadInterval) {
        public ApiKeys {
            Objects.requireNonNull(header, "header");
            keys = List.copyOf(keys);
            Objects.requireNonNull(reloadInterval, "reloadInterval");
        }
    }

    /**
     * @param consumer  consumer id the key identifies
     * @param sha256Hex SHA-256 of the key, 64 hex digits
     * @param scopes    scopes granted to the key
     */
    public record Key(String consumer, String sha256Hex, List<String> scopes) {
        public Key {
            Objects.requireNonNull(consumer, "consumer");
            Objects.requireNonNull(sha256Hex, "sha256Hex");
            scopes = List.copyOf(scopes);
        }
    }

    /**
     * @param issuer             exact {@code iss} value
     * @param jwksUrl            where its public keys are
     * @param algorithms         the only JWS algorithms accepted from it (RS256, ES256, EdDSA, ...)
     * @param audiences          the token's {@code aud} must contain one of these; empty = not checked
     * @param consumerClaim      claim that names the consumer ({@code sub})
     * @param scopeClaim         claim with the scopes: a space-separated string or a list ({@code scope})
     * @param clockSkew          tolerance for exp and nbf
     * @param refreshInterval    the key set is fetched again when older than this
     * @param minRefreshInterval at most one fetch per this interval, however many unknown {@code kid}s arrive
     * @param fetchTimeout       timeout of one JWKS fetch
     */
    public record JwtIssuer(String issuer, URI jwksUrl, List<String> algorithms, List<String> audiences, String consumerClaim,
                            String scopeClaim, Duration clockSkew, Duration refreshInterval, Duration minRefreshInterval,
                            Duration fetchTimeout) {
        public JwtIssuer {
            Objects.requireNonNull(issuer, "issuer");
            Objects.requireNonNull(jwksUrl, "jwksUrl");
            algorithms = List.copyOf(algorithms);
            audiences = List.copyOf(audiences);
            Objects.requireNonNull(consumerClaim, "consumerClaim");
            Objects.requireNonNull(scopeClaim, "scopeClaim");
            if (algorithms.isEmpty()) {
                throw new IllegalArgumentException("issuer " + issuer + " needs at least one algorithm");
            }
        }
    }

    /** Where the introspection client's secret is read from: an environment variable or a file, never the YAML. */
    public enum SecretKind { ENV, FILE }

    /**
     * A secret's source. The value is read when the router is built, never kept in the configuration.
     *
     * @param kind  environment variable or file
     * @param name  the variable's name or the file's path
     * @param where {@code file:line:col} of the key that named it, for the error when it cannot be read
     */
    public record SecretSource(SecretKind kind, String name, String where) {
        public SecretSource {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(where, "where");
        }
    }

    /** What the router answers when the introspection endpoint cannot give a verdict (down, slow, bad answer). */
    public enum OnFailure { UNAVAILABLE_503, UNAUTHORIZED_401 }

    /**
     * OAuth 2.0 token introspection (RFC 7662) of opaque bearer tokens.
     *
     * @param url           the introspection endpoint (POST, form-encoded {@code token})
     * @param clientId      the gateway's client id at the authorization server (HTTP Basic, RFC 6749 section 2.3.1)
     * @param clientSecret  where the client secret is read from
     * @param issuer        when set, the answer's {@code iss} must equal it
     * @param audiences     when not empty, the answer's {@code aud} must contain one of these
     * @param consumerClaim member of the answer that names the consumer ({@code sub}, {@code client_id}, ...)
     * @param scopeClaim    member with the scopes: a space-separated string or a list
     * @param clockSkew     tolerance for {@code exp} and {@code nbf}
     * @param timeout       the longest a request waits for the endpoint
     * @param cacheSize     most verdicts cached (active and inactive together)
     * @param cacheTtl      longest an active verdict is cached; never past the token's {@code exp}
     * @param negativeTtl   how long an inactive verdict is cached
     * @param maxInFlight   most introspection calls outstanding at once; more fail as the endpoint being down
     * @param onFailure     503 or 401 when the endpoint cannot give a verdict
     */
    public record Introspection(java.net.URI url, String clientId, SecretSource clientSecret, String issuer, List<String> audiences,
                                String consumerClaim, String scopeClaim, Duration clockSkew, Duration timeout, int cacheSize,
                                Duration cacheTtl, Duration negativeTtl, int maxInFlight, OnFailure onFailure) {
        public Introspection {
            Objects.requireNonNull(url, "url");
            Objects.requireNonNull(clientId, "clientId");
            Objects.requireNonNull(clientSecret, "clientSecret");
            audiences = List.copyOf(audiences);
            Objects.requireNonNull(consumerClaim, "consumerClaim");
            Objects.requireNonNull(scopeClaim, "scopeClaim");
            Objects.requireNonNull(onFailure, "onFailure");
            if (cacheSize < 0 || maxInFlight < 1 || timeout.isNegative() || timeout.isZero()) {
                throw new IllegalArgumentException("introspection: cacheSize " + cacheSize + ", maxInFlight " + maxInFlight
                        + ", timeout " + timeout + " (expected: >= 0, >= 1, > 0)");
            }
        }
    }
}
