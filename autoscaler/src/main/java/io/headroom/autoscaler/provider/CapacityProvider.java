package io.headroom.autoscaler.provider;

import io.headroom.ingest.model.ScalingEvent;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A provider whose platform owns the instances and keeps a desired count: set desired, read current and ready.
 * Subclasses implement {@link #apply} (ask the platform for a count) and, where the platform can be read,
 * {@link #observe}.
 *
 * <p>The autoscaler's tick never waits on the network: {@link #current()} and {@link #ready()} answer from the
 * last observation, refreshed in the background every {@code refresh} and after each action. Until the first
 * observation has succeeded the count is unknown and {@link #scaleTo} refuses to act, so a restart with an
 * unreachable platform never scales a running fleet down to {@code min}. Providers that cannot be read
 * (webhook, command) start from {@code 0} and then trust what their endpoint accepted or reported.
 *
 * <p>Instances are reported without addresses: the platform's own load balancer (a Kubernetes Service, an ELB
 * target group) sends them traffic, so they add no members to the router's pool. Which instance leaves on a
 * scale-in, and how it drains (preStop hooks, termination grace, lifecycle hooks), is the platform's business.
 */
public abstract class CapacityProvider implements Provider {
    private static final Logger LOG = Logger.getLogger(CapacityProvider.class.getName());

    protected final String pool;
    private final InstanceListener listener;
    private final Clock clock;
    private final Duration refresh;
    private volatile Capacity known; // null: not observed yet
    private volatile boolean closed;
    private volatile String lastRefreshError;
    private Thread refresher;

    /**
     * @param pool     pool name
     * @param listener told of accepted actions and readiness changes (pool-level events: empty address)
     * @param clock    wall time for instance snapshots
     * @param refresh  how often to re-read the platform; null or zero: never (unobservable providers)
     * @param initial  the count to assume before any observation; null: unknown until observed
     */
    protected CapacityProvider(String pool, InstanceListener listener, Clock clock, Duration refresh, Capacity initial) {
        this.pool = Objects.requireNonNull(pool, "pool");
        this.listener = listener == null ? InstanceListener.NONE : listener;
        this.clock = Objects.requireNonNull(clock, "clock");
        this.refresh = refresh == null || refresh.isZero() || refresh.isNegative() ? null : refresh;
        this.known = initial;
    }

    /** Reads the platform's count. Only called when a refresh interval was given. */
    protected Optional<Capacity> observe() throws IOException {
        return Optional.empty();
    }

    /**
     * Asks the platform for {@code request.target()} instances; returns what it reported, or empty when it
     * reported nothing (then the target is taken as accepted). Throws when the platform refused or could not be
     * reached after the provider's own retries.
     */
    protected abstract Optional<Capacity> apply(ScaleRequest request) throws IOException;

    /** Observes once now (bounded by the subclass's timeouts), then keeps refreshing on a virtual thread. */
    protected final void startRefreshing() {
        if (refresh == null) {
            return;
        }
        refreshOnce();
        refresher = Thread.ofVirtual().name("headroom-" + kind() + "-refresh-" + pool).start(() -> {
            while (!closed) {
                try {
                    Thread.sleep(refresh);
                } catch (InterruptedException e) {
                    return;
                }
                if (!closed) {
                    refreshOnce();
                }
            }
        });
    }

    /** Re-reads the platform now; false when that failed (the last known count stays). */
    public final boolean refreshOnce() {
        try {
            Optional<Capacity> c = observe();
            c.ifPresent(this::update);
            lastRefreshError = null;
            return true;
        } catch (IOException | RuntimeException e) {
            String msg = e.getMessage() == null ? e.toString() : e.getMessage();
            if (!msg.equals(lastRefreshError)) { // log a failure once, not every refresh
                LOG.log(Level.WARNING, kind() + " provider of pool " + pool + " cannot read the platform: " + msg);
            }
            lastRefreshError = msg;
            return false;
        }
    }

    /** The last observed or accepted count; empty before the first observation. */
    public final Optional<Capacity> capacity() {
        return Optional.ofNullable(known);
    }

    private void update(Capacity c) {
        Capacity before = known;
        known = c;
        if (before != null && c.ready() != before.ready()) {
            listener.onEvent(poolInstance(c.ready() > before.ready() ? Instance.State.READY : Instance.State.STOPPED),
                    c.ready() > before.ready() ? ScalingEvent.Action.READY : ScalingEvent.Action.STOPPED,
                    kind() + ": ready " + before.ready() + " -> " + c.ready() + " of " + c.current());
        }
    }

    private Instance poolInstance(Instance.State state) {
        return new Instance(kind() + ":" + pool, "", state, 0, clock.millis());
    }

    @Override
    public final int current() {
        Capacity c = known;
        return c == null ? 0 : c.current();
    }

    /** Placeholders: {@code ready} READY ones, then STARTING ones up to {@code current}; ids {@code <pool>-<n>}. */
    @Override
    public final List<Instance> instances() {
        Capacity c = known;
        if (c == null) {
            return List.of();
        }
        List<Instance> out = new ArrayList<>(Math.max(c.current(), c.ready()));
        long now = clock.millis();
        int ready = Math.min(c.ready(), Math.max(c.current(), c.ready()));
        for (int k = 1; k <= Math.max(c.current(), c.ready()); k++) {
            out.add(new Instance(pool + "-" + k, "", k <= ready ? Instance.State.READY : Instance.State.STARTING, k, now));
        }
        return out;
    }

    @Override
    public final CompletableFuture<Void> scaleTo(ScaleRequest request) {
        if (closed) {
            return CompletableFuture.failedFuture(new IllegalStateException("provider closed"));
        }
        Capacity before = known;
        if (before == null) {
            return CompletableFuture.failedFuture(new IllegalStateException("the current count is unknown (the platform was never read "
                    + "successfully" + (lastRefreshError == null ? "" : ": " + lastRefreshError) + "); not acting"));
        }
        try {
            Optional<Capacity> reported = apply(request);
            Capacity after = reported.orElseGet(() -> new Capacity(request.target(), request.target()));
            boolean up = request.target() >= before.current();
            listener.onEvent(poolInstance(up ? Instance.State.STARTING : Instance.State.DRAINING),
                    up ? ScalingEvent.Action.STARTING : ScalingEvent.Action.DRAINING,
                    kind() + " accepted " + before.current() + " -> " + request.target() + " (decision " + request.decisionId() + ")");
            known = new Capacity(after.current(), before.ready()); // ready moves when the platform says so
            if (reported.isPresent() || refresh == null) {
                update(after);
            }
            if (refresh != null) {
                refreshOnce();
            }
            return CompletableFuture.completedFuture(null);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
    }

    @Override
    public final CompletableFuture<Instance> startOne() {
        return step(+1);
    }

    @Override
    public final Optional<CompletableFuture<Instance>> drainOne() {
        return current() == 0 ? Optional.empty() : Optional.of(step(-1));
    }

    private CompletableFuture<Instance> step(int delta) {
        int cur = current();
        ScaleRequest r = new ScaleRequest(pool + "-" + clock.millis() + "-" + (cur + delta), pool, cur + delta, cur, ready().size(),
                delta > 0 ? "start one" : "drain one", clock.millis());
        return scaleTo(r).thenApply(v -> poolInstance(delta > 0 ? Instance.State.STARTING : Instance.State.STOPPED));
    }

    /** Stops refreshing and releases the subclass's client; instances keep running on the platform. */
    @Override
    public void close() {
        closed = true;
        Thread t = refresher;
        if (t != null) {
            t.interrupt();
        }
        closeClient();
    }

    /** Releases the platform client. */
    protected void closeClient() {
    }
}
