package io.headroom.autoscaler.provider;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Starts and stops the instances of one pool. The autoscaler calls it one action at a time per pool; lifecycle
 * steps are reported to the {@link InstanceListener} given at construction.
 *
 * <p>Two shapes: instance providers ({@link LocalProcessProvider}) start and drain instances one by one;
 * capacity providers ({@link CapacityProvider}: Kubernetes, AWS Auto Scaling, webhook, command) set a desired
 * count on a platform in one call through {@link #scaleTo}.
 */
public interface Provider extends AutoCloseable {

    /** A short name for logs and events, e.g. {@code local}. */
    String kind();

    /** All instances not yet stopped, oldest first. */
    List<Instance> instances();

    /** Instances that count towards the pool's size (starting or ready; not draining). */
    default int current() {
        return (int) instances().stream().filter(Instance::counts).count();
    }

    /** Ready instances: the pool's members. */
    default List<Instance> ready() {
        return instances().stream().filter(i -> i.state() == Instance.State.READY).toList();
    }

    /** Starts one instance; the future completes when it is ready, exceptionally when it fails to start. */
    CompletableFuture<Instance> startOne();

    /**
     * Takes the newest instance out of the pool, lets it drain, then stops it; the future completes once it is
     * stopped. Empty when there is nothing to drain.
     */
    Optional<CompletableFuture<Instance>> drainOne();

    /**
     * Moves the pool to {@code request.target()} instances: the whole of one action. The future completes when the
     * action is over (for instance providers: every started instance ready or failed, every drained one stopped;
     * failures of single instances are reported to the listener and do not fail the future) and completes
     * exceptionally when the provider could not act at all. The default starts or drains one instance at a time.
     */
    default CompletableFuture<Void> scaleTo(ScaleRequest request) {
        int delta = request.target() - request.current();
        List<CompletableFuture<Instance>> pending = new ArrayList<>();
        if (delta > 0) {
            for (int k = 0; k < delta; k++) {
                pending.add(startOne());
            }
        } else {
            for (int k = 0; k < -delta; k++) {
                drainOne().ifPresent(pending::add);
            }
        }
        // single-instance failures were reported to the listener already
        return CompletableFuture.allOf(pending.stream().map(f -> f.handle((i, e) -> i)).toArray(CompletableFuture[]::new));
    }

    /** Stops every instance (without drain) and releases resources. */
    @Override
    void close();
}
