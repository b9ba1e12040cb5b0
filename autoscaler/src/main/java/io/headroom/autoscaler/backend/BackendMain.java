package io.headroom.autoscaler.backend;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;

/**
 * Runs one {@link SimulatedBackend} as a process:
 * {@code java -cp CLASSPATH io.headroom.autoscaler.backend.BackendMain --port N --capacity RPS --latency MS [--host H]}.
 * Prints {@code backend listening on HOST:PORT} when ready; on SIGTERM answers 503 on {@code /health} for the
 * shutdown delay, then closes and exits 0.
 */
public final class BackendMain {
    private BackendMain() {
    }

    public static void main(String[] args) {
        BackendConfig config;
        try {
            config = BackendConfig.parseArgs(args);
        } catch (IllegalArgumentException e) {
            System.err.println("backend: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            run(config);
        } catch (IOException e) {
            System.err.println("backend: cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Starts the backend, prints the ready line, and blocks until the JVM shuts down (SIGTERM, SIGINT).
     * The CLI's {@code headroom backend} can call this directly.
     */
    public static void run(BackendConfig config) throws IOException {
        SimulatedBackend backend = SimulatedBackend.start(config);
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            backend.drainAndClose();
            done.countDown();
        }, "backend-shutdown"));
        System.out.println("backend listening on " + backend.address());
        System.out.flush();
        try {
            done.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            backend.close();
        }
    }
}
