package io.headroom.autoscaler.provider;

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
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs each instance of a pool on this machine, started by an {@link InstanceLauncher} (by default a real OS process,
 * {@link ProcessLauncher}), one port each counting up from the base port (ports in use are skipped), output to a log
 * file per instance. Two roles:
 * <ul>
 *   <li><b>backend</b> ({@code headroom backend}): ready when {@code GET /health} answers 200. Scale-in takes the newest
 *       instance out of the pool, waits the drain period, then stops it.</li>
 *   <li><b>gateway</b> ({@code headroom proxy}): ready when it accepts connections; a member of the L4 edge's pool
 *       through the autoscaler's membership plans. Scale-in takes the newest out of the pool (the next plan no longer
 *       lists it, so the edge opens no new connections to it), waits the drain period for that plan to reach the edge,
 *       then waits until the connections it accepted have finished ({@link TcpConnections}), at most the drain timeout,
 *       and only then stops it.</li>
 * </ul>
 * A stop is SIGTERM, then a kill after the stop grace. Every instance is stopped on {@link #close()} and at JVM
 * shutdown.
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
    private final InstanceLauncher launcher;
    private final AtomicLong sequence = new AtomicLong();
    private final List<Child> children = new ArrayList<>(); // guarded by this
    private volatile boolean closed;

    /** One child process and its mutable state. */
    private final class Child {
        final long seq;
        final int port;
        final long startedAt;
        final Path log;
        volatile InstanceLauncher.Running process;
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
            InstanceLauncher.Running p = process;
            return new Instance(p == null ? "port-" + port : p.id(), address(), state, seq, startedAt);
        }
    }

    /** Instances as OS processes ({@link ProcessLauncher}). */
    public LocalProcessProvider(String pool, LocalProviderConfig config, InstanceListener listener, Clock clock) {
        this(pool, config, listener, clock, new ProcessLauncher(config));
    }

    /** Instances started by {@code launcher} (in-process servers in tests, for example). */
    public LocalProcessProvider(String pool, LocalProviderConfig config, InstanceListener listener, Clock clock, InstanceLauncher launcher) {
        this.launcher = Objects.requireNonNull(launcher, "launcher");
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
            c.process = launcher.launch(config.host(), c.port, c.log);
        } catch (IOException | RuntimeException e) {
            fail(c, "could not launch: " + e.getMessage());
            return c.ready;
        }
        listener.onEvent(c.snapshot(), ScalingEvent.Action.STARTING, config.role().key() + " " + c.process.id() + " on port " + c.port
                + ", log " + c.log);
        c.process.onExit().thenAccept(code -> onExit(c, code));
        Thread.ofVirtual().name("headroom-ready-" + c.port).start(() -> awaitReady(c));
        return c.ready;
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
                if (healthy(c, req)) {
                    synchronized (this) {
                        if (c.state != Instance.State.STARTING) {
                            return;
                        }
                        c.state = Instance.State.READY;
                    }
                    Instance snap = c.snapshot();
                    listener.onEvent(snap, ScalingEvent.Action.READY, (config.role() == LocalProviderConfig.Role.GATEWAY
                            ? "accepting connections after " : "health check passed after ")
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

    /** Backend: {@code GET /health} answers 200. Gateway: it accepts a TCP connection (the proxy port has no health path). */
    private boolean healthy(Child c, HttpRequest health) throws IOException, InterruptedException {
        if (config.role() == LocalProviderConfig.Role.GATEWAY) {
            try (java.net.Socket s = new java.net.Socket()) {
                s.connect(new InetSocketAddress(config.host(), c.port), 1000);
                return true;
            }
        }
        return http.send(health, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }

    private void onExit(Child c, int code) {
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
        String why = config.role().key() + " " + c.process.id() + " exited with code " + code + (before == Instance.State.STARTING
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
        InstanceLauncher.Running p = c.process;
        if (p != null) {
            p.stop(config.stopGrace());
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
        boolean gateway = config.role() == LocalProviderConfig.Role.GATEWAY;
        listener.onEvent(victim.snapshot(), ScalingEvent.Action.DRAINING, "left the pool; " + (gateway
                ? "waiting " + config.drain().toMillis() + " ms for the plan to reach the edge, then for its connections to finish"
                + " (at most " + config.drainTimeout().toMillis() + " ms)" : "stopping in " + config.drain().toMillis() + " ms"));
        CompletableFuture<Instance> stopped = new CompletableFuture<>();
        Child v = victim;
        Thread.ofVirtual().name("headroom-drain-" + v.port).start(() -> {
            String drained = "";
            int code = -1;
            try {
                sleep(config.drain());
                drained = gateway ? awaitConnectionsClosed(v) : "";
            } finally { // whatever happened while waiting, the instance is stopped and the action ends
                InstanceLauncher.Running p = v.process;
                try {
                    code = p == null ? -1 : p.stop(config.stopGrace());
                } catch (RuntimeException e) {
                    LOG.log(Level.WARNING, "stopping instance " + v.address() + " failed", e);
                }
                synchronized (this) {
                    v.state = Instance.State.STOPPED;
                    children.remove(v);
                }
                Instance snap = v.snapshot();
                listener.onEvent(snap, ScalingEvent.Action.STOPPED, drained + "exited with code " + code);
                stopped.complete(snap);
            }
        });
        return Optional.of(stopped);
    }

    /**
     * Waits until no connection accepted on {@code c}'s port is open, polling the kernel's table, at most the drain
     * timeout; says how it ended (for the STOPPED event).
     */
    private String awaitConnectionsClosed(Child c) {
        long began = System.nanoTime();
        long deadline = began + config.drainTimeout().toNanos();
        while (!closed) {
            OptionalInt open;
            try {
                open = TcpConnections.accepted(c.port);
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "cannot count the open connections of " + c.address() + "; waiting the drain timeout", e);
                open = OptionalInt.empty();
            }
            if (open.isEmpty()) {
                sleep(config.drainTimeout());
                return "open connections unknown on this system: waited the drain timeout; ";
            }
            if (open.getAsInt() == 0) {
                return "connections drained in " + (System.nanoTime() - began) / 1_000_000 + " ms; ";
            }
            if (System.nanoTime() >= deadline) {
                return open.getAsInt() + " connection(s) still open after the drain timeout of " + config.drainTimeout().toMillis()
                        + " ms; ";
            }
            sleep(POLL);
        }
        return "";
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
        List<InstanceLauncher.Running> ps;
        synchronized (this) {
            closed = true;
            ps = children.stream().map(c -> c.process).filter(Objects::nonNull).toList();
            for (Child c : children) {
                c.state = Instance.State.STOPPED;
                c.ready.completeExceptionally(new IllegalStateException("provider closed"));
            }
            children.clear();
        }
        // all at once, each with its grace: closing a pool of N takes one grace, not N
        List<Thread> stops = new ArrayList<>();
        for (InstanceLauncher.Running p : ps) {
            stops.add(Thread.ofVirtual().name("headroom-stop-" + p.id()).start(() -> p.stop(config.stopGrace())));
        }
        for (Thread t : stops) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
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
