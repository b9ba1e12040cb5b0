package io.headroom.router.auth;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.ECDSASigner;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.util.Base64URL;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import io.headroom.router.config.AuthConfig;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.EdECPublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** JWT checks with keys made here and a JWKS served on 127.0.0.1, including the usual attacks. */
@Timeout(60)
class JwtVerifierTest {
    static final String ISS = "https://id.test";
    private JwksServer jwks;
    private RSAKey rsa;
    private ECKey ec;
    private KeyPair ed;
    private OctetKeyPair edJwk;
    private final MutableClock clock = new MutableClock(1_700_000_000_000L);
    private final ManualTicker ticker = new ManualTicker(0);
    private JwtVerifier verifier;

    @BeforeEach
    void setUp() throws Exception {
        jwks = new JwksServer();
        rsa = new RSAKeyGenerator(2048).keyID("rsa-1").generate();
        ec = new ECKeyGenerator(Curve.P_256).keyID("ec-1").generate();
        ed = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
        edJwk = new OctetKeyPair.Builder(Curve.Ed25519, Base64URL.encode(rawEd25519((EdECPublicKey) ed.getPublic())))
                .keyID("ed-1").build();
        jwks.publish(List.of(rsa, ec, edJwk));
        verifier = new JwtVerifier(List.of(new AuthConfig.JwtIssuer(ISS, jwks.url(), List.of("RS256", "ES256", "EdDSA"),
                List.of("headroom"), "sub", "scope", Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofSeconds(30),
                Duration.ofSeconds(5))), clock, ticker);
    }

    @AfterEach
    void tearDown() {
        verifier.close();
        jwks.close();
    }

    /** RFC 8032 encoding of an Ed25519 public key from the JDK's point. */
    static byte[] rawEd25519(EdECPublicKey pk) {
        byte[] y = pk.getPoint().getY().toByteArray();
        byte[] out = new byte[32];
        for (int i = 0; i < y.length && i < 32; i++) {
            out[i] = y[y.length - 1 - i];
        }
        if (pk.getPoint().isXOdd()) {
            out[31] |= (byte) 0x80;
        }
        return out;
    }

    JWTClaimsSet.Builder claims() {
        long now = clock.millis();
        return new JWTClaimsSet.Builder().issuer(ISS).subject("alice").audience("headroom").claim("scope", "orders:read users:read")
                .expirationTime(new Date(now + 60_000)).notBeforeTime(new Date(now - 1000));
    }

