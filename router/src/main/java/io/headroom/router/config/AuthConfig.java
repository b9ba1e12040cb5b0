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
 */
public record AuthConfig(String realm, ApiKeys apiKeys, List<JwtIssuer> issuers) {
    public static final AuthConfig NONE = new AuthConfig("headroom", null, List.of());

    public AuthConfig {
        Objects.requireNonNull(realm, "realm");
        issuers = List.copyOf(issuers);
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
}
