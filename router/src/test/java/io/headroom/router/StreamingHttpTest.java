package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** Server-sent events pass through event by event: the client reads the first before the backend sends the second. */
@Timeout(60)
class StreamingHttpTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    @ParameterizedTest
    @ValueSource(strings = {"/sse", "/sse-close"})
    void serverSentEventsReachTheClientOneByOne(String path) throws Exception {
        try (TinyBackend b = new TinyBackend("b1")) {
            String yaml = """
                    router:
                      listen: 127.0.0.1:0
                      pools:
                        api: {backends: [%s]}
                      routes: [{name: api, path-prefix: /, pool: api}]
                    """.formatted(b.address());
            try (Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "t", TelemetrySink.DISCARD,
                    Clock.systemUTC())) {
                r.start();
                CountDownLatch gate = new CountDownLatch(1);
                b.sseGate = gate;
                HttpResponse<java.io.InputStream> res = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + path))
                        .header("Accept", "text/event-stream").timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofInputStream());
                assertThat(res.statusCode()).isEqualTo(200);
                assertThat(res.headers().firstValue("Content-Type")).contains("text/event-stream");
                assertThat(res.headers().firstValue("Content-Length")).isEmpty();
                try (BufferedReader in = new BufferedReader(new InputStreamReader(res.body(), StandardCharsets.UTF_8))) {
                    // the backend holds the second event until the gate opens: buffering would block here
                    assertThat(in.readLine()).isEqualTo("id: 1");
                    assertThat(in.readLine()).isEqualTo("data: one");
                    assertThat(in.readLine()).isEmpty();
                    assertThat(gate.getCount()).isEqualTo(1); // nothing was released yet: the first event came on its own
                    gate.countDown();
                    assertThat(in.readLine()).isEqualTo("id: 2");
                    assertThat(in.readLine()).isEqualTo("data: two");
                    assertThat(in.readLine()).isEmpty();
                    assertThat(in.readLine()).isNull(); // and the stream ends
                }
            }
        }
    }
}
