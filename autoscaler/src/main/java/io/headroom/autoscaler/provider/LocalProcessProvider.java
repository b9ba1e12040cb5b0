package io.headroom.autoscaler.provider;

import io.headroom.autoscaler.backend.BackendMain;
import io.headroom.ingest.model.ScalingEvent;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs each instance as a real OS process of {@link BackendMain} on this machine: the same java launcher and
 * classpath as this JVM, one port each counting up from the base port (ports in use are skipped), output to a
 * log file per instance. An instance is ready when {@code GET /health} answers 200. Scale-in takes the newest
 * instance out of the pool first, waits the drain period, sends SIGTERM and kills it after the stop grace.
 * Every child is destroyed on {@link #close()} and at JVM shutdown.
 */
public final class LocalProcessProvider implements Provider {
    private static final Logger LOG = Logger.getLogger(LocalProcessProvider.class.getName());
    private static final int PORT_SPAN = 1000;
    private static final Duration POLL = Duration.ofMillis(100);

    private final String pool;
    private final LocalProviderConfig config;
    private final InstanceListener listener;
    private final Clock clock;
    private final Path logDir;
    private final HttpClient http;
    private final Thread shutdownHook;
    private final AtomicLong sequence = new AtomicLong();
    private final List<Child> children = new ArrayList<>(); // guarded by this
    private volatile boolean closed;

    /** One child process and its mutable state. */
    private final class Child {
        final long seq;
        final int port;
        final long startedAt;
        final Path log;
        volatile Process process;
        volatile Instance.State state = Instance.State.STARTING;
        final CompletableFuture<Instance> ready = new CompletableFuture<>();

        Child(long seq, int port, long startedAt, Path log) {
            this.seq = seq;
            this.port = port;
            this.startedAt = startedAt;
            this.log = log;
        }

        String address() {
            return config.host() + ":" + port;
        }

        Instance snapshot() {
            Process p = process;
            return new Instance(p == null ? "port-" + port : String.valueOf(p.pid()), address(), state, seq, startedAt);
        }
    }

    public LocalProcessProvider(String pool, LocalProviderConfig config, InstanceListener listener, Clock clock) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.config = Objects.requireNonNull(config, "config");
        this.listener = listener == null ? InstanceListener.NONE : listener;
        this.clock = Objects.requireNonNull(clock, "clock");
        try {
            this.logDir = config.logDir() != null ? Files.createDirectories(config.logDir())
                    : Files.createTempDirectory("headroom-" + pool + "-");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the instance log directory: " + e.getMessage(), e);
        }
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).version(HttpClient.Version.HTTP_1_1).build();
        this.shutdownHook = new Thread(this::destroyAll, "headroom-local-provider-" + pool + "-shutdown");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    @Override
    public String kind() {
        return "local";
    }

    /** Where instance logs are written. */
    public Path logDir() {
        return logDir;
    }

    @Override
    public synchronized List<Instance> instances() {
        return children.stream().map(Child::snapshot).toList();
    }

    @Override
    public CompletableFuture<Instance> startOne() {
        Child c;
        synchronized (this) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("provider closed"));
            }
            int port = nextFreePort();
            if (port < 0) {
                return CompletableFuture.failedFuture(new IllegalStateException("no free port in " + config.basePort() + ".."
                        + (config.basePort() + PORT_SPAN)));
            }
            long seq = sequence.incrementAndGet();
            c = new Child(seq, port, clock.millis(), logDir.resolve(pool + "-" + port + "-" + seq + ".log"));
            children.add(c);
        }
        try {
            c.process = launch(c);
        } catch (IOException | RuntimeException e) {
            fail(c, "could not launch: " + e.getMessage());
            return c.ready;
        }
        listener.onEvent(c.snapshot(), ScalingEvent.Action.STARTING, "process " + c.process.pid() + " on port " + c.port
                + ", log " + c.log);
        c.process.onExit().thenAccept(p -> onExit(c, p));
        Thread.ofVirtual().name("headroom-ready-" + c.port).start(() -> awaitReady(c));
        return c.ready;
    }

    private Process launch(Child c) throws IOException {
        String java = config.javaCommand() != null ? config.javaCommand()
                : ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String cp = config.classpath() != null ? config.classpath() : System.getProperty("java.class.path");
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.addAll(config.jvmArgs());
        cmd.add("-cp");
        cmd.add(cp);
        cmd.add(BackendMain.class.getName());
        cmd.addAll(List.of("--host", config.host(), "--port", String.valueOf(c.port),
                "--capacity", String.valueOf(config.capacity()), "--latency", String.valueOf(config.latency().toMillis())));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(c.log.toFile()))
                .redirectInput(ProcessBuilder.Redirect.from(nullDevice()));
        return pb.start();
    }

    private static java.io.File nullDevice() {
        return new java.io.File(System.getProperty("os.name", "").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private void awaitReady(Child c) {
        long deadline = System.nanoTime() + config.readyTimeout().toNanos();
        HttpRequest req = HttpRequest.newBuilder(URI.create("http://" + c.address() + "/health")).timeout(Duration.ofSeconds(1))
                .GET().build();
        while (!closed && c.state == Instance.State.STARTING) {
            if (!c.process.isAlive()) {
                return; // onExit reports it
            }
            if (System.nanoTime() > deadline) {
                fail(c, "not healthy within " + config.readyTimeout().toSeconds() + " s; see " + c.log);
                return;
            }
            try {
                HttpResponse<Void> r = http.send(req, HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    synchronized (this) {
                        if (c.state != Instance.State.STARTING) {
                            return;
                        }
                        c.state = Instance.State.READY;
                    }
                    Instance snap = c.snapshot();
                    listener.onEvent(snap, ScalingEvent.Action.READY, "health check passed after "
                            + (clock.millis() - c.startedAt) + " ms");
                    c.ready.complete(snap);
                    return;
                }
            } catch (IOException e) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            sleep(POLL);
        }
        if (closed) {
            c.ready.completeExceptionally(new IllegalStateException("provider closed"));
        }
    }

    private void onExit(Child c, Process p) {
        Instance.State before;
        synchronized (this) {
            before = c.state;
            if (before == Instance.State.DRAINING || before == Instance.State.STOPPED || before == Instance.State.FAILED) {
                return;
            }
            c.state = Instance.State.FAILED;
            children.remove(c);
        }
        if (closed) {
            return;
        }
        String why = "process " + p.pid() + " exited with code " + p.exitValue() + (before == Instance.State.STARTING
                ? " before it was healthy" : " while serving") + "; see " + c.log;
        listener.onEvent(c.snapshot(), ScalingEvent.Action.FAILED, why);
        c.ready.completeExceptionally(new IllegalStateException(why));
    }

    private void fail(Child c, String why) {
        synchronized (this) {
            if (c.state == Instance.State.FAILED) {
                return;
            }
            c.state = Instance.State.FAILED;
            children.remove(c);
        }
        Process p = c.process;
        if (p != null) {
            terminate(p);
        }
        listener.onEvent(c.snapshot(), ScalingEvent.Action.FAILED, why);
        c.ready.completeExceptionally(new IllegalStateException(why));
    }

    @Override
    public Optional<CompletableFuture<Instance>> drainOne() {
        Child victim;
        synchronized (this) {
            victim = children.stream().filter(c -> c.state == Instance.State.STARTING || c.state == Instance.State.READY)
                    .max(Comparator.comparingLong(c -> c.seq)).orElse(null);
            if (victim == null) {
                return Optional.empty();
            }
            // Out of the membership first: the next control plan no longer lists it.
            victim.state = Instance.State.DRAINING;
        }
        victim.ready.completeExceptionally(new IllegalStateException("drained before ready"));
        listener.onEvent(victim.snapshot(), ScalingEvent.Action.DRAINING, "left the pool; stopping in " + config.drain().toMillis()
                + " ms");
        CompletableFuture<Instance> stopped = new CompletableFuture<>();
        Child v = victim;
        Thread.ofVirtual().name("headroom-drain-" + v.port).start(() -> {
            sleep(config.drain());
            Process p = v.process;
            int code = p == null ? -1 : terminate(p);
            synchronized (this) {
                v.state = Instance.State.STOPPED;
                children.remove(v);
            }
            Instance snap = v.snapshot();
            listener.onEvent(snap, ScalingEvent.Action.STOPPED, "process exited with code " + code);
            stopped.complete(snap);
        });
        return Optional.of(stopped);
    }

    /** SIGTERM, wait the grace, then kill; returns the exit code (or -1). */
    private int terminate(Process p) {
        if (!p.isAlive()) {
            return p.exitValue();
        }
        p.destroy();
        try {
            if (!p.waitFor(config.stopGrace().toMillis(), TimeUnit.MILLISECONDS)) {
                LOG.warning("instance " + p.pid() + " ignored SIGTERM for " + config.stopGrace().toMillis() + " ms; killing it");
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
            return p.isAlive() ? -1 : p.exitValue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            return -1;
        }
    }

    private int nextFreePort() {
        for (int port = config.basePort(); port < Math.min(65_536, config.basePort() + PORT_SPAN); port++) {
            int p = port;
            if (children.stream().anyMatch(c -> c.port == p)) {
                continue;
            }
            if (isFree(config.host(), port)) {
                return port;
            }
        }
        return -1;
    }

    private static boolean isFree(String host, int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getByName(host), port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void destroyAll() {
        List<Process> ps;
        synchronized (this) {
            closed = true;
            ps = children.stream().map(c -> c.process).filter(Objects::nonNull).toList();
            for (Child c : children) {
                c.state = Instance.State.STOPPED;
                c.ready.completeExceptionally(new IllegalStateException("provider closed"));
            }
            children.clear();
        }
        for (Process p : ps) {
            p.destroy();
        }
        long deadline = System.nanoTime() + config.stopGrace().toNanos();
        for (Process p : ps) {
            try {
                long left = Math.max(0, deadline - System.nanoTime());
                if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
            }
        }
    }

    /** Destroys every child (SIGTERM, then kill after the stop grace). Idempotent. */
    @Override
    public void close() {
        destroyAll();
        http.shutdownNow();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException e) {
            // the JVM is already shutting down; the hook runs (or ran) anyway
        } catch (RuntimeException e) {
            LOG.log(Level.FINE, "could not remove shutdown hook", e);
        }
    }
}
