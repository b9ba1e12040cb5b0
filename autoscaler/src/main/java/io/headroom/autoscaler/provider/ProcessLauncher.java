package io.headroom.autoscaler.provider;

import io.headroom.autoscaler.backend.BackendMain;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;

/**
 * Starts each instance as an OS process with the same java launcher and classpath as this JVM (unless configured),
 * output appended to its log file:
 * <ul>
 *   <li>role {@code backend}: {@link BackendMain} {@code --host H --port P --capacity C --latency MS};</li>
 *   <li>role {@code gateway}: the CLI's {@code proxy} command, {@value #CLI_MAIN} {@code proxy --listen H:P --upstreams
 *       U1,U2 [--kafka K]}. The CLI's classes must be on the classpath, as they are in {@code headroom run}.</li>
 * </ul>
 * A stop is SIGTERM, then SIGKILL after the grace.
 */
public final class ProcessLauncher implements InstanceLauncher {
    /** The CLI's entry point, which runs {@code headroom proxy} for role gateway. */
    public static final String CLI_MAIN = "io.headroom.cli.Headroom";
    private static final Logger LOG = Logger.getLogger(ProcessLauncher.class.getName());

    private final LocalProviderConfig config;

    public ProcessLauncher(LocalProviderConfig config) {
        this.config = Objects.requireNonNull(config, "config");
    }

    /** The command line of the instance on {@code host:port}. */
    public List<String> command(String host, int port) {
        String java = config.javaCommand() != null ? config.javaCommand()
                : ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = config.classpath() != null ? config.classpath() : System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(config.jvmArgs());
        cmd.add("-cp");
        cmd.add(cp);
        switch (config.role()) {
            case BACKEND -> {
                cmd.add(BackendMain.class.getName());
                cmd.addAll(List.of("--host", host, "--port", String.valueOf(port), "--capacity", String.valueOf(config.capacity()),
                        "--latency", String.valueOf(config.latency().toMillis())));
            }
            case GATEWAY -> {
                cmd.add(CLI_MAIN);
                cmd.addAll(List.of("proxy", "--listen", host + ":" + port, "--upstreams", String.join(",", config.upstreams())));
                if (config.kafka() != null) {
                    cmd.addAll(List.of("--kafka", config.kafka()));
                }
            }
        }
        return cmd;
    }

    @Override
    public Running launch(String host, int port, Path log) throws IOException {
        Process p = new ProcessBuilder(command(host, port)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()))
                .start();
        return new OsProcess(p);
    }

    private static File nullDevice() {
        return new File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    /** A started OS process. */
    private static final class OsProcess implements Running {
        private final Process process;
        private final CompletableFuture<Integer> exit;

        OsProcess(Process process) {
            this.process = process;
            this.exit = process.onExit().thenApply(Process::exitValue);
        }

        @Override
        public String id() {
            return String.valueOf(process.pid());
        }

        @Override
        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public CompletableFuture<Integer> onExit() {
            return exit;
        }

        @Override
        public int stop(Duration grace) {
            if (!process.isAlive()) {
                return process.exitValue();
            }
            process.destroy();
            try {
                if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                    LOG.warning("instance " + process.pid() + " ignored SIGTERM for " + grace.toMillis() + " ms; killing it");
                    process.destroyForcibly();
                    process.waitFor(5, TimeUnit.SECONDS);
                }
                return process.isAlive() ? -1 : process.exitValue();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
                return -1;
            }
        }
    }
}
