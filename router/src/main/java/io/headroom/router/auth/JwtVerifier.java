package io.headroom.router.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWT;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.JWTParser;
import com.nimbusds.jwt.SignedJWT;
import io.headroom.router.config.AuthConfig;
import io.headroom.time.Ticker;

import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Checks bearer JWTs against the configured issuers. In order: the token must be a JWS (an unsigned {@code alg: none}
 * token is refused); its {@code iss} must be a configured issuer; its {@code alg} must be one that issuer pins (so HS256
 * signed with an RSA public key, or any algorithm swap, is refused before any key is looked at); the key named by
 * {@code kid} must come from that issuer's JWKS and fit the algorithm (key type, curve, the key's own {@code alg});
 * the signature must verify; then {@code exp} (required) and {@code nbf} with the issuer's clock skew, and {@code aud}
 * against the issuer's audiences. The consumer is the issuer's consumer claim, the scopes its scope claim (a
 * space-separated string or a list).
 */
public final class JwtVerifier implements AutoCloseable {
    private record Issuer(AuthConfig.JwtIssuer config, Set<String> algorithms, JwksCache keys) {
    }

    private final Map<String, Issuer> issuers = new HashMap<>();
    private final Clock clock;

    public JwtVerifier(List<AuthConfig.JwtIssuer> configs, Clock clock, Ticker ticker) {
        this.clock = clock;
        for (AuthConfig.JwtIssuer c : configs) {
            issuers.put(c.issuer(), new Issuer(c, Set.copyOf(c.algorithms()),
                    new JwksCache(c.jwksUrl(), c.fetchTimeout(), c.refreshInterval(), c.minRefreshInterval(), ticker)));
        }
    }

    /** The identity in a valid token; otherwise the reason it is not valid. */
    public Identity verify(String token) throws AuthException {
        JWT parsed;
        try {
            parsed = JWTParser.parse(token);
        } catch (ParseException e) {
            throw new AuthException("malformed token");
        }
        if (!(parsed instanceof SignedJWT jwt)) {
            throw new AuthException("unsigned or encrypted tokens are not accepted");
        }
        JWTClaimsSet claims;
        try {
            claims = jwt.getJWTClaimsSet();
        } catch (ParseException e) {
            throw new AuthException("malformed claims");
        }
        String iss = claims.getIssuer();
        Issuer issuer = iss == null ? null : issuers.get(iss);
        if (issuer == null) {
            throw new AuthException("untrusted issuer");
        }
        JWSAlgorithm alg = jwt.getHeader().getAlgorithm();
        if (!issuer.algorithms.contains(alg.getName())) {
            throw new AuthException("algorithm " + alg.getName() + " is not accepted for this issuer");
        }
        JwksCache.Key key = issuer.keys.key(jwt.getHeader().getKeyID(), alg);
        if (key == null || !key.fits(alg)) {
            throw new AuthException("unknown signing key");
        }
        try {
            if (!key.check().verify(jwt)) {
                throw new AuthException("bad signature");
            }
        } catch (JOSEException e) {
            throw new AuthException("bad signature");
        }
        AuthConfig.JwtIssuer c = issuer.config;
        long now = clock.millis();
        long skew = c.clockSkew().toMillis();
        Date exp = claims.getExpirationTime();
        if (exp == null) {
            throw new AuthException("the token has no expiry");
        }
        if (now > exp.getTime() + skew) {
            throw new AuthException("the token has expired");
        }
        Date nbf = claims.getNotBeforeTime();
        if (nbf != null && now + skew < nbf.getTime()) {
            throw new AuthException("the token is not valid yet");
        }
        if (!c.audiences().isEmpty()) {
            List<String> aud = claims.getAudience();
            boolean any = false;
            for (String a : aud) {
                any |= c.audiences().contains(a);
            }
            if (!any) {
                throw new AuthException("the token is not for this audience");
            }
        }
        Object sub = claims.getClaim(c.consumerClaim());
        if (!(sub instanceof String consumer) || consumer.isEmpty()) {
            throw new AuthException("the token has no " + c.consumerClaim() + " claim");
        }
        return new Identity(consumer, Identity.scopesOf(claims.getClaim(c.scopeClaim())), "jwt");
    }

    /** JWKS fetches so far for an issuer (0 for an unknown one). */
    public long fetches(String issuer) {
        Issuer i = issuers.get(issuer);
        return i == null ? 0 : i.keys.fetches();
    }

    @Override
    public void close() {
        issuers.values().forEach(i -> i.keys.close());
    }
}
