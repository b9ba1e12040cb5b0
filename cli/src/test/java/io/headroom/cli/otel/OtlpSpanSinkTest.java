package io.headroom.cli.otel;

import io.headroom.router.log.AccessLog;
import io.headroom.router.trace.TraceContext;
import io.headroom.router.trace.TracingConfig;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The exporter queue: never blocks the caller, drops and counts when full, counts refused exports, skips unsampled. */
@Timeout(60)
class OtlpSpanSinkTest {
    private final AtomicLong ids = new AtomicLong(1);

    private AccessLog.Entry entry(String incoming) {
        AccessLog.Entry e = new AccessLog.Entry();
        e.trace = TraceContext.of(incoming, ids::incrementAndGet);
        e.traceId = e.trace.traceId();
        e.timeMillis = 1_764_000_000_000L;
        e.method = "GET";
        e.path = "/x";
        e.status = 200;
        e.durationNanos = 1_000_000;
        return e;
    }

    private static TracingConfig.Otlp config(int queue, boolean sampledOnly) {
        return new TracingConfig.Otlp(URI.create("http://127.0.0.1:1/v1/traces"), "t", Duration.ofSeconds(5), queue, sampledOnly);
    }

    /** An exporter that holds every export until released, then succeeds or fails. */
    static final class GatedExporter implements SpanExporter {
        final CountDownLatch gate = new CountDownLatch(1);
        final ConcurrentLinkedQueue<SpanData> got = new ConcurrentLinkedQueue<>();
        final boolean succeed;

        GatedExporter(boolean succeed) {
            this.succeed = succeed;
        }

        @Override
        public CompletableResultCode export(Collection<SpanData> spans) {
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            got.addAll(spans);
            return succeed ? CompletableResultCode.ofSuccess() : CompletableResultCode.ofFailure();
        }

        @Override
        public CompletableResultCode flush() {
            return CompletableResultCode.ofSuccess();
        }

        @Override
        public CompletableResultCode shutdown() {
            return CompletableResultCode.ofSuccess();
        }
    }

    @Test
    void aGrpcCallsSpanCarriesItsGrpcStatusAndTheMappedHttpStatus() {
        OtlpSpanSink sink = new OtlpSpanSink(new GatedExporter(true), config(4, true), "i");
        AccessLog.Entry e = entry(null);
        e.status = 503; // UNAVAILABLE as HTTP, as the proxy records a gRPC passthrough call that failed so
        e.grpcStatus = 14;
        SpanData span = sink.span(e);
        assertThat(span.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("rpc.grpc.status_code"))).isEqualTo(14L);
        assertThat(span.getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("http.response.status_code"))).isEqualTo(503L);
        assertThat(span.getStatus().getStatusCode()).isEqualTo(io.opentelemetry.api.trace.StatusCode.ERROR);
        assertThat(sink.span(entry(null)).getAttributes().get(io.opentelemetry.api.common.AttributeKey.longKey("rpc.grpc.status_code"))).isNull();
    }

    @Test
    void aFullQueueDropsAndCountsWithoutBlocking() {
        GatedExporter exporter = new GatedExporter(true);
        OtlpSpanSink sink = new OtlpSpanSink(exporter, config(4, true), "i");
        sink.startWorker();
        // The worker takes the first entry and blocks in export; 4 more fill the queue; the rest are dropped.
        sink.offer(entry(null));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.queued() == 0);
        for (int i = 0; i < 10; i++) {
            sink.offer(entry(null)); // returns at once although the exporter is stuck
        }
        assertThat(sink.dropped()).isEqualTo(6);
        exporter.gate.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.exported() == 5);
        sink.close();
        assertThat(exporter.got).hasSize(5);
        assertThat(sink.failed()).isZero();
    }

    @Test
    void refusedExportsAreCountedAndUnsampledTracesSkipped() {
        GatedExporter exporter = new GatedExporter(false);
        exporter.gate.countDown();
        OtlpSpanSink sink = new OtlpSpanSink(exporter, config(100, true), "i");
        sink.startWorker();
        sink.offer(entry("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00")); // not sampled
        sink.offer(entry("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
        sink.offer(entry(null));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.failed() == 2);
        sink.close();
        assertThat(sink.exported()).isZero();
        assertThat(exporter.got).extracting(SpanData::getParentSpanId).containsExactlyInAnyOrder("00f067aa0ba902b7", "0000000000000000");
        sink.offer(entry(null)); // after close: ignored, not queued
        assertThat(sink.queued()).isZero();
    }

    @Test
    void sampledOnlyFalseExportsEverything() {
        GatedExporter exporter = new GatedExporter(true);
        exporter.gate.countDown();
        OtlpSpanSink sink = new OtlpSpanSink(exporter, config(100, false), "i");
        sink.startWorker();
        sink.offer(entry("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"));
        await().atMost(Duration.ofSeconds(10)).until(() -> sink.exported() == 1);
        sink.close();
        assertThat(List.copyOf(exporter.got).getFirst().getSpanContext().isSampled()).isFalse();
    }
}
