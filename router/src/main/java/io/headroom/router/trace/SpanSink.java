package io.headroom.router.trace;

import io.headroom.router.log.AccessLog;

/**
 * Where the router hands each finished request to be exported as a span (e.g. over OTLP). The router only calls
 * {@link #offer}, on the request thread after the response went out: it must not block, format or do I/O (queue and
 * return; drop and count when full). The router itself holds no tracing library: an implementation lives outside
 * this module and is loaded only when tracing export is configured.
 */
public interface SpanSink extends AutoCloseable {

    /**
     * Takes one finished request. The entry carries the trace context ({@link AccessLog.Entry#trace}), route, pool,
     * backend, method, path, status, start time and duration; it is not written to after this call.
     */
    void offer(AccessLog.Entry request);

    /** Flushes what is queued and stops. */
    @Override
    void close();
}
