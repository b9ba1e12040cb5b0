package io.headroom.router.control;

import io.headroom.router.config.PoolConfig;
import io.headroom.router.upstream.BackendSet;

/**
 * A pool as the proxy holds it: fixed configuration and backends, plus the current {@link PoolSnapshot}, which the
 * {@link ControlPlanStore} swaps atomically (one volatile read per request).
 */
public final class PoolState {
    private final PoolConfig config;
    private final BackendSet backends;
    private final long requestTimeoutNanos;
    private volatile PoolSnapshot snapshot;

    PoolState(PoolConfig config, BackendSet backends) {
        this.config = config;
        this.backends = backends;
        this.requestTimeoutNanos = config.requestTimeout().toNanos();
    }

    public PoolConfig config() {
        return config;
    }

    public BackendSet backends() {
        return backends;
    }

    public long requestTimeoutNanos() {
        return requestTimeoutNanos;
    }

    public PoolSnapshot snapshot() {
        return snapshot;
    }

    void swap(PoolSnapshot s) {
        this.snapshot = s;
    }
}
