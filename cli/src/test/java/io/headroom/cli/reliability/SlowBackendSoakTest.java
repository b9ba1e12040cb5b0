package io.headroom.cli.reliability;

import com.sun.net.httpserver.HttpServer;
import io.headroom.config.ConfigNode;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;


/**
 * Issue 9, item 2, "slow backend (10x latency)": behind {@code balancer: {type: peak-ewma}}, one backend of three at
 * 10x the latency of the others (1 s against 100 ms). Latency-aware balancing must route around it (a small share of the
 * requests) so that the p99 of all requests stays within 2x of the healthy case's.
 *
 * <p>The healthy case is measured at the same time as the degraded one, under the same offered load: one router serves
 * two pools of three backends each, {@code /healthy} (all at 100 ms) and {@code /degraded} (one at 1 s), and
 * {@link PacedLoad} sends its requests alternately to each, open loop. Over {@value #WINDOWS} windows of 10 s the median
 * of the degraded pool's per-window p99 must be at most twice the median of the healthy pool's. Measured in turns (all
 * healthy first, then degraded) on a closed loop, the comparison also measured whatever else the machine did in each
 * phase, and failed on a machine busy with other builds (50.9 ms vs 21.3 ms): a stall of the process made the fast
 * backends look slow (see {@link #BASE}) and let the balancer send a burst to the slow one, and a stall in one phase
 * is not one in the other. Interleaved, both pools see
 * the same hiccups, and the median of windows leaves out the one window a long stall may spoil.
 */
@Tag("soak")
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class SlowBackendSoakTest {
    /**
     * The fast backends' latency. It must stay large next to the scheduling delays of a busy machine: at 5 ms, a 2-core
     * machine running other builds stalled the process for 30-45 ms at a time, every request in flight to a fast
     * backend then measured 35-50 ms, its peak-EWMA estimate jumped to that peak and took seconds to decay, and the
     * "10x slower" backend at 50 ms was for those seconds no slower than the others as the router saw them: it got
     * 1-3 % of the requests and became the p99. The same happened at 20 ms against 200 ms (load average 10, stalls of
     * 140-500 ms) and at 40 ms against 400 ms (stalls of 100-190 ms, as the healthy pool's p99 showed: the slow one got
     * 1.8 %). The balancer compares estimate x (in flight + 1), so a fast backend with 3 in flight and one stalled peak
     * of 100 ms already costs as much as the slow one at 400. At 100 ms against 1 s that takes a peak of 250 ms: a stall
     * of 150 ms or more, which the machine this was written on did not produce at 1 %.
     */
    private static final Duration BASE = Duration.ofMillis(100);
    private static final Duration WARMUP = Duration.ofSeconds(5);
    private static final Duration WINDOW = Duration.ofSeconds(10);
    private static final int WINDOWS = 6;
    /** Offered load, half to each pool: about 4 requests in flight per pool (Little's law: 40/s x 100 ms). */
    private static final double RATE = 80;
    private static final int SENDERS = 16;

    @Test
    void peakEwmaRoutesAroundASlowBackendAndKeepsP99WithinTwiceHealthy() throws Exception {
        List<Backend> healthy = List.of(new Backend("H1"), new Backend("H2"), new Backend("H3"));
        List<Backend> degraded = List.of(new Backend("D1"), new Backend("D2"), new Backend("D3"));
        Backend slow = degraded.get(1);
        RouterConfig config = RouterConfig.from(ConfigNode.parse("slow.yaml", """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    healthy:
                      backends: [%s]
                      request-timeout: 5s
                      balancer: {type: peak-ewma}
                    degraded:
                      backends: [%s]
                      request-timeout: 5s
                      balancer: {type: peak-ewma}
                  routes:
                    - {name: healthy, path-prefix: /healthy, pool: healthy}
                    - {name: degraded, path-prefix: /degraded, pool: degraded}
                """.formatted(addresses(healthy), addresses(degraded))));
        Router router = Router.create(config, "slow-router", w -> { }, Clock.systemUTC());
        PacedLoad load = null;
        try {
            load = PacedLoad.start(router.start(), RATE, SENDERS, "/healthy", "/degraded");
            System.out.println("both healthy " + load.window(WARMUP.toMillis()).describe());

            slow.latencyMillis = 10 * BASE.toMillis(); // 10x
            System.out.println("learning    " + load.window(WARMUP.toMillis()).describe()); // the balancer learns
            long servedBefore = served(degraded);
            long slowBefore = slow.served.sum();
            List<PacedLoad.Window> windows = new ArrayList<>();
            for (int i = 0; i < WINDOWS; i++) {
                PacedLoad.Window w = load.window(WINDOW.toMillis());
                System.out.println("one at 10x  " + w.describe());
                windows.add(w);
            }
            double shareSlow = (double) (slow.served.sum() - slowBefore) / (served(degraded) - servedBefore);
            load.close();

            double p99Healthy = PacedLoad.median(windows.stream().mapToDouble(w -> w.path("/healthy").p99Millis()).toArray());
            double p99Degraded = PacedLoad.median(windows.stream().mapToDouble(w -> w.path("/degraded").p99Millis()).toArray());
            long failed = windows.stream().mapToLong(PacedLoad.Window::failed).sum();
            System.out.printf(Locale.ROOT, "slow backend: %d windows of %d s at %.0f req/s; p99 (median of windows) healthy %.2f ms, "
                            + "one backend at 10x %.2f ms, ratio %.2f; slow backend's share %.2f %%; failed %d %s%n", WINDOWS,
                    WINDOW.toSeconds(), load.rate(), p99Healthy, p99Degraded, p99Degraded / p99Healthy, 100 * shareSlow, failed,
                    load.failures());

            List<String> failures = load.failures();
            SoftAssertions.assertSoftly(soft -> {
                soft.assertThat(failed).as("failed requests: %s", failures).isZero();
                soft.assertThat(shareSlow).as("share of the degraded pool's requests sent to the slow backend (a fair share is 33 %)")
                        .isLessThan(0.05);
                soft.assertThat(p99Degraded).as("p99 with one backend at 10x (ms, median of windows) vs 2 x the healthy p99 %.2f ms",
                        p99Healthy).isLessThanOrEqualTo(2 * p99Healthy);
            });
        } finally {
            if (load != null) {
                load.close();
            }
            router.close();
            healthy.forEach(Backend::stop);
            degraded.forEach(Backend::stop);
        }
    }

    private static String addresses(List<Backend> backends) {
        return String.join(", ", backends.stream().map(Backend::address).toList());
    }

    private static long served(List<Backend> backends) {
        return backends.stream().mapToLong(b -> b.served.sum()).sum();
    }

    /** A backend that answers after {@code latencyMillis}. */
    private static final class Backend {
        final LongAdder served = new LongAdder();
        volatile long latencyMillis = BASE.toMillis();
        private final HttpServer server;

        Backend(String name) throws Exception {
            server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 256);
            server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
            byte[] body = name.getBytes(StandardCharsets.US_ASCII);
            server.createContext("/", ex -> {
                try (ex) {
                    ex.getRequestBody().readAllBytes();
                    Thread.sleep(latencyMillis);
                    served.increment();
                    ex.sendResponseHeaders(200, body.length);
                    ex.getResponseBody().write(body);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            server.start();
        }

        String address() {
            return "127.0.0.1:" + server.getAddress().getPort();
        }

        void stop() {
            server.stop(0);
        }
    }
}
