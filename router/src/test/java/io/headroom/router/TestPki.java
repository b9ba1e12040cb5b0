package io.headroom.router;

import java.io.FileInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A certificate authority and the client certificates it signs, made with the JDK's keytool, for mTLS tests: the CA's
 * certificate as the PEM bundle {@code router.tls.client-ca} reads, and each client's key and chain as a key store the
 * test's TLS client presents.
 */
final class TestPki {
    private static final String PASS = "changeit";

    /** A CA: its key store (key and self-signed certificate) and its certificate as PEM. */
    record Ca(Path keystore, Path pem, X509Certificate cert) {
    }

    private TestPki() {
    }

    static Ca ca(Path dir, String name) throws Exception {
        Files.createDirectories(dir);
        Path ks = dir.resolve(name + "-ca.p12");
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", "CN=" + name + " client CA", "-ext", "bc:c", "-validity", "2", "-storetype", "PKCS12",
                "-keystore", ks.toString(), "-storepass", PASS, "-keypass", PASS);
        Path pem = dir.resolve(name + "-ca.pem");
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ks.toString(), "-storepass", PASS, "-file", pem.toString());
        return new Ca(ks, pem, (X509Certificate) load(ks).getCertificate("ca"));
    }

    /**
     * A client key store whose key entry {@code client} holds a certificate for {@code dname} signed by {@code ca}.
     *
     * @param san keytool's SAN list ({@code dns:a,uri:spiffe://x}), or null for none
     */
    static KeyStore client(Path dir, Ca ca, String file, String dname, String san) throws Exception {
        Path ks = dir.resolve(file + ".p12");
        Path csr = dir.resolve(file + ".csr");
        Path crt = dir.resolve(file + ".crt");
        keytool("-genkeypair", "-alias", "client", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
                "-dname", dname, "-validity", "2", "-storetype", "PKCS12", "-keystore", ks.toString(), "-storepass", PASS, "-keypass", PASS);
        keytool("-certreq", "-alias", "client", "-keystore", ks.toString(), "-storepass", PASS, "-file", csr.toString());
        List<String> gen = new ArrayList<>(List.of("-gencert", "-rfc", "-alias", "ca", "-keystore", ca.keystore().toString(),
                "-storepass", PASS, "-infile", csr.toString(), "-outfile", crt.toString(), "-validity", "2", "-ext", "eku=clientAuth"));
        if (san != null) {
            gen.addAll(List.of("-ext", "san=" + san));
        }
        keytool(gen.toArray(new String[0]));
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", ca.pem().toString(), "-keystore", ks.toString(), "-storepass", PASS);
        keytool("-importcert", "-noprompt", "-alias", "client", "-file", crt.toString(), "-keystore", ks.toString(), "-storepass", PASS);
        KeyStore loaded = load(ks);
        loaded.deleteEntry("ca"); // present only the key entry
        return loaded;
    }

    static char[] password() {
        return PASS.toCharArray();
    }

    private static KeyStore load(Path p12) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (FileInputStream in = new FileInputStream(p12.toFile())) {
            ks.load(in, PASS.toCharArray());
        }
        return ks;
    }

    private static void keytool(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(proc.getInputStream().readAllBytes());
        assertThat(proc.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(proc.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
    }
}
