package io.headroom.autoscaler.provider;

import io.headroom.ingest.model.ScalingEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@Timeout(value = 90, unit = TimeUnit.SECONDS)
class LocalProcessProviderTest {

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Test
    void startsARealBackendProcessSeesItReadyThenDrainsAndStopsIt(@TempDir Path logs) throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        // Occupy the base port so the provider must skip it.
        try (ServerSocket busy = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            int base = busy.getLocalPort();
            LocalProviderConfig cfg = LocalProviderConfig.of(base, 50, Duration.ofMillis(1)).withDrain(Duration.ofMillis(200))
                    .withLogDir(logs);
            try (LocalProcessProvider p = new LocalProcessProvider("api", cfg,
                    (i, action, reason) -> seen.add(action + " " + i.address()), Clock.systemUTC());
                 HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
                Instance ready = p.startOne().get(60, TimeUnit.SECONDS);
                assertThat(ready.state()).isEqualTo(Instance.State.READY);
                assertThat(ready.address()).isNotEqualTo("127.0.0.1:" + base);
                int port = Integer.parseInt(ready.address().substring(ready.address().indexOf(':') + 1));
                assertThat(port).isGreaterThan(base);
                assertThat(p.current()).isEqualTo(1);
                assertThat(p.ready()).extracting(Instance::address).containsExactly(ready.address());
                ProcessHandle child = ProcessHandle.of(Long.parseLong(ready.id())).orElseThrow();
                assertThat(child.isAlive()).isTrue();

                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://" + ready.address() + "/anything"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).isEqualTo(200);

                var stopped = p.drainOne().orElseThrow();
                assertThat(p.ready()).isEmpty(); // out of membership before it stops
                assertThat(p.current()).isZero();
                Instance gone = stopped.get(30, TimeUnit.SECONDS);
                assertThat(gone.state()).isEqualTo(Instance.State.STOPPED);
                await().atMost(Duration.ofSeconds(10)).until(() -> !child.isAlive());
                assertThat(p.instances()).isEmpty();
                assertThat(p.drainOne()).isEmpty();
                assertThat(seen).containsExactly("STARTING " + ready.address(), "READY " + ready.address(),
                        "DRAINING " + ready.address(), "STOPPED " + ready.address());
                try (var files = Files.list(logs)) {
                    Path log = files.filter(f -> f.getFileName().toString().startsWith("api-" + port)).findFirst().orElseThrow();
                    assertThat(Files.readString(log)).contains("backend listening on 127.0.0.1:" + port);
                }
            }
        }
    }

    @Test
    void closeDestroysEveryChildAndScaleInPicksTheNewest(@TempDir Path logs) throws Exception {
        int base = freePort();
        LocalProviderConfig cfg = LocalProviderConfig.of(base, 50, Duration.ZERO).withDrain(Duration.ZERO).withLogDir(logs);
        List<ProcessHandle> handles;
        List<ScalingEvent.Action> actions = new CopyOnWriteArrayList<>();
        try (LocalProcessProvider p = new LocalProcessProvider("web", cfg, (i, a, r) -> actions.add(a), Clock.systemUTC())) {
            var a = p.startOne();
            var b = p.startOne();
            Instance first = a.get(60, TimeUnit.SECONDS);
            Instance second = b.get(60, TimeUnit.SECONDS);
            assertThat(first.address()).isNotEqualTo(second.address());
            assertThat(p.ready()).hasSize(2);
            handles = List.of(ProcessHandle.of(Long.parseLong(first.id())).orElseThrow(),
                    ProcessHandle.of(Long.parseLong(second.id())).orElseThrow());
            // the newest (highest sequence) goes first
            Instance newest = second.sequence() > first.sequence() ? second : first;
            var drained = p.drainOne().orElseThrow();
            assertThat(drained.get(30, TimeUnit.SECONDS).address()).isEqualTo(newest.address());
        }
        // close() sent SIGTERM (then kill) to the remaining child
        for (ProcessHandle h : handles) {
            await().atMost(Duration.ofSeconds(10)).until(() -> !h.isAlive());
        }
        assertThat(actions).doesNotContain(ScalingEvent.Action.FAILED);
    }
}
