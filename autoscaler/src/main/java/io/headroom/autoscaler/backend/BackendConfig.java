package io.headroom.autoscaler.backend;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of one {@link SimulatedBackend}.
 *
 * @param host          address to bind, normally {@code 127.0.0.1}
 * @param port          port to bind; 0 picks a free one
 * @param capacity      requests per second served before rejecting (measured over a sliding 1-s window)
 * @param baseLatency   latency of a request on an idle backend
 * @param shutdownDelay how long {@code /health} answers 503 after SIGTERM before the socket closes
 */
public record BackendConfig(String host, int port, double capacity, Duration baseLatency, Duration shutdownDelay) {

    public BackendConfig {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(baseLatency, "baseLatency");
        Objects.requireNonNull(shutdownDelay, "shutdownDelay");
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
        if (!(capacity > 0) || Double.isInfinite(capacity)) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: finite, > 0)");
        }
        if (baseLatency.isNegative() || shutdownDelay.isNegative()) {
            throw new IllegalArgumentException("latency and shutdown delay must not be negative");
        }
    }

    public static BackendConfig of(int port, double capacity, Duration baseLatency) {
        return new BackendConfig("127.0.0.1", port, capacity, baseLatency, Duration.ofMillis(300));
    }

    /**
     * Parses {@code --port N --capacity RPS --latency MS [--host H] [--shutdown-delay MS]}.
     *
     * @throws IllegalArgumentException with a message that names the wrong argument
     */
    public static BackendConfig parseArgs(String... args) {
        String host = "127.0.0.1";
        Integer port = null;
        double capacity = 100;
        long latencyMs = 5;
        long shutdownMs = 300;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value after " + a);
            }
            String v = args[++i];
            try {
                switch (a) {
                    case "--host" -> host = v;
                    case "--port" -> port = Integer.parseInt(v);
                    case "--capacity" -> capacity = Double.parseDouble(v);
                    case "--latency" -> latencyMs = parseMillis(v);
                    case "--shutdown-delay" -> shutdownMs = parseMillis(v);
                    default -> throw new IllegalArgumentException("unknown option " + a
                            + " (expected: --port N --capacity RPS --latency MS [--host H] [--shutdown-delay MS])");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(a + ": '" + v + "' is not a number");
            }
        }
        if (port == null) {
            throw new IllegalArgumentException("--port is required");
        }
        return new BackendConfig(host, port, capacity, Duration.ofMillis(latencyMs), Duration.ofMillis(shutdownMs));
    }

    private static long parseMillis(String v) {
        String s = v.trim();
        if (s.endsWith("ms")) {
            s = s.substring(0, s.length() - 2);
        }
        return Long.parseLong(s);
    }
}