    String rs256(JWTClaimsSet c, String kid) throws Exception {
        SignedJWT j = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(kid).type(JOSEObjectType.JWT).build(), c);
        j.sign(new RSASSASigner(rsa));
        return j.serialize();
    }

    String edDsa(JWTClaimsSet c) throws Exception {
        String h = b64("{\"alg\":\"EdDSA\",\"kid\":\"ed-1\",\"typ\":\"JWT\"}");
        String p = b64(c.toString());
        Signature s = Signature.getInstance("Ed25519");
        s.initSign(ed.getPrivate());
        s.update((h + "." + p).getBytes(StandardCharsets.US_ASCII));
        return h + "." + p + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
    }

    static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void acceptsRs256Es256AndEdDsa() throws Exception {
        Identity id = verifier.verify(rs256(claims().build(), "rsa-1"));
        assertThat(id.consumer()).isEqualTo("alice");
        assertThat(id.scopes()).containsExactlyInAnyOrder("orders:read", "users:read");
        SignedJWT e = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.ES256).keyID("ec-1").build(), claims().subject("bob").build());
        e.sign(new ECDSASigner(ec));
        assertThat(verifier.verify(e.serialize()).consumer()).isEqualTo("bob");
        assertThat(verifier.verify(edDsa(claims().subject("carol").claim("scope", List.of("a", "b")).build())).scopes())
                .containsExactlyInAnyOrder("a", "b");
        assertThat(jwks.fetches.get()).isEqualTo(1);
    }

    @Test
    void refusesAlgNone() {
        String none = new PlainJWT(claims().build()).serialize();
        assertThatThrownBy(() -> verifier.verify(none)).isInstanceOf(AuthException.class).hasMessageContaining("unsigned");
        // a hand-made header that says "none" but carries a signature part
        String forged = b64("{\"alg\":\"none\",\"kid\":\"rsa-1\"}") + "." + b64(claims().build().toString()) + ".c2ln";
        assertThatThrownBy(() -> verifier.verify(forged)).isInstanceOf(AuthException.class);
    }

    @Test
    void refusesHs256SignedWithTheRsaPublicKey() throws Exception {
        byte[] publicKeyBytes = rsa.toPublicJWK().toJSONString().getBytes(StandardCharsets.UTF_8);
        SignedJWT j = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims().build());
        j.sign(new MACSigner(publicKeyBytes));
        assertThatThrownBy(() -> verifier.verify(j.serialize())).isInstanceOf(AuthException.class)
                .hasMessageContaining("algorithm HS256 is not accepted");
        byte[] der = rsa.toRSAPublicKey().getEncoded();
        SignedJWT k = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.HS256).keyID("rsa-1").build(), claims().build());
        k.sign(new MACSigner(der));
        assertThatThrownBy(() -> verifier.verify(k.serialize())).isInstanceOf(AuthException.class);
    }

    @Test
    void refusesAnRsaTokenThatNamesTheEcKey() throws Exception {
        assertThatThrownBy(() -> verifier.verify(rs256(claims().build(), "ec-1"))).isInstanceOf(AuthException.class)
                .hasMessageContaining("unknown signing key");
    }

    @Test
    void checksExpiryNotBeforeAudienceAndIssuerWithSkew() throws Exception {
        long now = clock.millis();
        assertThat(verifier.verify(rs256(claims().expirationTime(new Date(now - 20_000)).build(), "rsa-1")).consumer())
                .isEqualTo("alice"); // within the 30 s skew
        assertThatThrownBy(() -> verifier.verify(rs256(claims().expirationTime(new Date(now - 31_000)).build(), "rsa-1")))
                .hasMessageContaining("expired");
        assertThatThrownBy(() -> verifier.verify(rs256(claims().notBeforeTime(new Date(now + 31_000)).build(), "rsa-1")))
                .hasMessageContaining("not valid yet");
        assertThatThrownBy(() -> verifier.verify(rs256(claims().audience("other").build(), "rsa-1")))
                .hasMessageContaining("audience");
        assertThatThrownBy(() -> verifier.verify(rs256(claims().issuer("https://evil.test").build(), "rsa-1")))
                .hasMessageContaining("untrusted issuer");
        assertThatThrownBy(() -> verifier.verify(rs256(claims().expirationTime(null).build(), "rsa-1")))
                .hasMessageContaining("no expiry");
        String good = rs256(claims().build(), "rsa-1");
        String tampered = good.substring(0, good.lastIndexOf('.') - 4) + "AAAA" + good.substring(good.lastIndexOf('.'));
        assertThatThrownBy(() -> verifier.verify(tampered)).isInstanceOf(AuthException.class);
        clock.advance(Duration.ofSeconds(91));
        assertThatThrownBy(() -> verifier.verify(good)).hasMessageContaining("expired");
    }

    @Test
    void aFloodOfUnknownKidsCostsOneFetchPerInterval() throws Exception {
        verifier.verify(rs256(claims().build(), "rsa-1"));
        assertThat(jwks.fetches.get()).isEqualTo(1);
        for (int i = 0; i < 200; i++) {
            String kid = "made-up-" + i;
            assertThatThrownBy(() -> verifier.verify(rs256(claims().build(), kid))).hasMessageContaining("unknown signing key");
        }
        assertThat(jwks.fetches.get()).isEqualTo(1); // the first fetch was under 30 s ago: none at all
        ticker.advance(Duration.ofSeconds(30));
        for (int i = 0; i < 200; i++) {
            String kid = "made-up-again-" + i;
            assertThatThrownBy(() -> verifier.verify(rs256(claims().build(), kid))).isInstanceOf(AuthException.class);
        }
        assertThat(jwks.fetches.get()).isEqualTo(2);
        assertThat(verifier.fetches(ISS)).isEqualTo(2);
    }

    @Test
    void aRotatedKeyIsFetchedOnItsFirstUse() throws Exception {
        verifier.verify(rs256(claims().build(), "rsa-1"));
        RSAKey next = new RSAKeyGenerator(2048).keyID("rsa-2").generate();
        jwks.publish(List.<JWK>of(rsa, next));
        ticker.advance(Duration.ofSeconds(31));
        SignedJWT j = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID("rsa-2").build(), claims().subject("dave").build());
        j.sign(new RSASSASigner(next));
        assertThat(verifier.verify(j.serialize()).consumer()).isEqualTo("dave");
        assertThat(jwks.fetches.get()).isEqualTo(2);
    }
}
