package io.headroom.autoscaler.provider;

import com.sun.net.httpserver.HttpExchange;
import io.headroom.ingest.model.ScalingEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against a real HTTP server on 127.0.0.1 that checks the signature and fails the first attempt. */
@Timeout(30)
class WebhookProviderTest {
    private static final Secret SECRET = Secret.of("s3cr3t-for-tests", "test");

    private record Seen(String body, String signature, String idempotencyKey, boolean signatureValid) {
    }

    @RegisterExtension
    final LoopbackServer server = new LoopbackServer("/scale", this::handle);
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final List<ScalingEvent.Action> events = new CopyOnWriteArrayList<>();
    private final AtomicInteger failFirst = new AtomicInteger(1);
    private volatile int status = 200;
    private volatile String answer = "{\"current\": 3, \"ready\": 1}";

    private void handle(HttpExchange ex) throws IOException {
        byte[] body = ex.getRequestBody().readAllBytes();
        String sig = ex.getRequestHeaders().getFirst(WebhookProvider.SIGNATURE_HEADER);
        boolean valid = WebhookProvider.signature(SECRET, body).equals(sig)
                && "POST".equals(ex.getRequestMethod())
                && "application/json".equals(ex.getRequestHeaders().getFirst("Content-Type"));
        seen.add(new Seen(new String(body, StandardCharsets.UTF_8), sig, ex.getRequestHeaders().getFirst("Idempotency-Key"), valid));
        int code = !valid ? 401 : failFirst.getAndDecrement() > 0 ? 503 : status;
        byte[] out = (code == 200 ? answer : "{\"error\": \"nope\"}").getBytes(StandardCharsets.UTF_8);
        ex.sendResponseHeaders(code, out.length);
        ex.getResponseBody().write(out);
        ex.close();
    }

    private WebhookProvider provider(URI url, Secret secret, int attempts) {
        WebhookConfig cfg = new WebhookConfig(url, secret, Duration.ofSeconds(5), attempts, Duration.ofMillis(10), Duration.ofMillis(50));
        return new WebhookProvider("api", cfg, (i, a, r) -> events.add(a), Clock.systemUTC(), new Random(42));
    }

    private URI url() {
        return server.uri("/scale");
    }

    private static ScaleRequest request(String id, int target) {
        return new ScaleRequest(id, "api", target, 1, 1, "forecast 250 req/s", 1_000L);
    }

    @Test
    void signsRetriesWithTheSameKeyAndTakesTheReportedCounts() {
        try (WebhookProvider p = provider(url(), SECRET, 3)) {
            p.scaleTo(request("api-1000-3", 3)).join();

            assertThat(seen).hasSize(2); // 503, then 200
            assertThat(seen).allSatisfy(s -> {
                assertThat(s.signatureValid()).isTrue();
                assertThat(s.signature()).matches("sha256=[0-9a-f]{64}");
                assertThat(s.idempotencyKey()).isEqualTo("api-1000-3");
            });
            assertThat(seen.get(0).body()).isEqualTo(seen.get(1).body())
                    .contains("\"decision_id\":\"api-1000-3\"", "\"pool\":\"api\"", "\"desired\":3", "\"current\":1", "\"ready\":1",
                            "\"reason\":\"forecast 250 req/s\"");
            assertThat(p.current()).isEqualTo(3);
            assertThat(p.ready()).hasSize(1);
            assertThat(p.instances()).extracting(Instance::address).containsOnly("");
            assertThat(events).contains(ScalingEvent.Action.STARTING, ScalingEvent.Action.READY);
        }
    }

    @Test
    void withoutCountsInTheAnswerTheTargetIsTakenAsAccepted() {
        answer = "";
        failFirst.set(0);
        try (WebhookProvider p = provider(url(), SECRET, 1)) {
            p.scaleTo(request("d1", 2)).join();
            assertThat(p.current()).isEqualTo(2);
            assertThat(p.ready()).hasSize(2);
        }
    }

    @Test
    void aWrongSecretIsRefusedAtOnceWithoutRetrying() {
        try (WebhookProvider p = provider(url(), Secret.of("wrong", "test"), 5)) {
            assertThatThrownBy(() -> p.scaleTo(request("d2", 2)).join()).isInstanceOf(CompletionException.class)
                    .hasMessageContaining("HTTP 401").hasMessageContaining("not retried");
            assertThat(seen).hasSize(1);
            assertThat(p.current()).isZero();
        }
    }

    @Test
    void givesUpAfterMaxAttemptsOnServerErrors() {
        failFirst.set(100);
        try (WebhookProvider p = provider(url(), SECRET, 3)) {
            assertThatThrownBy(() -> p.scaleTo(request("d3", 2)).join())
                    .hasMessageContaining("failed 3 attempt(s)").hasMessageContaining("HTTP 503");
            assertThat(seen).hasSize(3).extracting(Seen::idempotencyKey).containsOnly("d3");
        }
    }

    @Test
    void retriesConnectErrorsAndGivesUp() throws IOException {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        try (WebhookProvider p = provider(URI.create("http://127.0.0.1:" + closedPort + "/scale"), SECRET, 2)) {
            assertThatThrownBy(() -> p.scaleTo(request("d4", 2)).join()).hasMessageContaining("failed 2 attempt(s)")
                    .hasMessageContaining("ConnectException");
        }
    }

    @Test
    void backoffDoublesWithinItsCapAndJitter() {
        WebhookConfig cfg = new WebhookConfig(url(), SECRET, Duration.ofSeconds(1), 10, Duration.ofMillis(100), Duration.ofMillis(1000));
        try (WebhookProvider p = new WebhookProvider("api", cfg, null, Clock.systemUTC(), new Random(7))) {
            assertThat(p.backoff(1).toMillis()).isBetween(50L, 100L);
            assertThat(p.backoff(2).toMillis()).isBetween(100L, 200L);
            assertThat(p.backoff(3).toMillis()).isBetween(200L, 400L);
            assertThat(p.backoff(8).toMillis()).isBetween(500L, 1000L);
            assertThat(p.backoff(40).toMillis()).isBetween(500L, 1000L);
        }
    }

    @Test
    void theSecretNeverShowsInToString() {
        assertThat(SECRET.toString()).doesNotContain("s3cr3t").contains("test");
        assertThat(WebhookConfig.of(url(), SECRET).toString()).doesNotContain("s3cr3t");
    }
}
