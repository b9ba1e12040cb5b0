package io.headroom.cli.admin;

import io.headroom.router.Router;
import io.headroom.router.analytics.UsageAnalytics;
import io.headroom.router.auth.Identity;
import io.headroom.router.config.AuthConfig;
import io.headroom.router.config.RouterConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.ToLongFunction;

/**
 * Today's usage per consumer as Prometheus gauges ({@code headroom_usage_today_requests{consumer}} and the error,
 * byte counts), refreshed when {@code /metrics} is scraped; they restart from zero at midnight in the quota time zone.
 *
 * <p>Cardinality is bounded by configuration, not by traffic: only consumers the configuration names (API keys,
 * per-consumer rate limits and quotas), at most {@link #MAX_CONSUMERS} of them, plus {@code anonymous}, get their own
 * series; everyone else (JWT subjects, introspected clients, the analytics' own overflow) is summed into
 * {@code consumer="(other)"}. Routes are not a label here: per-route counts are in {@code headroom_requests_total}.
 * The full per-consumer, per-route picture is {@code GET /api/usage}.
 */
final class UsageMetrics {
    static final int MAX_CONSUMERS = 100;
    static final String OTHER = UsageAnalytics.OTHER;

    private final MultiGauge requests;
    private final MultiGauge serverErrors;
    private final MultiGauge clientErrors;
    private final MultiGauge bytesIn;
    private final MultiGauge bytesOut;

    UsageMetrics(MeterRegistry registry) {
        requests = MultiGauge.builder("headroom.usage.today.requests")
                .description("Requests today (quota time zone) per named consumer; others under (other)").register(registry);
        serverErrors = MultiGauge.builder("headroom.usage.today.server.errors").description("5xx answers today per named consumer")
                .register(registry);
        clientErrors = MultiGauge.builder("headroom.usage.today.client.errors").description("4xx answers today per named consumer")
                .register(registry);
        bytesIn = MultiGauge.builder("headroom.usage.today.request.bytes").description("Request body bytes today per named consumer")
                .register(registry);
        bytesOut = MultiGauge.builder("headroom.usage.today.response.bytes").description("Response body bytes today per named consumer")
                .register(registry);
    }

    /** The consumers with their own series: named in {@code config}, sorted, at most {@link #MAX_CONSUMERS}, and anonymous. */
    static List<String> named(RouterConfig config) {
        TreeSet<String> names = new TreeSet<>();
        AuthConfig.ApiKeys keys = config.auth().apiKeys();
        if (keys != null) {
            keys.keys().forEach(k -> names.add(k.consumer()));
        }
        names.addAll(config.rateLimits().consumers().keySet());
        names.addAll(config.rateLimits().quotas().consumers().keySet());
        names.remove(OTHER);
        List<String> out = new ArrayList<>(names.stream().limit(MAX_CONSUMERS).toList());
        if (!out.contains(Identity.ANONYMOUS_ID)) {
            out.add(Identity.ANONYMOUS_ID);
        }
        return out;
    }

    /** Re-reads today's usage; called before each scrape (costs one pass over today's cells). */
    void refresh(Router router) {
        if (router == null) {
            return;
        }
        List<String> named = named(router.config());
        UsageAnalytics.Report today = router.usage().today();
        Map<String, long[]> rows = new TreeMap<>();
        for (String n : named) {
            rows.put(n, new long[5]);
        }
        rows.put(OTHER, new long[5]);
        today.byConsumer().forEach((consumer, u) -> {
            long[] r = rows.containsKey(consumer) ? rows.get(consumer) : rows.get(OTHER);
            r[0] += u.requests();
            r[1] += u.serverErrors();
            r[2] += u.clientErrors();
            r[3] += u.bytesIn();
            r[4] += u.bytesOut();
        });
        set(requests, rows, r -> r[0]);
        set(serverErrors, rows, r -> r[1]);
        set(clientErrors, rows, r -> r[2]);
        set(bytesIn, rows, r -> r[3]);
        set(bytesOut, rows, r -> r[4]);
    }

    private static void set(MultiGauge g, Map<String, long[]> rows, ToLongFunction<long[]> f) {
        List<MultiGauge.Row<?>> out = new ArrayList<>(rows.size());
        rows.forEach((consumer, r) -> out.add(MultiGauge.Row.of(Tags.of("consumer", consumer), f.applyAsLong(r))));
        g.register(out, true); // overwrite: consumers dropped from the configuration leave no stale series
    }
}
