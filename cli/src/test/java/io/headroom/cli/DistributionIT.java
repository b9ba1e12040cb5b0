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
}
