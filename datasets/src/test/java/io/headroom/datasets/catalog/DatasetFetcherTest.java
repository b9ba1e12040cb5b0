package io.headroom.datasets.catalog;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@Timeout(30)
class DatasetFetcherTest {
    private static final byte[] BODY = "period,count\n1998-04-30 21:30:00,7\n".repeat(5_000).getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;
    private HttpServer server;
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();
    private final AtomicInteger requests = new AtomicInteger();
    private final DatasetFetcher fetcher = new DatasetFetcher(
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), Duration.ofSeconds(10));

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            requests.incrementAndGet();
            byte[] b = files.get(ex.getRequestURI().getPath());
            ex.sendResponseHeaders(b == null ? 404 : 200, b == null ? -1 : b.length);
            try (OutputStream out = ex.getResponseBody()) {
                if (b != null) {
                    out.write(b);
                }
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private DatasetFile file(String path, byte[] expected) throws Exception {
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(expected));
        return new DatasetFile("wc/" + path.substring(1) + ".gz", 1, sha, expected.length, sha,
                URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path), "");
    }

    @Test
    void downloadsVerifiesAndKeepsAVerifiedCopy() throws Exception {
        files.put("/wc.csv", BODY);
        DatasetFile f = file("/wc.csv", BODY);
        DatasetFetcher.Result r = fetcher.fetch(f, dir.resolve("out"));
        assertThat(r.alreadyPresent()).isFalse();
        assertThat(r.path()).isEqualTo(dir.resolve("out/wc.csv"));
        assertThat(Files.readAllBytes(r.path())).isEqualTo(BODY);
        assertThat(DatasetCatalog.sha256(r.path())).isEqualTo(f.contentSha256());
        DatasetFetcher.Result again = fetcher.fetch(f, dir.resolve("out"));
        assertThat(again.alreadyPresent()).isTrue();
        assertThat(requests).hasValue(1);
    }

    @Test
    void checksumMismatchDeletesThePartialFile() throws Exception {
        byte[] tampered = BODY.clone();
        tampered[tampered.length / 2] ^= 1;
        files.put("/wc.csv", tampered);
        DatasetFile f = file("/wc.csv", BODY);
        assertThatThrownBy(() -> fetcher.fetch(f, dir))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo(FetchException.Reason.CHECKSUM))
                .hasMessageContaining("expected " + BODY.length + " bytes with sha256 " + f.contentSha256(), "deleted the download");
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void aLongerBodyStopsAtTheExpectedSizeAndAnHttpErrorSaysSo() throws Exception {
        byte[] longer = (new String(BODY, StandardCharsets.UTF_8) + "x").getBytes(StandardCharsets.UTF_8);
        files.put("/long.csv", longer);
        assertThatThrownBy(() -> fetcher.fetch(file("/long.csv", BODY), dir))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo(FetchException.Reason.SIZE));
        assertThatThrownBy(() -> fetcher.fetch(file("/gone.csv", BODY), dir))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo(FetchException.Reason.HTTP_STATUS))
                .hasMessageContaining("answered HTTP 404");
        try (var left = Files.list(dir)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void unreachableHostFailsFastWithWhatToDo() throws Exception {
        int closed;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closed = s.getLocalPort();
        }
        DatasetFile refused = new DatasetFile("wc/x.csv.gz", 1, "0".repeat(64), 1, "0".repeat(64),
                URI.create("http://127.0.0.1:" + closed + "/x.csv"), "");
        assertThatThrownBy(() -> fetcher.fetch(refused, dir))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo(FetchException.Reason.UNREACHABLE))
                .hasMessageContaining("cannot reach 127.0.0.1", "put it in " + dir, "HEADROOM_DATASETS");
        DatasetFile unknownHost = new DatasetFile("wc/x.csv.gz", 1, "0".repeat(64), 1, "0".repeat(64),
                URI.create("http://no-such-host.invalid/x.csv"), "");
        assertThatThrownBy(() -> fetcher.fetch(unknownHost, dir))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo(FetchException.Reason.UNREACHABLE));
        DatasetFile derived = DatasetCatalog.find("nasa").files().get(1);
        assertThatThrownBy(() -> fetcher.fetch(derived, dir))
                .isInstanceOfSatisfying(FetchException.class, e -> assertThat(e.reason()).isEqualTo(FetchException.Reason.NO_SOURCE))
                .hasMessageContaining("derived");
    }
}
