package io.headroom.autoscaler.provider;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs a configured executable for each decision: the decision's JSON ({@link ScaleRequest#toJson()}) on its
 * stdin, and {@code HEADROOM_POOL}, {@code HEADROOM_DESIRED}, {@code HEADROOM_DECISION_ID} in its environment.
 * Exit code 0 means accepted; stdout may be {@code {"current": N, "ready": M}}. Any other exit code, or a run
 * longer than the timeout (the process is then killed), fails the action with the tail of its stderr.
 * The command inherits this process's environment, which is where its own credentials come from.
 */
public final class CommandProvider extends CapacityProvider {
    private static final int MAX_OUTPUT = 64 * 1024;

    private final CommandConfig config;

    public CommandProvider(String pool, CommandConfig config, InstanceListener listener, Clock clock) {
        super(pool, listener, clock, null, new Capacity(0, 0));
        this.config = Objects.requireNonNull(config, "config");
    }

    @Override
    public String kind() {
        return "command";
    }

    @Override
    protected Optional<Capacity> apply(ScaleRequest request) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(config.command());
        if (config.workingDir() != null) {
            pb.directory(config.workingDir().toFile());
        }
        Map<String, String> env = pb.environment();
        env.put("HEADROOM_POOL", request.pool());
        env.put("HEADROOM_DESIRED", String.valueOf(request.target()));
        env.put("HEADROOM_DECISION_ID", request.decisionId());
        Process p = pb.start();
        Capture out = new Capture(p.getInputStream());
        Capture err = new Capture(p.getErrorStream());
        try {
            try (OutputStream in = p.getOutputStream()) {
                in.write(request.toJson().getBytes(StandardCharsets.UTF_8));
                in.write('\n');
            } catch (IOException e) {
                // the command need not read its stdin
            }
            if (!p.waitFor(config.timeout().toMillis(), TimeUnit.MILLISECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
                throw new IOException(name() + " did not finish within " + config.timeout().toMillis() + " ms and was killed" + tail(err));
            }
            out.join();
            err.join();
            if (p.exitValue() != 0) {
                throw new IOException(name() + " exited with code " + p.exitValue() + tail(err));
            }
            return Capacity.fromJson(out.text());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + name(), e);
        }
    }

    private String name() {
        return "command " + config.command().getFirst();
    }

    private static String tail(Capture err) throws InterruptedException {
        err.thread.join(1_000);
        String s = err.text().strip();
        if (s.isEmpty()) {
            return "";
        }
        return "; stderr: " + (s.length() > 500 ? "..." + s.substring(s.length() - 500) : s);
    }

    /** Reads a stream to the end on a virtual thread, keeping the first {@link #MAX_OUTPUT} bytes. */
    private static final class Capture {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        final Thread thread;

        Capture(InputStream in) {
            thread = Thread.ofVirtual().start(() -> {
                byte[] b = new byte[8192];
                try (in) {
                    int n;
                    while ((n = in.read(b)) >= 0) {
                        synchronized (buf) {
                            if (buf.size() < MAX_OUTPUT) {
                                buf.write(b, 0, Math.min(n, MAX_OUTPUT - buf.size()));
                            }
                        }
                    }
                } catch (IOException e) {
                    if (!"Stream closed".equals(e.getMessage())) {
                        throw new UncheckedIOException(e);
                    }
                }
            });
        }

        void join() throws InterruptedException {
            thread.join(5_000);
        }

        String text() {
            synchronized (buf) {
                return buf.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
