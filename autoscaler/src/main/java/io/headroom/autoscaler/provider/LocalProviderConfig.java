package io.headroom.autoscaler.provider;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * Settings of a {@link LocalProcessProvider}.
 *
 * @param host         address the instances bind and are reached at
 * @param basePort     first port tried; ports in use are skipped
 * @param capacity     req/s each simulated backend serves (role backend)
 * @param latency      base latency of each simulated backend (role backend)
 * @param drain        how long a scaled-in instance stays up after leaving the pool before anything else: the time for
 *                     the membership plan without it to reach every router or edge
 * @param stopGrace    how long after SIGTERM before the process is killed
 * @param readyTimeout how long a starting instance may take to become ready
 * @param logDir       where each instance's output goes; null: a temporary directory
 * @param javaCommand  the java launcher; null: the one running this JVM
 * @param classpath    classpath of the child; null: this JVM's {@code java.class.path}
 * @param jvmArgs      extra JVM options for the children
 * @param role         what each instance runs: a simulated backend, or a gateway ({@code headroom proxy})
 * @param upstreams    role gateway: the backends ({@code host:port}) each gateway proxies to
 * @param kafka        role gateway: bootstrap servers the gateways publish telemetry to and read control plans from;
 *                     null: none
 * @param drainTimeout role gateway: after {@code drain}, how long to wait at most for the connections it accepted to
 *                     finish before it is stopped
 */
public record LocalProviderConfig(String host, int basePort, double capacity, Duration latency, Duration drain, Duration stopGrace,
                                  Duration readyTimeout, Path logDir, String javaCommand, String classpath, List<String> jvmArgs,
                                  Role role, List<String> upstreams, String kafka, Duration drainTimeout) {

    /** Small, quick-starting JVMs: a simulated backend needs little heap and no C2. */
    public static final List<String> DEFAULT_JVM_ARGS = List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
            "-Xms16m", "-Xmx96m", "-XX:-UsePerfData");
    /** A gateway carries the proxy's traffic: more heap, the full JIT. */
    public static final List<String> GATEWAY_JVM_ARGS = List.of("-Xshare:auto", "-XX:+UseSerialGC", "-Xms32m", "-Xmx256m",
            "-XX:-UsePerfData");

    /** What the instances of a local pool run. */
    public enum Role {
        /** {@code headroom backend}: a simulated service; ready when {@code GET /health} answers 200. */
        BACKEND,
        /**
         * {@code headroom proxy}: an L7 gateway in front of {@code upstreams}, a member of the L4 edge's pool; ready when
         * it accepts connections, drained by waiting for the connections it accepted to finish.
         */
        GATEWAY;

        /** The name as written in YAML. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public LocalProviderConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(latency, "latency");
        Objects.requireNonNull(drain, "drain");
        Objects.requireNonNull(stopGrace, "stopGrace");
        Objects.requireNonNull(readyTimeout, "readyTimeout");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        jvmArgs = List.copyOf(jvmArgs);
        upstreams = List.copyOf(upstreams);
        if (basePort < 1 || basePort > 65_535) {
            throw new IllegalArgumentException("basePort: " + basePort + " (expected: 1..65535)");
        }
        if (!(capacity > 0)) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        if (role == Role.GATEWAY && upstreams.isEmpty()) {
            throw new IllegalArgumentException("upstreams: none (expected: the backends each gateway proxies to, host:port)");
        }
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout: " + drainTimeout + " (expected: >= 0)");
        }
    }

    /** Simulated backends on ports from {@code basePort}. */
    public static LocalProviderConfig of(int basePort, double capacity, Duration latency) {
        return new LocalProviderConfig("127.0.0.1", basePort, capacity, latency, Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(30), null, null, null, DEFAULT_JVM_ARGS, Role.BACKEND, List.of(), null, Duration.ofSeconds(30));
    }

    /** Gateways ({@code headroom proxy}) in front of {@code upstreams}, on ports from {@code basePort}. */
    public static LocalProviderConfig gateways(int basePort, List<String> upstreams) {
        return new LocalProviderConfig("127.0.0.1", basePort, 100, Duration.ZERO, Duration.ofSeconds(2), Duration.ofSeconds(5),
                Duration.ofSeconds(60), null, null, null, GATEWAY_JVM_ARGS, Role.GATEWAY, upstreams, null, Duration.ofSeconds(30));
    }

    public LocalProviderConfig withDrain(Duration d) {
        return new LocalProviderConfig(host, basePort, capacity, latency, d, stopGrace, readyTimeout, logDir, javaCommand, classpath,
                jvmArgs, role, upstreams, kafka, drainTimeout);
    }

    public LocalProviderConfig withDrainTimeout(Duration d) {
        return new LocalProviderConfig(host, basePort, capacity, latency, drain, stopGrace, readyTimeout, logDir, javaCommand, classpath,
                jvmArgs, role, upstreams, kafka, d);
    }

    public LocalProviderConfig withLogDir(Path dir) {
        return new LocalProviderConfig(host, basePort, capacity, latency, drain, stopGrace, readyTimeout, dir, javaCommand, classpath,
                jvmArgs, role, upstreams, kafka, drainTimeout);
    }
}
