package io.headroom.autoscaler.core;

import io.headroom.autoscaler.provider.Instance;
import io.headroom.autoscaler.provider.InstanceListener;
import io.headroom.autoscaler.provider.Provider;
import io.headroom.ingest.model.ScalingEvent;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A provider whose instances become ready at once: for driving the core in simulated time. */
public final class InMemoryProvider implements Provider {
    private final InstanceListener listener;
    private final List<Instance> instances = new ArrayList<>();
    int starts;
    int drains;
    private long seq;

    public InMemoryProvider(InstanceListener listener) {
        this.listener = listener;
    }

    @Override
    public String kind() {
        return "memory";
    }

    @Override
    public synchronized List<Instance> instances() {
        return List.copyOf(instances);
    }

    @Override
    public synchronized CompletableFuture<Instance> startOne() {
        starts++;
        long s = ++seq;
        Instance i = new Instance("i" + s, "127.0.0.1:" + (9000 + s), Instance.State.READY, s, 0);
        listener.onEvent(new Instance(i.id(), i.address(), Instance.State.STARTING, s, 0), ScalingEvent.Action.STARTING, "start");
        instances.add(i);
        listener.onEvent(i, ScalingEvent.Action.READY, "ready");
        return CompletableFuture.completedFuture(i);
    }

    @Override
    public synchronized Optional<CompletableFuture<Instance>> drainOne() {
        if (instances.isEmpty()) {
            return Optional.empty();
        }
        drains++;
        Instance i = instances.removeLast();
        listener.onEvent(i, ScalingEvent.Action.DRAINING, "drain");
        Instance stopped = new Instance(i.id(), i.address(), Instance.State.STOPPED, i.sequence(), 0);
        listener.onEvent(stopped, ScalingEvent.Action.STOPPED, "stopped");
        return Optional.of(CompletableFuture.completedFuture(stopped));
    }

    @Override
    public void close() {
    }
}
