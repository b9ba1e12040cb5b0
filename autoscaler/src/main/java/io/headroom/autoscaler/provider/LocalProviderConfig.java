package io.headroom.autoscaler.provider;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link LocalProcessProvider}.
 *
 * @param host         address the backends bind and are reached at
 * @param basePort     first port tried; ports in use are skipped
 * @param capacity     req/s each simulated backend serves
 * @param latency      base latency of each backend
 * @param drain        how long a scaled-in instance stays up after leaving the pool
 * @param stopGrace    how long after SIGTERM before the process is killed
 * @param readyTimeout how long a starting instance may take to pass its health check
 * @param logDir       where each instance's output goes; null: a temporary directory
 * @param javaCommand  the java launcher; null: the one running this JVM
 * @param classpath    classpath of the child; null: this JVM's {@code java.class.path}
 * @param jvmArgs      extra JVM options for the children
 */
public record LocalProviderConfig(String host, int basePort, double capacity, Duration latency, Duration drain, Duration stopGrace,
                                  Duration readyTimeout, Path logDir, String javaCommand, String classpath, List<String> jvmArgs) {

    /** Small, quick-starting JVMs: a simulated backend needs little heap and no C2. */
    public static final List<String> DEFAULT_JVM_ARGS = List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xms16m", "-Xmx96m", "-XX:-UsePerfData");

    public LocalProviderConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(stopGrace, "stopGrace");
        Objects.requireNonNull(readyTimeout, "readyTimeout");
        jvmArgs = List.copyOf(jvmArgs);
        if (basePort < 1 || basePort > 65_535) {
            throw new IllegalArgumentException("basePort: " + basePort + " (expected: 1..65535)");
        }
        if (!(capacity > 0)) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
    }

    public static LocalProviderConfig of(int basePort, double capacity, Duration latency) {
        return new LocalProviderConfig("127.0.0.1", basePort, capacity, latency, Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(30), null, null, null, DEFAULT_JVM_ARGS);
    }

    public LocalProviderConfig withDrain(Duration d) {
        return new LocalProviderConfig(host, basePort, capacity, latency, d, stopGrace, readyTimeout, logDir, javaCommand, classpath,
                jvmArgs);
    }

    public LocalProviderConfig withLogDir(Path dir) {
        return new LocalProviderConfig(host, basePort, capacity, latency, drain, stopGrace, readyTimeout, dir, javaCommand, classpath,
                jvmArgs);
    }
}
