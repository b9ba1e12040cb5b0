package io.headroom.router.upstream;

import io.headroom.router.config.HostPort;

import java.util.concurrent.ConcurrentHashMap;

/** The interned {@link Backend}s of one pool, sharing that pool's connection settings. */
public final class BackendSet {
    private final ConcurrentHashMap<HostPort, Backend> backends = new ConcurrentHashMap<>();
    private final ConnectionPool.Settings settings;
    private final Watchdog watchdog;

    public BackendSet(ConnectionPool.Settings settings, Watchdog watchdog) {
        this.settings = settings;
        this.watchdog = watchdog;
    }

    /** The backend for {@code address}, created on first use. */
    public Backend get(HostPort address) {
        return backends.computeIfAbsent(address, a -> new Backend(a, settings, watchdog));
    }

    public ConnectionPool.Settings settings() {
        return settings;
    }

    /** Closes every idle connection of every backend. */
    public void closeIdle() {
        for (Backend b : backends.values()) {
            b.connections().closeIdle();
        }
    }
}
