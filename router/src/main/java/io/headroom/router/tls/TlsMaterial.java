package io.headroom.router.tls;

import io.headroom.router.config.TlsConfig;
import io.helidon.common.configurable.Resource;
import io.helidon.common.pki.Keys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;

/**
 * A certificate chain and its private key, read from the PEM files of {@code router.tls} and checked: the files parse,
 * the key belongs to the leaf certificate, and the leaf has not expired. The files are read once, and the same bytes
 * are both parsed and fingerprinted, so a file replaced meanwhile cannot mix two versions.
 */
public final class TlsMaterial {
    private final PrivateKey key;
    private final List<X509Certificate> chain;
    private final List<X509Certificate> clientCa;
    private final ClientCrls crls;
    private final byte[] digest;

    private TlsMaterial(PrivateKey key, List<X509Certificate> chain, List<X509Certificate> clientCa, ClientCrls crls, byte[] digest) {
        this.key = key;
        this.chain = List.copyOf(chain);
        this.clientCa = List.copyOf(clientCa);
        this.crls = crls;
        this.digest = digest;
    }

    /**
     * The raw bytes of the configured files and their combined SHA-256 (what a poll compares).
     *
     * @param certificate the certificate file's bytes
     * @param key         the key file's bytes
     * @param clientCa    the client CA bundle's bytes, or null without client certificates
     * @param crl         the client CRL file's bytes, or null without {@code client-crl}
     * @param digest      SHA-256 over all of them, each prefixed by its length
     */
    public record Files(byte[] certificate, byte[] key, byte[] clientCa, byte[] crl, byte[] digest) {
    }

    /**
     * Reads the configured files (following symbolic links, as a Kubernetes secret volume's {@code ..data} swap needs).
     *
     * @throws BadTlsFileException naming the file that cannot be read
     */
    public static Files read(TlsConfig config) {
        byte[] cert = bytes(config.certificate());
        byte[] key = bytes(config.key());
        byte[] ca = config.client() == null ? null : bytes(config.client().ca());
        byte[] crl = config.client() == null || config.client().crl() == null ? null : bytes(config.client().crl());
        MessageDigest sha = sha256();
        sha.update(longBytes(cert.length));
        sha.update(cert);
        sha.update(longBytes(key.length));
        sha.update(key);
        if (ca != null) {
            sha.update(longBytes(ca.length));
            sha.update(ca);
        }
        if (crl != null) {
            sha.update(longBytes(crl.length));
            sha.update(crl);
        }
        return new Files(cert, key, ca, crl, sha.digest());
    }

    /**
     * Parses and checks {@code files} as read from {@code config}'s paths.
     *
     * @param now the time the leaf certificate must be valid at (not expired)
     * @throws BadTlsFileException naming the file and what is wrong with it
     */
    public static TlsMaterial parse(TlsConfig config, Files files, Instant now) {
        Path certPath = config.certificate();
        Path keyPath = config.key();
        List<X509Certificate> chain;
        try {
            chain = Keys.builder().pem(p -> p.certChain(Resource.create(certPath.toString(), files.certificate()))).build().certChain();
        } catch (RuntimeException e) {
            throw new BadTlsFileException(certPath, "not a PEM certificate chain (" + message(e) + ")");
        }
        if (chain.isEmpty()) {
            throw new BadTlsFileException(certPath, "holds no certificate (expected PEM blocks -----BEGIN CERTIFICATE-----, leaf first)");
        }
        if (!contains(files.key(), "PRIVATE KEY-----") && contains(files.key(), "-----BEGIN CERTIFICATE-----")) {
            throw new BadTlsFileException(keyPath, "holds a certificate, no private key (are certificate and key swapped?)");
        }
        PrivateKey key;
        try {
            key = Keys.builder().pem(p -> p.key(Resource.create(keyPath.toString(), files.key()))).build().privateKey().orElse(null);
        } catch (RuntimeException e) {
            throw new BadTlsFileException(keyPath, "not a PEM private key (" + message(e) + "); expected an unencrypted "
                    + "-----BEGIN PRIVATE KEY----- (PKCS#8) or -----BEGIN RSA PRIVATE KEY----- (PKCS#1)");
        }
        if (key == null) {
            throw new BadTlsFileException(keyPath, "holds no private key (expected -----BEGIN PRIVATE KEY----- or "
                    + "-----BEGIN RSA PRIVATE KEY-----)");
        }
        X509Certificate leaf = chain.getFirst();
        String mismatch = mismatch(key, leaf.getPublicKey());
        if (mismatch != null) {
            throw new BadTlsFileException(keyPath, "the private key does not belong to the first certificate of " + certPath
                    + " (" + describe(leaf) + "): " + mismatch);
        }
        if (leaf.getNotAfter().toInstant().isBefore(now)) {
            throw new BadTlsFileException(certPath, "the certificate (" + describe(leaf) + ") has expired");
        }
        List<X509Certificate> ca = List.of();
        if (config.client() != null) {
            Path caPath = config.client().ca();
            try {
                ca = Keys.builder().pem(p -> p.certificates(Resource.create(caPath.toString(), files.clientCa()))).build().certs();
            } catch (RuntimeException e) {
                throw new BadTlsFileException(caPath, "not a PEM bundle of CA certificates (" + message(e) + ")");
            }
            if (ca.isEmpty()) {
                throw new BadTlsFileException(caPath, "holds no certificate (expected one or more PEM blocks -----BEGIN CERTIFICATE-----)");
            }
        }
        ClientCrls crls = null;
        if (config.client() != null && config.client().crl() != null) {
            crls = ClientCrls.parse(config.client().crl(), files.crl(), ca);
        }
        return new TlsMaterial(key, chain, ca, crls, files.digest());
    }

