package io.headroom.cli.admin;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.TelemetryWindow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Prometheus metrics of one Headroom process. Request metrics are derived from the router's closed one-second
 * telemetry windows (the same numbers that go to Kafka), so the request path pays nothing for them; role state
 * (plans, forecasts, instances, Kafka buffers) is read by gauges at scrape time.
 *
 * <p>Label values are routes, pools and backends, which configuration and the autoscaler's bounds keep finite.
 */
public final class HeadroomMetrics implements AutoCloseable {
    /** Latency buckets (seconds) exposed as the histogram's {@code le} values. */
    static final double[] LATENCY_BUCKETS = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
    private static final String[] CLASSES = {"2xx", "3xx", "4xx", "5xx", "error", "rejected"};

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ConcurrentHashMap<String, Counter> counters = new ConcurrentHashMap<>();
    private final LatencyFamily requestDuration = LatencyFamily.register(registry, "headroom_request_duration_seconds",
            "End-to-end request latency seen by the router", LATENCY_BUCKETS, "route", "pool");
    private final LatencyFamily backendDuration = LatencyFamily.register(registry, "headroom_backend_request_duration_seconds",
            "Request latency seen by the router, per backend that served the request", LATENCY_BUCKETS, "route", "pool", "backend");
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public HeadroomMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Folds one closed window into the cumulative request metrics. Runs on the aggregator's thread, once a second. */
    public void onWindow(TelemetryWindow w) {
        for (BackendStats b : w.backends()) {
            long[] byClass = {b.status2xx(), b.status3xx(), b.status4xx(), b.status5xx(), b.errors(), b.rejections()};
            for (int i = 0; i < CLASSES.length; i++) {
                if (byClass[i] > 0) {
                    counter("headroom.requests", w.route(), w.pool(), b.backend(), CLASSES[i]).increment(byClass[i]);
                }
            }
            if (b.bytesIn() > 0) {
                counter("headroom.request.body.bytes", w.route(), w.pool(), null, null).increment(b.bytesIn());
            }
            if (b.bytesOut() > 0) {
                counter("headroom.response.body.bytes", w.route(), w.pool(), null, null).increment(b.bytesOut());
            }
            LatencyHistogram h = b.latency();
            if (h.totalCount() > 0) {
                // Per backend too; the router's own answers (no backend) are in the route's histogram only.
                boolean perBackend = !io.headroom.router.telemetry.RouteTelemetry.NO_BACKEND.equals(b.backend());
                for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
                    long c = h.count(i);
                    if (c == 0) {
                        continue;
                    }
                    // Each request at its bucket's upper bound: the error is the bucket width (about 19%).
                    double seconds = LatencyHistogram.upperBoundMicros(i) / 1e6;
                    requestDuration.add(seconds, c, w.route(), w.pool());
                    if (perBackend) {
                        backendDuration.add(seconds, c, w.route(), w.pool(), b.backend());
                    }
                }
            }
        }
        counter("headroom.telemetry.windows", w.route(), w.pool(), null, null).increment();
    }

    private Counter counter(String name, String route, String pool, String backend, String cls) {
        String key = name + '|' + route + '|' + pool + '|' + backend + '|' + cls;
        return counters.computeIfAbsent(key, k -> {
            Counter.Builder b = Counter.builder(name).tag("route", route).tag("pool", pool);
            if (backend != null) {
                b.tag("backend", backend);
            }
            if (cls != null) {
                b.tag("code_class", cls);
            }
            return b.register(registry);
        });
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }
}
