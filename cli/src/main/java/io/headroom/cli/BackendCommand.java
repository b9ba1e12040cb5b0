package io.headroom.cli;

import io.headroom.autoscaler.backend.BackendConfig;
import io.headroom.autoscaler.backend.BackendMain;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "backend", mixinStandardHelpOptions = true,
        description = {"Runs a small built-in HTTP backend that slows down, then rejects with 503, past its capacity.",
                "The local autoscaling provider starts these as real instances; use it to try the router."},
        footer = {"", "Examples:",
                "  headroom backend --port 9001",
                "  headroom backend --port 9002 --capacity 50 --latency 20",
                "", "GET /health answers 200 (503 while draining after SIGTERM); any other path answers 200 \"ok\"."})
final class BackendCommand implements Callable<Integer> {
    @Option(names = "--port", required = true, description = "Port on the host.")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--capacity", defaultValue = "100", description = "Requests per second it serves before rejecting (default: ${DEFAULT-VALUE}).")
    double capacity;

    @Option(names = "--latency", defaultValue = "5", description = "Base latency in milliseconds at low load (default: ${DEFAULT-VALUE}).")
    long latencyMs;

    @Override
    public Integer call() throws Exception {
        BackendConfig base = BackendConfig.of(port, capacity, Duration.ofMillis(latencyMs));
        BackendMain.run(new BackendConfig(host, base.port(), base.capacity(), base.baseLatency(), base.shutdownDelay()));
        return ExitCodes.OK;
    }
}
