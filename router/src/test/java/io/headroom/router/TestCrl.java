package io.headroom.router;

import java.io.ByteArrayOutputStream;
import java.io.FileInputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.List;

/**
 * X.509 v2 CRLs signed by a {@link TestPki.Ca}'s key, DER-encoded by hand (RFC 5280 §5.1: TBSCertList with issuer,
 * thisUpdate, nextUpdate and the revoked serials; ECDSA with SHA-256), so tests can revoke certificates and make stale
 * CRLs at chosen times without BouncyCastle or openssl.
 */
final class TestCrl {
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'").withZone(ZoneOffset.UTC);
    /** ecdsa-with-SHA256, 1.2.840.10045.4.3.2. */
    private static final byte[] ECDSA_SHA256 = {0x06, 0x08, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x04, 0x03, 0x02};

    private TestCrl() {
    }

    /** A DER CRL of {@code ca} listing {@code revoked} (serial numbers), valid from {@code thisUpdate} to {@code nextUpdate}. */
    static byte[] der(TestPki.Ca ca, List<BigInteger> revoked, Instant thisUpdate, Instant nextUpdate) throws Exception {
        ByteArrayOutputStream tbs = new ByteArrayOutputStream();
        tbs.write(tlv(0x02, new byte[]{1})); // version v2
        tbs.write(tlv(0x30, ECDSA_SHA256));
        tbs.write(ca.cert().getSubjectX500Principal().getEncoded());
        tbs.write(time(thisUpdate));
        tbs.write(time(nextUpdate));
        if (!revoked.isEmpty()) {
            ByteArrayOutputStream list = new ByteArrayOutputStream();
            for (BigInteger serial : revoked) {
                list.write(tlv(0x30, concat(tlv(0x02, serial.toByteArray()), time(thisUpdate))));
            }
            tbs.write(tlv(0x30, list.toByteArray()));
        }
        byte[] tbsDer = tlv(0x30, tbs.toByteArray());
        Signature s = Signature.getInstance("SHA256withECDSA");
        s.initSign(key(ca));
        s.update(tbsDer);
        byte[] sig = s.sign();
        return tlv(0x30, concat(tbsDer, tlv(0x30, ECDSA_SHA256), tlv(0x03, concat(new byte[]{0}, sig))));
    }

    /** The same as PEM ({@code -----BEGIN X509 CRL-----}). */
    static String pem(byte[] der) {
        return "-----BEGIN X509 CRL-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END X509 CRL-----\n";
    }

    private static PrivateKey key(TestPki.Ca ca) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(ca.keystore().toFile())) {
            ks.load(in, TestPki.password());
        }
        return (PrivateKey) ks.getKey("ca", TestPki.password());
    }

    private static byte[] time(Instant t) {
        return tlv(0x17, UTC_TIME.format(t).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] tlv(int tag, byte[] value) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(tag);
        int n = value.length;
        if (n < 0x80) {
            out.write(n);
        } else if (n < 0x100) {
            out.write(0x81);
            out.write(n);
        } else if (n < 0x10000) {
            out.write(0x82);
            out.write(n >> 8);
            out.write(n & 0xff);
        } else {
            out.write(0x83);
            out.write(n >> 16);
            out.write((n >> 8) & 0xff);
            out.write(n & 0xff);
        }
        out.writeBytes(value);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
