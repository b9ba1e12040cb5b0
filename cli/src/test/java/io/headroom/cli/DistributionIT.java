package io.headroom.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The distribution archive as a user gets it (runs in {@code mvn verify}, after {@code package} built it): unpacked
 * with tar, its launcher finds a Java 21+ on its own (JAVA_HOME removed from the environment) and runs
 * {@code --version}, {@code config check} on the bundled example and {@code --help}.
 */
@Timeout(180)
class DistributionIT {

    @TempDir
    Path tmp;

    record Run(int rc, String out) {
    }

    private Run run(Path home, String... args) throws IOException, InterruptedException {
        List<String> cmd = new java.util.ArrayList<>(List.of(home.resolve("bin/headroom").toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(home.toFile()).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.remove("JAVA_HOME"); // the launcher must find a runtime by itself
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("launcher did not finish: " + cmd);
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void theArchiveUnpacksAndItsLauncherRuns() throws Exception {
        Path archive = Path.of(System.getProperty("headroom.dist.archive", "target/missing.tar.gz"));
        String version = System.getProperty("headroom.dist.version", "?");
        assertThat(archive).as("built by mvn package").exists();
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", tmp.toString()).inheritIO().start();
        assertThat(tar.waitFor()).isZero();
        Path home = tmp.resolve("headroom-" + version);

        assertThat(home.resolve("bin/headroom")).isExecutable();
        assertThat(home.resolve("headroom.example.yaml")).isRegularFile();
        assertThat(home.resolve("README.md")).isRegularFile();
        assertThat(home.resolve("docs/operating.md")).isRegularFile();
        assertThat(home.resolve("deploy/Dockerfile")).isRegularFile();
        try (Stream<Path> lib = Files.list(home.resolve("lib"))) {
            List<String> jars = lib.map(p -> p.getFileName().toString()).toList();
            assertThat(jars).contains("headroom-cli-" + version + ".jar", "headroom-router-" + version + ".jar",
                    "headroom-datasets-" + version + ".jar");
            assertThat(jars).anyMatch(j -> j.startsWith("picocli-")).anyMatch(j -> j.startsWith("kafka-clients-"));
            assertThat(jars).noneMatch(j -> j.startsWith("junit-") || j.startsWith("assertj-"));
        }

        Run v = run(home, "--version");
        assertThat(v.rc()).as(v.out()).isZero();
        assertThat(v.out()).startsWith("headroom " + version + "\n").contains("JVM ");

        Run check = run(home, "config", "check", "headroom.example.yaml");
        assertThat(check.rc()).as(check.out()).isZero();

        Run help = run(home, "--help");
        assertThat(help.rc()).isZero();
        assertThat(help.out()).contains("Examples:");
    }

    /**
     * With tracing export off (the default), serving requests loads no OpenTelemetry class: the exporter stays off the
     * router's hot path. The JVM's class-load log of a real {@code headroom run --roles router} is the witness.
     */
    @Test
    void withoutTracingExportNoOpenTelemetryClassIsLoaded() throws Exception {
        String version = System.getProperty("headroom.dist.version", "?");
        Path archive = Path.of(System.getProperty("headroom.dist.archive", "target/missing.tar.gz"));
        Process tar = new ProcessBuilder("tar", "-xzf", archive.toString(), "-C", tmp.toString()).inheritIO().start();
        assertThat(tar.waitFor()).isZero();
        Path home = tmp.resolve("headroom-" + version);

        com.sun.net.httpserver.HttpServer backend = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress("127.0.0.1", 0), 16);
        backend.createContext("/", ex -> {
            ex.sendResponseHeaders(200, 2);
            ex.getResponseBody().write("ok".getBytes(StandardCharsets.UTF_8));
            ex.close();
        });
        backend.start();
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path config = tmp.resolve("router.yaml");
        Files.writeString(config, """
                instance-id: dist-it
                kafka: {embedded-data-dir: %s, telemetry-partitions: 1}
                router:
                  listen: 127.0.0.1:%d
                  pools:
                    api: {backends: [127.0.0.1:%d]}
                  routes:
                    - {name: api, path-prefix: /, pool: api}
                """.formatted(tmp.resolve("kafka"), port, backend.getAddress().getPort()));
        Path classLog = tmp.resolve("classes.log");
        ProcessBuilder pb = new ProcessBuilder(home.resolve("bin/headroom").toString(), "run", "--config", config.toString(),
                "--roles", "router").redirectErrorStream(true).redirectOutput(tmp.resolve("run.out").toFile());
        pb.environment().put("HEADROOM_JAVA_OPTS", "-Xlog:class+load=info:file=" + classLog);
        Process run = pb.start();
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.http.HttpResponse<String> r = null;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (r == null && System.nanoTime() < deadline) {
                try {
                    r = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/x")).build(),
                            java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (IOException notYet) {
                    assertThat(run.isAlive()).as(Files.readString(tmp.resolve("run.out"))).isTrue();
                    Thread.sleep(200);
                }
            }
            assertThat(r).as("the router answered").isNotNull();
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-trace-id")).hasValueSatisfying(v -> assertThat(v).matches("[0-9a-f]{32}"));
            for (int i = 0; i < 20; i++) {
                http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/y")).build(),
                        java.net.http.HttpResponse.BodyHandlers.discarding());
            }
        } finally {
            run.destroy();
            run.waitFor(30, TimeUnit.SECONDS);
            backend.stop(0);
        }
        String classes = Files.readString(classLog);
        assertThat(classes).contains("io.headroom.router.proxy.ProxyHandler");
        // Kafka's client carries its own shaded copy (org.apache.kafka.shaded.io.opentelemetry...): not ours.
        assertThat(classes).doesNotContainPattern("\\] io\\.opentelemetry\\.").doesNotContain("io.headroom.cli.otel");
    }
}
