package io.headroom.cli.stack;

import io.headroom.cli.admin.AdminConfig;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.Router;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
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
 * <p>{@link #change} is the admin API's way in: a change to routes, pools, keys or quotas edits a copy of the document
 * in service ({@link ConfigDocument}), is validated as a whole like a file, is put in service through the same
 * {@link Router#reload} and, with {@code admin.config-changes: file}, is written back to the file atomically.
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

    /**
     * The result of one change through the admin API.
     *
     * @param status   the HTTP status that reports it: 200 applied; 400, 404, 409, 412 refused before validation; 422
     *                 invalid (the old configuration keeps serving); 500 the file could not be replaced (rolled back)
     * @param error    a short error code, or null when applied
     * @param detail   what was wrong and how to fix it, or what was done
     * @param change   what the router changed, or null
     * @param written  true when the file was rewritten (the previous version kept as {@code FILE.bak})
     * @param etag     the version of the configuration in service afterwards
     */
    public record ChangeResult(int status, String error, String detail, Router.Reload change, boolean written, String etag) {
        public boolean applied() {
            return error == null;
        }
    }

    /** An edit of the configuration document; it may refuse with {@link Refused}. Returns a summary for the log. */
    @FunctionalInterface
    public interface Edit {
        String apply(ConfigDocument doc);
    }

    /** An edit that cannot be made as asked (unknown name, duplicate, malformed body): nothing changes. */
    public static final class Refused extends RuntimeException {
        private final int status;
        private final String code;

        public Refused(int status, String code, String detail) {
            super(detail, null, false, false);
            this.status = status;
            this.code = code;
        }

        public int status() {
            return status;
        }

        public String code() {
            return code;
        }
    }

    private final Stack stack;
    private final Path file;
    private final Clock clock;
    private final AtomicLong applied = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();
    private final AtomicLong changesApplied = new AtomicLong();
    private final AtomicLong changesRejected = new AtomicLong();
    private final AdminConfig.ChangeMode mode;
    private HeadroomConfig inService;
    /** The text of the configuration in service: the file as last read, or as last changed through the API. */
    private volatile String inServiceText;
    /** Changes through the API not in the file ({@code config-changes: memory}); cleared by a reload of the file. */
    private final List<String> diverged = new ArrayList<>();
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
        byte[] bytes = read(this.file);
        this.lastDigest = digest(bytes);
        this.inServiceText = bytes == null ? "" : new String(bytes, StandardCharsets.UTF_8);
        AdminConfig admin = stack.config().admin();
        this.mode = admin == null ? AdminConfig.ChangeMode.FILE : admin.changes();
    }

    /** What becomes of changes through the admin API ({@code admin.config-changes}). */
    public AdminConfig.ChangeMode mode() {
        return mode;
    }

    /** The version of the configuration in service: the first 16 hex digits of the SHA-256 of its text. */
    public String etag() {
        return etag(inServiceText);
    }

    private static String etag(String text) {
        return HexFormat.of().formatHex(digest(text.getBytes(StandardCharsets.UTF_8))).substring(0, 16);
    }

    /** The configuration in service as an editable copy (comments kept). */
    public ConfigDocument document() {
        return ConfigDocument.parse(inServiceText);
    }

    /** Changes applied through the admin API. */
    public long changesApplied() {
        return changesApplied.get();
    }

    /** Changes through the admin API refused or rejected. */
    public long changesRejected() {
        return changesRejected.get();
    }

    /** With {@code config-changes: memory}: the changes in service that the file does not have (empty otherwise). */
    public synchronized List<String> diverged() {
        return List.copyOf(diverged);
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
        byte[] bytes = read(file);
        lastDigest = digest(bytes);
        Outcome o;
        try {
            if (bytes == null) {
                throw new ConfigException(file.toString(), "cannot read the configuration file", "check that it exists and is readable");
            }
            String text = new String(bytes, StandardCharsets.UTF_8);
            HeadroomConfig next = HeadroomConfig.from(ConfigNode.parse(file.toString(), text));
            List<String> restart = new ArrayList<>();
            HeadroomConfig cur = inService;
            compare(restart, "instance-id", cur.instanceId(), next.instanceId());
            compare(restart, "kafka", cur.kafka(), next.kafka());
            compare(restart, "predictor", cur.predictor(), next.predictor());
            compare(restart, "autoscaler", cur.autoscaler(), next.autoscaler());
            compare(restart, "edge", cur.edge(), next.edge());
            compare(restart, "admin", cur.admin(), next.admin());
            // the trace header and the span exporter are built at start; a changed tracing: section waits for it
            compare(restart, "tracing", cur.tracing(), next.tracing());
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
            inServiceText = text;
            if (!diverged.isEmpty()) {
                LOG.warning("configuration " + file + " reloaded (" + trigger + "): " + diverged.size()
                        + " change(s) made through the admin API and not in the file are no longer in service: " + diverged);
                diverged.clear();
            }
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
        byte[] d = digest(read(file));
        return d != null && !Arrays.equals(d, lastDigest);
    }

    /** The file's bytes, or null when it cannot be read now (mid-rename, or gone: the next event looks again). */
    private static byte[] read(Path f) {
        try {
            return Files.readAllBytes(f);
        } catch (IOException e) {
            return null;
        }
    }

    private static byte[] digest(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Applies a change made through the admin API: {@code edit} changes a copy of the configuration in service, the
     * result is validated as a whole (exactly as a reload of the file: every section, file:line errors) and put in
     * service through {@link Router#reload} (one atomic swap; requests in flight finish on the old generation). With
     * {@code config-changes: file} the new text is first written to a temporary file beside the configuration file,
     * and renamed over it once the router accepted it, the previous file kept as {@code FILE.bak}; a file edited on
     * disk but not reloaded yet refuses the change (409) rather than be overwritten.
     *
     * @param trigger what asked (for the outcome; the admin API's change log records who)
     * @param ifMatch the {@link #etag()} the caller's change was based on, or null to skip that check
     */
    public synchronized ChangeResult change(String trigger, String ifMatch, Edit edit) {
        ChangeResult r = changeLocked(trigger, ifMatch, edit);
        (r.applied() ? changesApplied : changesRejected).incrementAndGet();
        return r;
    }

    private ChangeResult changeLocked(String trigger, String ifMatch, Edit edit) {
        long at = clock.millis();
        if (mode == AdminConfig.ChangeMode.OFF) {
            return refused(403, "changes_disabled", "admin.config-changes is off: change the configuration file and reload it");
        }
        Router router = stack.router();
        if (router == null) {
            return refused(409, "no_router", "this process does not run the router role; change the file of the router's process");
        }
        if (ifMatch != null && !ifMatch.equals(etag())) {
            return refused(412, "etag_mismatch", "the configuration changed since version " + ifMatch + " (now " + etag()
                    + "): read it again (GET /api/config) and redo the change");
        }
        if (mode == AdminConfig.ChangeMode.FILE) {
            byte[] d = digest(read(file));
            if (d == null || !Arrays.equals(d, lastDigest)) {
                return refused(409, "file_changed", file + " changed on disk since it was loaded and was not reloaded: "
                        + "POST /api/reload (or fix the file) first, so that this change does not overwrite that edit");
            }
        }
        ConfigDocument doc = ConfigDocument.parse(inServiceText);
        String summary;
        try {
            summary = edit.apply(doc);
        } catch (Refused e) {
            return refused(e.status(), e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            return refused(400, "bad_request", e.getMessage());
        }
        String text = doc.text();
        HeadroomConfig next;
        try {
            next = HeadroomConfig.from(ConfigNode.parse(file.toString(), text));
            if (next.router() == null) {
                throw new ConfigException(file.toString(), "the change removes the router: section", "keep the router: section");
            }
        } catch (ConfigException | IllegalArgumentException e) {
            return invalid(e.getMessage());
        }
        Path tmp = null;
        if (mode == AdminConfig.ChangeMode.FILE) {
            tmp = file.resolveSibling("." + file.getFileName() + ".headroom-tmp");
            try {
                writeDurably(tmp, text);
            } catch (IOException e) {
                deleteQuietly(tmp);
                return refused(409, "file_not_writable", "cannot write beside " + file + " (" + e.getClass().getSimpleName() + ": "
                        + e.getMessage() + "); nothing changed. Make the directory writable, or set admin.config-changes: memory "
                        + "(a read-only ConfigMap: change the ConfigMap instead)");
            }
        }
        Router.Reload change;
        try {
            change = router.reload(next.router());
        } catch (IllegalArgumentException e) {
            deleteQuietly(tmp);
            return invalid(e.getMessage());
        }
        boolean written = false;
        if (tmp != null) {
            try {
                Path bak = file.resolveSibling(file.getFileName() + ".bak");
                Path bakTmp = file.resolveSibling("." + file.getFileName() + ".bak.headroom-tmp");
                Files.copy(file, bakTmp, StandardCopyOption.REPLACE_EXISTING);
                Files.move(bakTmp, bak, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                written = true;
            } catch (IOException e) {
                deleteQuietly(tmp);
                // the router runs the new configuration but the file could not take it: put the old one back
                router.reload(inService.router());
                LOG.log(Level.WARNING, "configuration change (" + trigger + ") rolled back: " + file + " could not be replaced", e);
                return new ChangeResult(500, "file_not_replaced", "the change was rolled back: " + file + " could not be replaced ("
                        + e.getMessage() + ")", null, false, etag());
            }
            lastDigest = digest(text.getBytes(StandardCharsets.UTF_8)); // the watcher sees our own write as no change
        } else {
            diverged.add(summary);
        }
        inService = next;
        inServiceText = text;
        last = new Outcome(at, trigger, true, null, change, List.of());
        return new ChangeResult(200, null, summary, change, written, etag());
    }

    private ChangeResult refused(int status, String code, String detail) {
        return new ChangeResult(status, code, detail, null, false, etag());
    }

    private ChangeResult invalid(String detail) {
        return new ChangeResult(422, "invalid_config", detail + " (in the configuration as this change would make it; "
                + "nothing changed, the previous configuration keeps serving)", null, false, etag());
    }

    private static void writeDurably(Path f, String text) throws IOException {
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    private static void deleteQuietly(Path f) {
        if (f == null) {
            return;
        }
        try {
            Files.deleteIfExists(f);
        } catch (IOException e) {
            // a leftover temporary file is harmless: the next change overwrites it
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
