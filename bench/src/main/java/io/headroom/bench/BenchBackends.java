package io.headroom.bench;

import io.headroom.router.config.HostPort;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.BackendSet;
import io.headroom.router.upstream.ConnectionPool;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.ManualTicker;

import java.util.concurrent.TimeUnit;

/**
 * The members of a benchmark's pool: backends of one {@link BackendSet} (never connected), with the watchdog they share
 * on a ticker nobody moves. Close it in the benchmark's tear-down.
 */
final class BenchBackends implements AutoCloseable {
    private final Watchdog watchdog = new Watchdog(new ManualTicker(), TimeUnit.SECONDS.toNanos(1));
    private final BackendSet set =
            new BackendSet(new ConnectionPool.Settings(TimeUnit.SECONDS.toNanos(1), TimeUnit.SECONDS.toNanos(50), 16), watchdog);

    /** The backend at {@code host:port}. */
    Backend get(String hostPort) {
        return set.get(HostPort.parse(hostPort));
    }

    @Override
    public void close() {
        watchdog.close();
    }
}
