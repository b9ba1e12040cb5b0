package io.headroom.autoscaler.provider;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Starts and stops the instances of one pool. The autoscaler calls it one action at a time per pool; lifecycle
 * steps are reported to the {@link InstanceListener} given at construction.
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

    /** Stops every instance (without drain) and releases resources. */
    @Override
    void close();
}
