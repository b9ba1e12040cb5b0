package io.headroom.cli.admin;

import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The L4 edge's connections, bytes and members in /metrics and /api/state, through a real edge and a real echo member. */
@Timeout(120)
class EdgeAdminTest {

    @TempDir
    Path tmp;

    @Test
    void edgeConnectionsBytesAndMembersAreExposed() throws Exception {
        ServerSocket echo = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!echo.isClosed()) {
                try {
                    Socket s = echo.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (Exception ignored) {
                            // client went away
                        }
                    });
                } catch (Exception e) {
                    return;
                }
            }
        });
        String yaml = """
                instance-id: edge-admin-test
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                edge:
                  listen: 127.0.0.1:0
                  pool: gateways
                  members: [127.0.0.1:%d]
                """.formatted(tmp.resolve("kafka"), echo.getLocalPort());
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse("edge-admin.yaml", yaml));
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), tmp.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), AdminConfig.loopback(0))) {
            String base = "http://127.0.0.1:" + admin.port();
            byte[] hello = "hello edge\n".getBytes(StandardCharsets.US_ASCII);
            // Two connections relayed and closed, one held open.
            for (int i = 0; i < 2; i++) {
                try (Socket c = new Socket("127.0.0.1", stack.edge().port())) {
                    c.getOutputStream().write(hello);
                    assertThat(c.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
                }
            }
            try (Socket held = new Socket("127.0.0.1", stack.edge().port())) {
                held.getOutputStream().write(hello);
                assertThat(held.getInputStream().readNBytes(hello.length)).isEqualTo(hello);
                String member = "127.0.0.1:" + echo.getLocalPort();

                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    String m = get(http, base + "/metrics");
                    assertThat(m).containsPattern("(?m)^headroom_edge_connections_active\\{pool=\"gateways\"} 1\\.0$");
                    assertThat(m).containsPattern("(?m)^headroom_edge_connections_accepted_total\\{pool=\"gateways\"} 3\\.0$");
                    assertThat(m).containsPattern("(?m)^headroom_edge_bytes_total\\{direction=\"up\",pool=\"gateways\"} 33\\.0$");
                    assertThat(m).containsPattern("(?m)^headroom_edge_bytes_total\\{direction=\"down\",pool=\"gateways\"} 33\\.0$");
                    assertThat(m).contains("headroom_edge_connections_refused_total{pool=\"gateways\"} 0.0");
                    assertThat(m).contains("headroom_edge_member_up{member=\"" + member + "\",pool=\"gateways\"} 1.0");
                    assertThat(m).contains("headroom_edge_member_connections_active{member=\"" + member + "\",pool=\"gateways\",state=\"up\"} 1.0");
                    assertThat(m).contains("headroom_edge_member_connections_opened{member=\"" + member + "\",pool=\"gateways\"} 3.0");
                });
                String state = get(http, base + "/api/state");
                assertThat(state).contains("\"edge\":true").contains("\"edge\":{\"pool\":\"gateways\"")
                        .contains("\"connections_active\":1").contains("\"connections_accepted\":3")
                        .contains("\"bytes_up\":33").contains("\"bytes_down\":33")
                        .contains("{\"address\":\"" + member + "\",\"state\":\"up\",\"in_pool\":true,\"down\":false,\"active\":1,\"connections\":3");
            }
        } finally {
            echo.close();
        }
    }

    private static String get(HttpClient http, String url) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
