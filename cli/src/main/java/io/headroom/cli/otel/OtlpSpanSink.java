package io.headroom.cli.otel;

import io.headroom.router.log.AccessLog;
import io.headroom.router.trace.SpanSink;
import io.headroom.router.trace.TracingConfig;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.opentelemetry.sdk.trace.export.SpanExporter;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Exports each proxied request as an OTLP span (kind SERVER) with the W3C ids the router propagates: the trace id,
 * the router's own span id (the parent the backend sees in {@code traceparent}) and the client's span id as parent
 * when the trace came from the client. Requests are queued without blocking ({@link #offer}; full queue: dropped and
 * counted) and one exporter thread sends them in batches of up to {@value #BATCH} through the OpenTelemetry OTLP/HTTP
 * exporter (JDK HTTP client). Only this class and {@link #start} touch OpenTelemetry, so nothing of it is loaded
 * unless {@code tracing.otlp} is configured.
 */
public final class OtlpSpanSink implements SpanSink {
    private static final Logger LOG = Logger.getLogger(OtlpSpanSink.class.getName());
    static final int BATCH = 512;
    private static final long MAX_WAIT_MS = 1000;
    private static final InstrumentationScopeInfo SCOPE = InstrumentationScopeInfo.create("io.headroom.router");
    private static final AttributeKey<String> METHOD = AttributeKey.stringKey("http.request.method");
    private static final AttributeKey<String> PATH = AttributeKey.stringKey("url.path");
    private static final AttributeKey<String> ROUTE = AttributeKey.stringKey("http.route");
    private static final AttributeKey<Long> STATUS = AttributeKey.longKey("http.response.status_code");
    /** A gRPC route's call: its gRPC status code (OpenTelemetry's RPC convention); the HTTP status is that code's mapping. */
    private static final AttributeKey<Long> GRPC_STATUS = AttributeKey.longKey("rpc.grpc.status_code");
    private static final AttributeKey<String> CLIENT = AttributeKey.stringKey("client.address");
    private static final AttributeKey<String> POOL = AttributeKey.stringKey("headroom.pool");
    private static final AttributeKey<String> BACKEND = AttributeKey.stringKey("headroom.backend");
    private static final AttributeKey<String> CONSUMER = AttributeKey.stringKey("headroom.consumer");
    private static final AttributeKey<Long> BYTES_IN = AttributeKey.longKey("http.request.body.size");
    private static final AttributeKey<Long> BYTES_OUT = AttributeKey.longKey("http.response.body.size");

    private final SpanExporter exporter;
    private final Resource resource;
    private final boolean sampledOnly;
    private final long timeoutMillis;
    private final ArrayBlockingQueue<AccessLog.Entry> queue;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong exported = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final Thread worker;
    private volatile boolean closed;

    OtlpSpanSink(SpanExporter exporter, TracingConfig.Otlp config, String instanceId) {
        this.exporter = exporter;
        this.resource = Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), config.serviceName(),
                AttributeKey.stringKey("service.instance.id"), instanceId));
        this.sampledOnly = config.sampledOnly();
        this.timeoutMillis = config.timeout().toMillis();
        this.queue = new ArrayBlockingQueue<>(config.queue());
        this.worker = Thread.ofPlatform().daemon().name("headroom-otlp-export").unstarted(this::run);
    }

    /** A sink exporting to {@code config.endpoint()} over OTLP/HTTP, its thread started. */
    public static SpanSink start(TracingConfig.Otlp config, String instanceId) {
        SpanExporter exporter = OtlpHttpSpanExporter.builder().setEndpoint(config.endpoint().toString())
                .setTimeout(config.timeout()).build();
        OtlpSpanSink s = new OtlpSpanSink(exporter, config, instanceId);
        s.startWorker();
        LOG.info("exporting request spans over OTLP/HTTP to " + config.endpoint() + " as service " + config.serviceName());
        return s;
    }

    void startWorker() {
        worker.start();
    }

    /** Spans waiting for the exporter thread. */
    int queued() {
        return queue.size();
    }

    @Override
    public void offer(AccessLog.Entry request) {
        if (closed || (sampledOnly && request.trace != null && !request.trace.sampled())) {
            return;
        }
        if (!queue.offer(request)) {
            dropped.incrementAndGet();
        }
    }

    /** Spans dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Spans lost because the collector refused them or could not be reached in time. */
    public long failed() {
        return failed.get();
    }

    /** Spans the collector acknowledged. */
    public long exported() {
        return exported.get();
    }

    private void run() {
        List<AccessLog.Entry> batch = new ArrayList<>(BATCH);
        while (true) {
            try {
                AccessLog.Entry first = queue.poll(MAX_WAIT_MS, TimeUnit.MILLISECONDS);
                if (first != null) {
                    batch.add(first);
                    queue.drainTo(batch, BATCH - 1);
                    export(batch);
                    batch.clear();
                } else if (closed) {
                    return;
                }
            } catch (InterruptedException e) {
                if (closed && queue.isEmpty()) {
                    return;
                }
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "span export failed", e);
                batch.clear();
            }
        }
    }

    private void export(List<AccessLog.Entry> batch) {
        List<SpanData> spans = new ArrayList<>(batch.size());
        for (AccessLog.Entry e : batch) {
            if (e.trace != null) {
                spans.add(span(e));
            }
        }
        CompletableResultCode r = exporter.export(spans).join(timeoutMillis, TimeUnit.MILLISECONDS);
        if (r.isSuccess()) {
            exported.addAndGet(spans.size());
        } else {
            long before = failed.getAndAdd(spans.size());
            if (before == 0) {
                LOG.warning("OTLP span export failed (collector unreachable or refusing?); spans are dropped and counted");
            }
        }
    }

    /** The span of one finished request. */
    SpanData span(AccessLog.Entry e) {
        TraceFlags flags = TraceFlags.fromByte((byte) e.trace.flags());
        SpanContext self = SpanContext.create(e.traceId, e.trace.spanId(), flags, TraceState.getDefault());
        SpanContext parent = e.trace.parentSpanId() == null ? SpanContext.getInvalid()
                : SpanContext.createFromRemoteParent(e.traceId, e.trace.parentSpanId(), flags, TraceState.getDefault());
        AttributesBuilder a = Attributes.builder().put(METHOD, e.method).put(PATH, e.path).put(STATUS, (long) e.status)
                .put(BYTES_IN, e.bytesIn).put(BYTES_OUT, e.bytesOut);
        putIfPresent(a, ROUTE, e.route);
        putIfPresent(a, CLIENT, e.client);
        putIfPresent(a, POOL, e.pool);
        putIfPresent(a, BACKEND, e.backend);
        putIfPresent(a, CONSUMER, e.consumer);
        if (e.grpcStatus >= 0) {
            a.put(GRPC_STATUS, (long) e.grpcStatus);
        }
        long start = e.timeMillis * 1_000_000L;
        String name = e.route == null ? e.method : e.method + " " + e.route;
        return new RequestSpan(name, self, parent, e.status >= 500 ? StatusData.error() : StatusData.unset(), start,
                start + e.durationNanos, a.build(), resource);
    }

    private static void putIfPresent(AttributesBuilder a, AttributeKey<String> key, String value) {
        if (value != null) {
            a.put(key, value);
        }
    }

    /** Exports what is queued (within the export timeout), then stops. */
    @Override
    public void close() {
        closed = true;
        try {
            worker.join(timeoutMillis + 2 * MAX_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        exporter.shutdown().join(timeoutMillis, TimeUnit.MILLISECONDS);
    }

    /** A finished span built from the router's own record of the request. */
    private record RequestSpan(String getName, SpanContext getSpanContext, SpanContext getParentSpanContext, StatusData getStatus,
                               long getStartEpochNanos, long getEndEpochNanos, Attributes getAttributes, Resource getResource)
            implements SpanData {
        @Override
        public SpanKind getKind() {
            return SpanKind.SERVER;
        }

        @Override
        public List<EventData> getEvents() {
            return List.of();
        }

        @Override
        public List<LinkData> getLinks() {
            return List.of();
        }

        @Override
        public boolean hasEnded() {
            return true;
        }

        @Override
        public int getTotalRecordedEvents() {
            return 0;
        }

        @Override
        public int getTotalRecordedLinks() {
            return 0;
        }

        @Override
        public int getTotalAttributeCount() {
            return getAttributes.size();
        }

        @Override
        @SuppressWarnings("deprecation")
        public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
            return InstrumentationLibraryInfo.create(SCOPE.getName(), null);
        }

        @Override
        public InstrumentationScopeInfo getInstrumentationScopeInfo() {
            return SCOPE;
        }
    }
}
