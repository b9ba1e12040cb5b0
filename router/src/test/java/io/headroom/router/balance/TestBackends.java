package io.headroom.router.balance;

import io.headroom.router.config.HostPort;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.BackendSet;
import io.headroom.router.upstream.ConnectionPool;
import io.headroom.router.upstream.Watchdog;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * The members the balancer tests pick from, as a JUnit extension ({@code @RegisterExtension}): backends of one
 * {@link BackendSet} (never connected) whose watchdog reads the test's hand-moved ticker, closed after each test.
 */
final class TestBackends implements AfterEachCallback {
    private final Watchdog watchdog;
    private final BackendSet set;

    TestBackends(ManualTicker ticker) {
        watchdog = new Watchdog(ticker, TimeUnit.SECONDS.toNanos(1));
        set = new BackendSet(new ConnectionPool.Settings(1_000_000_000L, 50_000_000_000L, 4), watchdog);
    }

    /** The backend at {@code host:port}. */
    Backend get(String hostPort) {
        return set.get(HostPort.parse(hostPort));
    }

    /** {@code n} backends, member {@code i} at {@code address.apply(i)}. */
    List<Backend> get(int n, IntFunction<String> address) {
        List<Backend> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(get(address.apply(i)));
        }
        return out;
    }

    @Override
    public void afterEach(ExtensionContext context) {
        watchdog.close();
    }
}
