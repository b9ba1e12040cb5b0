package io.headroom.autoscaler.provider;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Starts one instance of a local pool listening on a given address. The {@link LocalProcessProvider} owns everything
 * else: picking the port, readiness, the pool membership, the drain and the stop. {@link ProcessLauncher} starts real
 * OS processes (a {@code headroom backend} or a {@code headroom proxy}); tests and embedders may start in-process
 * servers instead.
 */
@FunctionalInterface
public interface InstanceLauncher {

    /**
     * Starts an instance that listens on {@code host:port}.
     *
     * @param log where the instance's output goes (a launcher that has none may ignore it)
     * @throws IOException when it cannot be started at all
     */
    Running launch(String host, int port, Path log) throws IOException;

    /** One started instance. */
    interface Running {
        /** A short id for events, e.g. the process id. */
        String id();

        boolean isAlive();

        /** Completes with the exit code when the instance ends, however it ends. */
        CompletableFuture<Integer> onExit();

        /**
         * Asks the instance to stop gracefully (SIGTERM), forces it after {@code grace}, and waits for it to end.
         *
         * @return the exit code, or -1 when unknown
         */
        int stop(Duration grace);
    }
}
