package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/2 from clients, proxied to HTTP/1.1 backends: h2c by upgrade (the JDK client's way) and with prior knowledge
 * (raw frames), and h2 over TLS chosen by ALPN, with a self-signed certificate made by the JDK's keytool.
 */
@Timeout(120)
class Http2HttpTest {
    @TempDir
    static Path dir;
    static Path certPem;
    static Path keyPem;
    static SSLContext trusting;

    private TinyBackend backend;
    private Router router;

    @BeforeAll
    static void selfSignedCertificate() throws Exception {
        SelfSignedCert c = SelfSignedCert.generate(dir);
        certPem = c.certPem();
        keyPem = c.keyPem();
        KeyStore trust = c.trust();
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        trusting = SSLContext.getInstance("TLS");
        trusting.init(null, tmf.getTrustManagers(), null);
    }

    private int start(boolean tls) throws Exception {
        backend = new TinyBackend("b");
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  max-request-body: 64KB
                  %s
                  pools:
                    api: {backends: [%s]}
                  routes: [{name: api, path-prefix: /, pool: api}]
                """.formatted(tls ? "tls: {certificate: " + certPem + ", key: " + keyPem + "}" : "", backend.address());
        router = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "t", TelemetrySink.DISCARD, Clock.systemUTC());
        return router.start();
    }

    @AfterEach
    void stop() throws Exception {
        if (router != null) {
            router.close();
        }
        if (backend != null) {
            backend.close();
        }
    }

    private static HttpRequest.Builder get(String base, String path) {
        return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
    }

    /** The same checks over either transport: answers arrive over HTTP/2, backends see HTTP/1.1 with forwarding. */
    private void proxiesOverHttp2(HttpClient http, String base, String proto) throws Exception {
        HttpResponse<String> who = http.send(get(base, "/who").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(who.statusCode()).isEqualTo(200);
        assertThat(who.body()).isEqualTo("b");
        assertThat(who.version()).isEqualTo(HttpClient.Version.HTTP_2);

        HttpResponse<String> head = http.send(get(base, "/headers?x=1").header("X-Custom", "v").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(head.version()).isEqualTo(HttpClient.Version.HTTP_2);
        String seen = head.body().replace("\r\n", "\n"); // the request head the backend received
        assertThat(seen).startsWith("GET /headers?x=1 HTTP/1.1\n");
        assertThat(seen.toLowerCase()).contains("\nhost: 127.0.0.1:").contains("\nx-custom: v\n")
                .contains("\nx-forwarded-proto: " + proto + "\n").contains("\nx-forwarded-for: 127.0.0.1\n");
        assertThat(seen.toLowerCase()).doesNotContain(":authority").doesNotContain("http2-settings");

        HttpResponse<String> echo = http.send(get(base, "/echo").POST(HttpRequest.BodyPublishers.ofString("hello h2")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(echo.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(echo.body()).isEqualTo("hello h2");

        HttpResponse<byte[]> big = http.send(get(base, "/big?n=300000").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(big.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(big.body()).hasSize(300_000);
        for (int i = 0; i < big.body().length; i++) {
            if ((big.body()[i] & 0xff) != i % 251) {
                throw new AssertionError("byte " + i + " differs");
            }
        }

        // many streams at once on the one connection
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            all.add(http.sendAsync(get(base, "/who").build(), HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("b");
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        }
        // the body limit holds over HTTP/2 too
        HttpResponse<String> tooBig = http.send(get(base, "/echo").POST(HttpRequest.BodyPublishers.ofString("x".repeat(100_000))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooBig.statusCode()).isEqualTo(413);
        // answers of the router itself too
        HttpResponse<String> bad = http.send(get(base, "/a%2Fb").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.version()).isEqualTo(HttpClient.Version.HTTP_2);
    }

    @Test
    void h2cByUpgradeFromTheJdkClient() throws Exception {
        int port = start(false);
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build()) {
            proxiesOverHttp2(http, "http://127.0.0.1:" + port, "http");
        }
        // HTTP/1.1 clients are served as before
        try (HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            HttpResponse<String> r = http1.send(get("http://127.0.0.1:" + port, "/who").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.body()).isEqualTo("b");
        }
    }

    @Test
    void h2OverTlsChosenByAlpn() throws Exception {
        int port = start(true);
        try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trusting).build()) {
            proxiesOverHttp2(http, "https://127.0.0.1:" + port, "https");
        }
        try (HttpClient http1 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trusting).build()) {
            HttpResponse<String> r = http1.send(get("https://127.0.0.1:" + port, "/who").build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(r.body()).isEqualTo("b");
        }
    }

    /** h2c with prior knowledge (RFC 9113 §3.3): the connection preface, then frames, with no HTTP/1.1 upgrade. */
    @Test
    void h2cWithPriorKnowledge() throws Exception {
        int port = start(false);
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(20_000);
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            frame(out, 0x4, 0, 0, new byte[0]); // SETTINGS, all defaults
            ByteArrayOutputStream block = new ByteArrayOutputStream();
            block.write(0x82); // :method GET (static table 2)
            block.write(0x86); // :scheme http (6)
            literal(block, 4, "/who"); // :path, name from static table 4, literal value without indexing
            literal(block, 1, "127.0.0.1:" + port); // :authority (1)
            frame(out, 0x1, 0x5, 1, block.toByteArray()); // HEADERS, END_STREAM | END_HEADERS, stream 1
            out.flush();

            DataInputStream in = new DataInputStream(s.getInputStream());
            byte[] headers = null;
            ByteArrayOutputStream data = new ByteArrayOutputStream();
            boolean ended = false;
            while (!ended) {
                int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                int stream = in.readInt() & 0x7fffffff;
                byte[] payload = in.readNBytes(length);
                if (type == 0x4 && (flags & 0x1) == 0) {
                    frame(out, 0x4, 0x1, 0, new byte[0]); // ACK the server's SETTINGS
                    out.flush();
                }
                assertThat(type).as("no GOAWAY or RST_STREAM").isNotIn(0x3, 0x7);
                if (stream == 1 && type == 0x1) {
                    headers = payload;
                }
                if (stream == 1 && type == 0x0) {
                    data.write(payload);
                }
                ended = stream == 1 && (type == 0x0 || type == 0x1) && (flags & 0x1) != 0;
            }
            assertThat(headers).isNotNull();
            assertThat(headers[0] & 0xff).as(":status 200, indexed (static table 8)").isEqualTo(0x88);
            assertThat(data.toString(StandardCharsets.ISO_8859_1)).isEqualTo("b");
        }
    }

    private static void literal(ByteArrayOutputStream block, int nameIndex, String value) {
        block.write(nameIndex); // 0000xxxx: literal header field without indexing, indexed name
        byte[] v = value.getBytes(StandardCharsets.ISO_8859_1);
        block.write(v.length); // no Huffman, length < 127
        block.write(v, 0, v.length);
    }

    private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(new byte[]{(byte) (payload.length >>> 16), (byte) (payload.length >>> 8), (byte) payload.length, (byte) type,
                (byte) flags, (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream});
        out.write(payload);
    }
}