    /** Reads and parses in one go (at start). */
    public static TlsMaterial load(TlsConfig config, Instant now) {
        return parse(config, read(config), now);
    }

    public PrivateKey privateKey() {
        return key;
    }

    /** Leaf first. */
    public List<X509Certificate> chain() {
        return chain;
    }

    /** The CA certificates client certificates must chain to; empty without client certificates. */
    public List<X509Certificate> clientCa() {
        return clientCa;
    }

    /** The client CRLs ({@code client-crl}), or null without them. */
    public ClientCrls crls() {
        return crls;
    }

    public X509Certificate leaf() {
        return chain.getFirst();
    }

    /** SHA-256 of the files this was read from (see {@link Files#digest()}). */
    public byte[] digest() {
        return digest.clone();
    }

    boolean sameFiles(byte[] other) {
        return MessageDigest.isEqual(digest, other);
    }

    /** {@code subject CN=..., serial 1a2b..., expires 2027-...}. */
    public static String describe(X509Certificate c) {
        return "subject " + c.getSubjectX500Principal().getName() + ", serial " + c.getSerialNumber().toString(16)
                + ", expires " + c.getNotAfter().toInstant();
    }

    /** SHA-256 of the leaf certificate's DER encoding, hex (what {@code openssl x509 -fingerprint -sha256} prints). */
    public String fingerprint() {
        try {
            return HexFormat.of().formatHex(sha256().digest(leaf().getEncoded()));
        } catch (CertificateEncodingException e) {
            return "?";
        }
    }

    /** Why {@code key} is not the private half of {@code pub}, or null when it is (a signature made and verified). */
    static String mismatch(PrivateKey key, PublicKey pub) {
        if (!key.getAlgorithm().equals(pub.getAlgorithm())
                && !(isEdDsa(key.getAlgorithm()) && isEdDsa(pub.getAlgorithm()))) {
            return "a " + key.getAlgorithm() + " key for a " + pub.getAlgorithm() + " certificate";
        }
        if (key instanceof RSAKey rk && pub instanceof RSAKey rp) {
            return rk.getModulus().equals(rp.getModulus()) ? null : "the RSA moduli differ";
        }
        String alg = switch (key.getAlgorithm()) {
            case "EC" -> "SHA256withECDSA";
            case "DSA" -> "SHA256withDSA";
            case "EdDSA", "Ed25519", "Ed448" -> key.getAlgorithm();
            default -> null;
        };
        if (alg == null) {
            return null; // an algorithm this check does not know: the handshake will tell
        }
        try {
            byte[] probe = "headroom tls key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            Signature s = Signature.getInstance(alg);
            s.initSign(key);
            s.update(probe);
            byte[] sig = s.sign();
            Signature v = Signature.getInstance(alg);
            v.initVerify(pub);
            v.update(probe);
            return v.verify(sig) ? null : "a signature made with the key does not verify with the certificate's public key";
        } catch (java.security.GeneralSecurityException e) {
            return "the key cannot sign for the certificate (" + e.getMessage() + ")";
        }
    }

    private static boolean isEdDsa(String alg) {
        return alg.equals("EdDSA") || alg.equals("Ed25519") || alg.equals("Ed448");
    }

    private static byte[] bytes(Path p) {
        try {
            return java.nio.file.Files.readAllBytes(p);
        } catch (IOException e) {
            throw new BadTlsFileException(p, "cannot be read (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null || e.getMessage().equals(p.toString()) ? "" : ": " + e.getMessage()) + ")");
        }
    }

    private static String message(RuntimeException e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return e == t || e.getMessage() == null ? m : e.getMessage() + ": " + m;
    }

    private static boolean contains(byte[] bytes, String ascii) {
        return new String(bytes, java.nio.charset.StandardCharsets.ISO_8859_1).contains(ascii);
    }

    private static byte[] longBytes(long v) {
        return java.nio.ByteBuffer.allocate(8).putLong(v).array();
    }

    static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
