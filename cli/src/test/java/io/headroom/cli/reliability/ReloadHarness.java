package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the hot-reload tests share: loopback backends that answer their own name, the configuration file they edit
 * (a pool {@code api}, one route, an admin port, room for a pool and a route more), an editor's way of replacing that
 * file, and the HTTP calls to the proxy and the admin API; and {@code headroom run} as a process of its own. The admin
 * API tests use its backends and calls too.
 */
public final class ReloadHarness {
    private ReloadHarness() {
    }

    /** A backend on 127.0.0.1 that answers every request with 200 and {@code name} as its body. */
    public static HttpServer backend(String name) throws IOException {
        HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 256);
        s.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        byte[] body = name.getBytes(StandardCharsets.US_ASCII);
        s.createContext("/", ex -> {
            try (ex) {
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(200, body.length);
                ex.getResponseBody().write(body);
            }
        });
        s.start();
        return s;
    }

    /**
     * The configuration the reload tests start from and edit: pool {@code api} on {@code apiPort} behind the route
     * {@code /}, the embedded broker in {@code kafkaDir}, an admin port; {@code extraPool} and {@code extraRoute} are
     * lines added under {@code pools:} and {@code routes:} (indented four spaces), or empty.
     */
    static String config(String instanceId, Path kafkaDir, int apiPort, String extraPool, String extraRoute) {
        return config(instanceId, kafkaDir, apiPort, extraPool, extraRoute, "{listen: 127.0.0.1:0}");
    }

    /**
     * The same configuration without the extra pool and route, its admin API behind the bearer token in
     * {@code tokenFile}; a test appends further top-level sections.
     */
    public static String adminConfig(String instanceId, Path kafkaDir, int apiPort, Path tokenFile) {
        return config(instanceId, kafkaDir, apiPort, "", "", "{listen: 127.0.0.1:0, token-file: " + tokenFile + "}");
    }

    private static String config(String instanceId, Path kafkaDir, int apiPort, String extraPool, String extraRoute, String admin) {
        return """
                instance-id: %s
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api: {backends: [127.0.0.1:%d]}
                %s
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                %s
                admin: %s
                """.formatted(instanceId, kafkaDir, apiPort, extraPool, extraRoute, admin);
    }

    /** Replaces the file the way editors do: write a temporary file, then rename it over the old one. */
    static void replace(Path file, String text) throws IOException {
        Path t = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(t, text);
        Files.move(t, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    static HttpClient client() {
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    }

    public static HttpResponse<String> get(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(HttpClient http, String url) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * {@code headroom run --config FILE --roles router} as a separate JVM on this test's class path, as an operator runs
     * it: its output is collected (for the failure message) and its router and admin ports are read from its start line.
     */
    static final class RunningRouter implements AutoCloseable {
        private static final Pattern RUNNING =
                Pattern.compile("router on 127\\.0\\.0\\.1:(\\d+).*admin and dashboard on http://127\\.0\\.0\\.1:(\\d+)/");
        private final Process process;
        private final ConcurrentLinkedQueue<String> output = new ConcurrentLinkedQueue<>();
        private final CompletableFuture<int[]> ports = new CompletableFuture<>();

        /** @param prefix what the command line starts with before {@code java} (e.g. {@code env --default-signal=HUP}), or none */
        RunningRouter(Path config, List<String> prefix) throws IOException {
            String java = ProcessHandle.current().info().command().orElse("java");
            List<String> command = new ArrayList<>(prefix);
            command.addAll(List.of(java, "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
                    "io.headroom.cli.Headroom", "run", "--config", config.toString(), "--roles", "router"));
            this.process = new ProcessBuilder(command).redirectErrorStream(true).start();
            Thread.ofVirtual().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        output.add(line);
                        Matcher m = RUNNING.matcher(line);
                        if (m.find()) {
                            ports.complete(new int[]{Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))});
                        }
                    }
                    ports.completeExceptionally(new IllegalStateException("headroom run ended before it was running"));
                } catch (IOException e) {
                    ports.completeExceptionally(e);
                }
            });
        }

        /** The router's and the admin API's ports, once the process says it is running (up to 90 s). */
        int[] ports() throws Exception {
            return ports.get(90, TimeUnit.SECONDS);
        }

        Process process() {
            return process;
        }

        /** What the process printed so far, for a failure message. */
        String output() {
            return "headroom run output:\n" + String.join("\n", List.copyOf(output));
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
