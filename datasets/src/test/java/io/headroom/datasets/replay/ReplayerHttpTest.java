package io.headroom.datasets.replay;

import com.sun.net.httpserver.HttpServer;
import io.headroom.datasets.TestFiles;
import io.headroom.datasets.read.AccessLogTrace;
import io.headroom.datasets.read.CountSeriesTrace;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** Real HTTP on 127.0.0.1 against com.sun.net.httpserver. */
@Timeout(60)
class ReplayerHttpTest {
    @TempDir
    Path dir;

    private HttpServer server;
    private ExecutorService serverThreads;
    private final Queue<String> received = new ConcurrentLinkedQueue<>();

    private URI start(long delayMillis) throws Exception {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 512);
        serverThreads = Executors.newVirtualThreadPerTaskExecutor();
        server.setExecutor(serverThreads);
        server.createContext("/", ex -> {
            received.add(ex.getRequestMethod() + " " + ex.getRequestURI().getRawPath());
            try {
                Thread.sleep(delayMillis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int status = ex.getRequestURI().getPath().startsWith("/missing") ? 404 : 200;
            ex.sendResponseHeaders(status, -1);
            ex.close();
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.stop(0);
            serverThreads.close();
        }
    }

    @Test
    void replaysAnAccessLogWithItsOwnPaths() throws Exception {
        URI base = start(0);
        DateTimeFormatter f = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH);
        OffsetDateTime t0 = OffsetDateTime.of(1995, 7, 13, 9, 0, 0, 0, ZoneOffset.ofHours(-4));
        StringBuilder sb = new StringBuilder();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            String method = i % 10 == 0 ? "POST" : "GET";
            String path = i % 50 == 7 ? "/missing/" + i : "/shuttle/page" + i + ".html";
            sb.append("h").append(i).append(" - - [").append(f.format(t0.plusSeconds(i))).append("] \"")
                    .append(method).append(' ').append(path).append(" HTTP/1.0\" 200 10\n");
            expected.add(method + " " + path);
        }
        Path p = TestFiles.write(dir, "access.log.gz", sb.toString());
        List<ReplayProgress> progress = new ArrayList<>();
        ReplayResult r = Replayer.builder().target(base).speedup(1000).maxInFlight(256)
                .progressInterval(Duration.ofMillis(20)).listener(progress::add)
                .build().run(AccessLogTrace.of(p));

        assertThat(received).containsExactlyInAnyOrderElementsOf(expected);
        assertThat(r.sent()).isEqualTo(200);
        assertThat(r.completed()).isEqualTo(200);
        assertThat(r.skipped()).isZero();
        assertThat(r.errors()).isZero();
        assertThat(r.status(4)).isEqualTo(4);
        assertThat(r.status(2)).isEqualTo(196);
        assertThat(r.corrected().count()).isEqualTo(200);
        assertThat(r.correctedHistogram().getTotalCount()).isEqualTo(200);
        assertThat(r.uncorrected().count()).isEqualTo(200);
        assertThat(r.corrected().max()).isGreaterThanOrEqualTo(r.uncorrected().p50());
        assertThat(r.scheduleSpan()).isEqualTo(Duration.ofMillis(199));
        assertThat(r.toJson()).contains("\"sent\":200", "\"4xx\":4", "\"synthetic\":false", "\"corrected\":{\"count\":200");
        assertThat(progress).isNotEmpty();
        assertThat(progress.get(progress.size() - 1).render(20)).contains("100.0%", "sent 200");
    }

    @Test
    void slowServerAndInFlightCapReportFallingBehind() throws Exception {
        URI base = start(300);
        Path p = TestFiles.write(dir, "c.txt", "100");
        ReplayResult r = Replayer.builder().target(base).speedup(10).maxInFlight(4).seed(5)
                .requestTimeout(Duration.ofSeconds(5))
                .build().run(CountSeriesTrace.perSecond(p, Instant.parse("2024-01-01T00:00:00Z")));
        assertThat(r.scheduled()).isEqualTo(100);
        assertThat(r.sent() + r.skipped()).isEqualTo(100);
        assertThat(r.skipped()).isPositive();
        assertThat(r.fellBehind()).isTrue();
        assertThat(r.completed()).isEqualTo(r.sent());
        assertThat(received).hasSize((int) r.sent());
        assertThat(r.corrected().count()).isEqualTo(r.sent());
        assertThat(r.toJson()).contains("\"fellBehind\":true");
    }
}
