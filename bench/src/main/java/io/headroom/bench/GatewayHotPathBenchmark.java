package io.headroom.bench;

import io.headroom.router.analytics.UsageAnalytics;
import io.headroom.router.config.QuotaPeriod;
import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.limit.QuotaLeases;
import io.headroom.router.limit.RateLimiter;
import io.headroom.router.limit.RouteLimiter;
import io.headroom.time.Ticker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Clock;
import java.time.ZoneId;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The gateway's per-request work besides auth and forwarding: the limit decision with long-period quotas (a GCRA rate
 * plus a day and a month quota per consumer, an hour quota on the route; limits high enough that every call is
 * admitted), and the usage analytics update, each on one thread (the uncontended cost a request pays).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class GatewayHotPathBenchmark {
    private RouteLimiter ratesOnly;
    private RouteLimiter ratesAndQuotas;
    private UsageAnalytics usage;

    @Setup(Level.Trial)
    public void setup() {
        ZoneId zone = ZoneId.of("Europe/Berlin");
        RouteConfig.Rate rate = new RouteConfig.Rate(1e9, 1_000_000_000L, "1e9/s");
        RateLimitConfig plain = new RateLimitConfig(rate, Map.of());
        RateLimitConfig quotas = new RateLimitConfig(rate, Map.of(), new RateLimitConfig.Quotas(zone,
                Map.of(QuotaPeriod.DAY, QuotaPeriod.MAX_LIMIT, QuotaPeriod.MONTH, QuotaPeriod.MAX_LIMIT), Map.of()));
        ratesOnly = new RateLimiter(plain, new QuotaLeases("bench"), Ticker.system(), Clock.systemUTC())
                .forRoute(RouteConfig.Limits.NONE);
        ratesAndQuotas = new RateLimiter(quotas, new QuotaLeases("bench"), Ticker.system(), Clock.systemUTC())
                .forRoute(new RouteConfig.Limits(null, null, Map.of(QuotaPeriod.HOUR, QuotaPeriod.MAX_LIMIT), Map.of()));
        usage = new UsageAnalytics(Clock.systemUTC(), zone);
    }

    @Benchmark
    @Threads(1)
    public RouteLimiter.Decision acquireRateOnly() {
        return ratesOnly.acquire("mobile-app");
    }

    @Benchmark
    @Threads(1)
    public RouteLimiter.Decision acquireRateDayMonthAndRouteHour() {
        return ratesAndQuotas.acquire("mobile-app");
    }

    @Benchmark
    @Threads(1)
    public void recordUsage() {
        usage.record("orders", "mobile-app", 200, 0, 512, 1_500_000);
    }
}
