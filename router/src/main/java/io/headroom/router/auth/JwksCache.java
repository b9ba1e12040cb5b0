package io.headroom.router.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import io.headroom.time.Ticker;

import java.math.BigInteger;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.EdECPoint;
import java.security.spec.EdECPublicKeySpec;
import java.security.spec.NamedParameterSpec;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One issuer's public keys from its JWKS URL, with a verifier built once per key. Keys are refreshed in the background
 * when older than {@code refresh-interval}. An unknown {@code kid} triggers a synchronous fetch, but at most one fetch
 * starts per {@code min-refresh-interval} (and only one at a time), so a flood of tokens with made-up {@code kid}s
 * costs the issuer at most one request per interval; those tokens are refused meanwhile.
 *
 * <p>Only signing keys are kept: RSA, EC (P-256/384/521) and OKP Ed25519, with {@code use} absent or {@code sig}.
 * EdDSA is checked with the JDK's Ed25519 (nimbus's own needs Tink, which is not on the class path).
 */
public final class JwksCache implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(JwksCache.class.getName());

    /** A key ready to check signatures. */
    interface Check {
        boolean verify(SignedJWT jwt) throws JOSEException;
    }

    /**
     * @param jwk    the key as published
     * @param family {@code RSA}, {@code EC} or {@code OKP}
     * @param check  its verifier
     */
    record Key(JWK jwk, String family, Check check) {
        /** Whether this key may check {@code alg}: the right key type, curve and (if the key names one) algorithm. */
        boolean fits(JWSAlgorithm alg) {
            if (jwk.getAlgorithm() != null && !jwk.getAlgorithm().getName().equals(alg.getName())) {
                return false;
            }
            if (JWSAlgorithm.Family.RSA.contains(alg)) {
                return family.equals("RSA");
            }
            if (JWSAlgorithm.Family.EC.contains(alg)) {
                Curve c = ((ECKey) jwk).getCurve();
                return family.equals("EC") && Curve.forJWSAlgorithm(alg).contains(c);
            }
            return alg.getName().equals("EdDSA") || alg.getName().equals("Ed25519") ? family.equals("OKP") : false;
        }
    }

    private final URI url;
    private final Duration fetchTimeout;
    private final long refreshNanos;
    private final long minRefreshNanos;
    private final Ticker ticker;
    private final HttpClient http;
    private final AtomicBoolean fetching = new AtomicBoolean();
    private final LongAdder fetches = new LongAdder();
    private volatile Map<String, Key> keys = Map.of();
    private volatile long fetchedAt;
    private volatile boolean loaded;
    private volatile long lastAttempt;
    private volatile boolean attempted;

    public JwksCache(URI url, Duration fetchTimeout, Duration refreshInterval, Duration minRefreshInterval, Ticker ticker) {
        this.url = url;
        this.fetchTimeout = fetchTimeout;
        this.refreshNanos = refreshInterval.toNanos();
        this.minRefreshNanos = minRefreshInterval.toNanos();
        this.ticker = ticker;
        this.http = HttpClient.newBuilder().connectTimeout(fetchTimeout).followRedirects(HttpClient.Redirect.NEVER).build();
    }

    /** The key with this id (or, for a token without {@code kid}, the only key that fits), fetching as allowed. */
    Key key(String kid, JWSAlgorithm alg) {
        Key k = find(keys, kid, alg);
        long now = ticker.read();
        if (k != null) {
            if (now - fetchedAt > refreshNanos && mayFetch(now)) {
                Thread.ofVirtual().name("headroom-jwks-refresh").start(this::fetchAndRelease);
            }
            return k;
        }
        if (mayFetch(now)) {
            fetchAndRelease();
            return find(keys, kid, alg);
        }
        return null;
    }

    private static Key find(Map<String, Key> m, String kid, JWSAlgorithm alg) {
        if (kid != null) {
            return m.get(kid);
        }
        Key only = null;
        for (Key k : m.values()) {
            if (k.fits(alg)) {
                if (only != null) {
                    return null; // ambiguous: a token must name its key when the set has several
                }
                only = k;
            }
        }
        return only;
    }

    /** Claims the right to fetch now: none running and the last attempt at least min-refresh-interval ago. */
    private boolean mayFetch(long now) {
        if (attempted && now - lastAttempt < minRefreshNanos) {
            return false;
        }
        if (!fetching.compareAndSet(false, true)) {
            return false;
        }
        if (attempted && now - lastAttempt < minRefreshNanos) { // another thread fetched in between
            fetching.set(false);
            return false;
        }
        attempted = true;
        lastAttempt = now;
        return true;
    }

    private void fetchAndRelease() {
        try {
            fetch();
        } finally {
            fetching.set(false);
        }
    }

    private void fetch() {
        fetches.increment();
        try {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(url).timeout(fetchTimeout).GET()
                    .header("Accept", "application/json").build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                LOG.log(Level.WARNING, "JWKS {0} answered {1}; keeping {2} key(s)", new Object[]{url, r.statusCode(), keys.size()});
                return;
            }
            Map<String, Key> next = parse(JWKSet.parse(r.body()));
            keys = next;
            fetchedAt = ticker.read();
            loaded = true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            LOG.log(Level.WARNING, "JWKS {0} could not be fetched: {1}; keeping {2} key(s)", new Object[]{url, e.toString(), keys.size()});
        }
    }

    static Map<String, Key> parse(JWKSet set) throws JOSEException {
        Map<String, Key> out = new HashMap<>();
        int anon = 0;
        for (JWK jwk : set.getKeys()) {
            if (jwk.getKeyUse() != null && !KeyUse.SIGNATURE.equals(jwk.getKeyUse())) {
                continue;
            }
            Key k;
            if (jwk instanceof RSAKey rsa) {
                RSASSAVerifier v = new RSASSAVerifier(rsa.toRSAPublicKey());
                k = new Key(jwk, "RSA", jwt -> jwt.verify(v));
            } else if (jwk instanceof ECKey ec) {
                ECDSAVerifier v = new ECDSAVerifier(ec.toECPublicKey());
                k = new Key(jwk, "EC", jwt -> jwt.verify(v));
            } else if (jwk instanceof OctetKeyPair okp && Curve.Ed25519.equals(okp.getCurve())) {
                PublicKey pk = ed25519(okp.getDecodedX());
                k = new Key(jwk, "OKP", jwt -> {
                    try {
                        Signature s = Signature.getInstance("Ed25519");
                        s.initVerify(pk);
                        s.update(jwt.getSigningInput());
                        return s.verify(jwt.getSignature().decode());
                    } catch (java.security.GeneralSecurityException e) {
                        return false;
                    }
                });
            } else {
                continue; // symmetric and other keys never verify anything here
            }
            out.put(jwk.getKeyID() != null ? jwk.getKeyID() : "\u0000anonymous-" + anon++, k);
        }
        return Map.copyOf(out);
    }

    /** An Ed25519 public key from its RFC 8032 encoding (little-endian y, top bit = x is odd). */
    static PublicKey ed25519(byte[] encoded) throws JOSEException {
        if (encoded.length != 32) {
            throw new JOSEException("Ed25519 key of " + encoded.length + " bytes");
        }
        byte[] be = new byte[32];
        for (int i = 0; i < 32; i++) {
            be[i] = encoded[31 - i];
        }
        boolean xOdd = (be[0] & 0x80) != 0;
        be[0] &= 0x7f;
        try {
            return KeyFactory.getInstance("Ed25519").generatePublic(
                    new EdECPublicKeySpec(NamedParameterSpec.ED25519, new EdECPoint(xOdd, new BigInteger(1, be))));
        } catch (java.security.GeneralSecurityException e) {
            throw new JOSEException("bad Ed25519 key: " + e.getMessage(), e);
        }
    }

    /** Fetches made so far (initial, refreshes and unknown-kid fetches). */
    public long fetches() {
        return fetches.sum();
    }

    /** Whether a fetch ever succeeded. */
    public boolean loaded() {
        return loaded;
    }

    @Override
    public void close() {
        http.close();
    }
}
