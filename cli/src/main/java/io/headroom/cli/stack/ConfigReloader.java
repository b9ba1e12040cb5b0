package io.headroom.cli.stack;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.Router;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Hot reload of the configuration file of a running {@link Stack}: reads and validates the whole file (every section,
 * unknown keys rejected, errors with file:line and the fix), then hands the {@code router:} section to
 * {@link Router#reload}, which swaps routes, pools, backends, auth and rate limits atomically. A file that does not
 * validate is rejected as a whole: the error is logged, counted ({@link #rejected()}) and kept in {@link #last()}, and
 * the old configuration keeps serving.
 *
 * <p>Triggers: {@link #reload()} (the admin API's {@code POST /api/reload}, SIGHUP in {@code headroom run}) and, once
 * {@link #watch} is called, the file changing on disk: a WatchService on its directory (so an editor's
 * write-to-temp-then-rename is seen too), debounced, and skipped when the bytes did not change.
 *
 * <p>Only the router reloads live; other sections that differ ({@code kafka}, {@code predictor}, {@code autoscaler},
 * {@code edge}, {@code admin}, {@code instance-id}) and the router's start-only settings are reported in
 * {@link Outcome#needsRestart()} and take effect at the next start.
 */
public final class ConfigReloader implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConfigReloader.class.getName());

    /**
     * The result of one reload attempt.
     *
     * @param atMillis     when it ran (wall clock)
     * @param trigger      what asked for it (api, signal, file, test)
     * @param applied      true when the new configuration is in service
     * @param error        why it was rejected ({@code file:line:column: problem, fix}), or null
     * @param change       what the router changed, or null (rejected, or no router role)
     * @param needsRestart settings that differ but only apply at the next start
     */
    public record Outcome(long atMillis, String trigger, boolean applied, String error, Router.Reload change,
                          List<String> needsRestart) {
    }

    private final Stack stack;
    private final Path file;
    private final Clock clock;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private HeadroomConfig inService;
    private volatile Outcome last;
    private byte[] lastDigest;
    private WatchService watcher;
    private Thread watchThread;

    /**
     * @param stack the running stack
     * @param file  the configuration file it was started from
     * @param clock for {@link Outcome#atMillis()}
     */
    public ConfigReloader(Stack stack, Path file, Clock clock) {
        this.stack = Objects.requireNonNull(stack, "stack");
        this.file = Objects.requireNonNull(file, "file").toAbsolutePath();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.inService = stack.config();
        this.lastDigest = digest(file);
    }

    /** The file reloads read. */
    public Path file() {
        return file;
    }

    /** Reloads that put a new configuration in service. */
    public long applied() {
        return applied.get();
    }

    /** Reloads rejected (the old configuration kept serving). */
    public long rejected() {
        return rejected.get();
    }

    /** The last attempt, or null before the first. */
    public Outcome last() {
        return last;
    }

    /** Reads, validates and applies the file now. Never throws: a rejection is the outcome's {@code error}. */
    public Outcome reload() {
        return reload("api");
    }

    /** As {@link #reload()}, recording {@code trigger} as what asked for it. */
    public synchronized Outcome reload(String trigger) {
        long at = clock.millis();
        lastDigest = digest(file);
        Outcome o;
        try {
            HeadroomConfig next = HeadroomConfig.from(ConfigNode.load(file));
            List<String> restart = new ArrayList<>();
            HeadroomConfig cur = inService;
            compare(restart, "instance-id", cur.instanceId(), next.instanceId());
            compare(restart, "kafka", cur.kafka(), next.kafka());
            compare(restart, "predictor", cur.predictor(), next.predictor());
            compare(restart, "autoscaler", cur.autoscaler(), next.autoscaler());
            compare(restart, "edge", cur.edge(), next.edge());
            compare(restart, "admin", cur.admin(), next.admin());
            Router router = stack.router();
            Router.Reload change = null;
            if (router != null) {
                if (next.router() == null) {
                    throw new ConfigException(file.toString(), "the router: section is gone but a router is running",
                            "put the router: section back, or restart without the router role");
                }
                change = router.reload(next.router());
                restart.addAll(change.needsRestart().stream().map(s -> "router." + s).toList());
            } else {
                compare(restart, "router", cur.router(), next.router());
            }
            inService = next;
            applied.incrementAndGet();
            o = new Outcome(at, trigger, true, null, change, List.copyOf(restart));
            LOG.info("configuration " + file + " reloaded (" + trigger + ")"
                    + (restart.isEmpty() ? "" : "; needs a restart to apply: " + restart));
        } catch (ConfigException | IllegalArgumentException e) {
            rejected.incrementAndGet();
            o = new Outcome(at, trigger, false, e.getMessage(), null, List.of());
            LOG.warning("configuration reload (" + trigger + ") rejected, the previous configuration keeps serving: " + e.getMessage());
        } catch (RuntimeException e) {
            rejected.incrementAndGet();
            o = new Outcome(at, trigger, false, file + ": " + e, null, List.of());
            LOG.log(Level.WARNING, "configuration reload (" + trigger + ") failed, the previous configuration keeps serving", e);
        }
        last = o;
        return o;
    }

    private static void compare(List<String> out, String name, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            out.add(name);
        }
    }

    /**
     * Reloads whenever the file changes on disk, once it has been quiet for {@code debounce} (editors write in
     * several steps); a change that leaves the bytes as they were is ignored.
     */
    public synchronized ConfigReloader watch(Duration debounce) throws IOException {
        if (watcher != null) {
            return this;
        }
        Path dir = file.getParent();
        watcher = dir.getFileSystem().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                StandardWatchEventKinds.OVERFLOW);
        WatchService ws = watcher;
        watchThread = Thread.ofPlatform().daemon().name("headroom-config-watch").start(() -> watchLoop(ws, debounce));
        return this;
    }

    private void watchLoop(WatchService ws, Duration debounce) {
        Path name = file.getFileName();
        try {
            while (true) {
                WatchKey key = ws.take();
                boolean ours = relevant(key, name);
                // debounce: keep draining events until the directory has been quiet for a while
                while (true) {
                    WatchKey more = ws.poll(debounce.toMillis(), TimeUnit.MILLISECONDS);
                    if (more == null) {
                        break;
                    }
                    ours |= relevant(more, name);
                }
                if (ours && changedOnDisk()) {
                    reload("file");
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    private static boolean relevant(WatchKey key, Path name) {
        boolean ours = false;
        for (var ev : key.pollEvents()) {
            ours |= ev.kind() == StandardWatchEventKinds.OVERFLOW || name.equals(ev.context());
        }
        key.reset();
        return ours;
    }

    private synchronized boolean changedOnDisk() {
        byte[] d = digest(file);
        return d != null && !Arrays.equals(d, lastDigest);
    }

    private static byte[] digest(Path f) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(f));
        } catch (IOException e) {
            return null; // mid-rename, or gone: the next event looks again
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public synchronized void close() {
        if (watcher != null) {
            try {
                watcher.close();
            } catch (IOException e) {
                // closing anyway
            }
            watchThread.interrupt();
            watcher = null;
        }
    }
}
