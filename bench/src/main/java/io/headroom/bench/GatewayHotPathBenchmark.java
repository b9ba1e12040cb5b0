package io.headroom.bench;

import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.QuotaAllowance;
import io.headroom.router.analytics.UsageAnalytics;
import io.headroom.router.config.QuotaPeriod;
import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.limit.QuotaAllowances;
import io.headroom.router.limit.QuotaLeases;
import io.headroom.router.limit.RateLimiter;
import io.headroom.router.limit.RouteLimiter;
import io.headroom.time.Ticker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Threads;

import java.time.Clock;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

/**
 * The gateway's per-request work besides auth and forwarding: the limit decision with long-period quotas (a GCRA rate
 * plus a day and a month quota per consumer, an hour quota on the route; limits high enough that every call is
 * admitted), the same with this instance's allowances of cluster-wide day and month quotas on top, and the usage
 * analytics update, each on one thread (the uncontended cost a request pays).
 */
public class GatewayHotPathBenchmark extends NanosBenchmark {
    private RouteLimiter ratesOnly;
    private RouteLimiter ratesAndQuotas;
    private RouteLimiter ratesQuotasAndAllowances;
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
        // the same, plus cluster-wide day and month quotas: this instance's allowances from a plan valid for a year
        QuotaAllowances allowances = new QuotaAllowances("bench");
        long now = System.currentTimeMillis();
        List<QuotaAllowance> list = new java.util.ArrayList<>();
        for (QuotaPeriod p : new QuotaPeriod[]{QuotaPeriod.DAY, QuotaPeriod.MONTH}) {
            long[] w = p.window(now, zone);
            long nextEnd = p.window(w[1], zone)[1];
            list.add(new QuotaAllowance("mobile-app", "bench", p.yamlName(), w[0], w[1], nextEnd, QuotaPeriod.MAX_LIMIT, 0,
                    QuotaPeriod.MAX_LIMIT, QuotaPeriod.MAX_LIMIT));
        }
        allowances.update(List.of(new ControlPlan("pool:api", ControlPlan.SOURCE_PREDICTOR, 1, now, now + 365L * 86_400_000L, Map.of(),
                List.of(), List.of(), "bench", list)));
        ratesQuotasAndAllowances = new RateLimiter(quotas, new QuotaLeases("bench"), allowances, Ticker.system(), Clock.systemUTC(), null)
                .forRoute(new RouteConfig.Limits(null, null, Map.of(QuotaPeriod.HOUR, QuotaPeriod.MAX_LIMIT), Map.of()));
        usage = new UsageAnalytics(Clock.systemUTC(), zone);
    }

    @Benchmark
    @Threads(1)
    public RouteLimiter.Decision acquireRateQuotasAndClusterDayMonth() {
        return ratesQuotasAndAllowances.acquire("mobile-app");
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
