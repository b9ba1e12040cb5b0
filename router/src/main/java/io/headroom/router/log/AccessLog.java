package io.headroom.router.log;

import io.headroom.ingest.json.JsonStrings;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Structured JSON access log: the request thread fills an {@link Entry} with raw values and offers it to a bounded
 * lock-free queue ({@link #log}); one background thread formats and writes the lines. A full queue drops the entry
 * and counts it ({@link #dropped()}); the request thread never blocks, formats or touches the file. The writer polls
 * every few milliseconds when idle instead of being woken, so offering costs no signal.
 */
public final class AccessLog implements AutoCloseable {
    private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final AccessLogConfig.Field[] fields;
    private final int capacity;
    private final ConcurrentLinkedQueue<Entry> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final Writer out;
    private final boolean closeOut;
    private final Thread writer;
    private volatile boolean closed;

    private AccessLog(AccessLogConfig config, Writer out, boolean closeOut) {
        this.fields = config.fields().toArray(new AccessLogConfig.Field[0]);
        this.capacity = config.queueCapacity();
        this.out = out;
        this.closeOut = closeOut;
        this.writer = Thread.ofPlatform().daemon().name("headroom-access-log").unstarted(this::run);
    }

    /** Opens the file (append) or standard output and starts the writer; null when the log is disabled. */
    public static AccessLog open(AccessLogConfig config) {
        if (!config.enabled()) {
            return null;
        }
        try {
            OutputStream os;
            boolean close;
            if (config.file() == null) {
                os = new FileOutputStream(FileDescriptor.out);
                close = false;
            } else {
                if (config.file().getParent() != null) {
                    Files.createDirectories(config.file().getParent());
                }
                os = Files.newOutputStream(config.file(), StandardOpenOption.CREATE, StandardOpenOption.APPEND,
                        StandardOpenOption.WRITE);
                close = true;
            }
            AccessLog log = new AccessLog(config, new OutputStreamWriter(os, StandardCharsets.UTF_8), close);
            log.writer.start();
            return log;
        } catch (IOException e) {
            throw new IllegalStateException("cannot open access log " + config.file() + ": " + e.getMessage(), e);
        }
    }

    /** Queues {@code e} for writing, or drops it (counted) when the queue is full or the log is closed. Never blocks. */
    public void log(Entry e) {
        if (closed || size.incrementAndGet() > capacity) {
            if (!closed) {
                size.decrementAndGet();
            }
            dropped.incrementAndGet();
            return;
        }
        queue.offer(e);
    }

    /** Entries dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** Lines written so far. */
    public long written() {
        return written.get();
    }

    private void run() {
        StringBuilder line = new StringBuilder(256);
        while (true) {
            Entry e = queue.poll();
            if (e == null) {
                try {
                    out.flush();
                } catch (IOException ignored) {
                    // a failing log target must not stop the router; lines are lost until it recovers
                }
                if (closed && queue.isEmpty()) {
                    return;
                }
                LockSupport.parkNanos(IDLE_PARK_NANOS);
                continue;
            }
            size.decrementAndGet();
            line.setLength(0);
            format(e, fields, line);
            line.append('\n');
            try {
                out.append(line);
                written.incrementAndGet();
            } catch (IOException ignored) {
                dropped.incrementAndGet();
            }
        }
    }

    /** Writes what is queued, then stops the writer and closes the file. */
    @Override
    public void close() {
        closed = true;
        LockSupport.unpark(writer);
        try {
            writer.join(5000);
            if (closeOut) {
                out.close();
            } else {
                out.flush();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // nothing more to do at shutdown
        }
    }

    /** One JSON object for {@code e} with {@code fields} in order; strings escaped per RFC 8259, absent values null. */
    public static void format(Entry e, AccessLogConfig.Field[] fields, StringBuilder sb) {
        sb.append('{');
        for (int i = 0; i < fields.length; i++) {
            if (i > 0) {
                sb.append(',');
            }
            AccessLogConfig.Field f = fields[i];
            sb.append('"').append(f.key()).append("\":");
            switch (f) {
                case TIME -> string(sb, Instant.ofEpochMilli(e.timeMillis).toString());
                case ROUTE -> string(sb, e.route);
                case POOL -> string(sb, e.pool);
                case BACKEND -> string(sb, e.backend);
                case METHOD -> string(sb, e.method);
                case PATH -> string(sb, e.path);
                case STATUS -> sb.append(e.status);
                case DURATION_MS -> millis(sb, e.durationNanos);
                case BYTES_IN -> sb.append(e.bytesIn);
                case BYTES_OUT -> sb.append(e.bytesOut);
                case CLIENT -> string(sb, e.client);
                case CONSUMER -> string(sb, e.consumer);
                case TRACE_ID -> string(sb, e.traceId);
                case GRPC_STATUS -> {
                    if (e.grpcStatus < 0) {
                        sb.append("null");
                    } else {
                        sb.append(e.grpcStatus);
                    }
                }
                case UPSTREAM_CONNECT_MS -> millis(sb, e.upstreamConnectNanos);
                case UPSTREAM_HEADER_MS -> millis(sb, e.upstreamHeaderNanos);
                case UPSTREAM_RESPONSE_MS -> millis(sb, e.upstreamResponseNanos);
                case ATTEMPTS -> sb.append(e.attempts);
            }
        }
        sb.append('}');
    }

    /** Nanoseconds as milliseconds with microsecond resolution; a negative value (not measured) as null. */
    private static void millis(StringBuilder sb, long nanos) {
        if (nanos < 0) {
            sb.append("null");
        } else {
            sb.append(Math.round(nanos / 1000.0) / 1000.0);
        }
    }

    /** {@code s} as a JSON string (or null): quotes, backslashes, control characters and lone surrogates escaped. */
    public static void string(StringBuilder sb, String s) {
        JsonStrings.append(sb, s);
    }

    /** The fields of this log as configured. */
    public List<AccessLogConfig.Field> fields() {
        return List.of(fields);
    }

    /**
     * One request's raw values, filled by the request thread (only when the log is on) and formatted by the writer.
     * Strings may be null (written as JSON null): no route matched, no backend picked, anonymous consumer.
     */
    public static final class Entry {
        public long timeMillis;
        public String route;
        public String pool;
        public String backend;
        public String method;
        public String path;
        public int status;
        /**
         * The HTTP status the route decided, preferred over the response's own when set (0: none). A gRPC passthrough
         * call answers HTTP 200 whatever its outcome; its route sets here the HTTP status of its gRPC status, so that
         * the log, spans and usage analytics count a failed call as the error it is.
         */
        public int statusOverride;
        /** The gRPC status code of a gRPC route's call (passthrough or JSON translation), or -1 for none. */
        public int grpcStatus = -1;
        public long durationNanos;
        public long bytesIn;
        public long bytesOut;
        public String client;
        public String consumer;
        public String traceId;
        /** The whole trace context (span ids, flags), for span export. */
        public io.headroom.router.trace.TraceContext trace;
        /** The last attempt's connect time, or -1 (a reused connection, or no attempt got that far). */
        public long upstreamConnectNanos = -1;
        /** From the last attempt's start to its response head, or -1. */
        public long upstreamHeaderNanos = -1;
        /** From the last attempt's start to the last byte of its response passed on, or -1. */
        public long upstreamResponseNanos = -1;
        /** Backends tried for this request. */
        public int attempts;

        /** Back to a new entry's state, for an entry reused by the next request on the same thread. */
        public void clear() {
            timeMillis = 0;
            route = null;
            pool = null;
            backend = null;
            method = null;
            path = null;
            status = 0;
            statusOverride = 0;
            grpcStatus = -1;
            durationNanos = 0;
            bytesIn = 0;
            bytesOut = 0;
            client = null;
            consumer = null;
            traceId = null;
            trace = null;
            upstreamConnectNanos = -1;
            upstreamHeaderNanos = -1;
            upstreamResponseNanos = -1;
            attempts = 0;
        }
    }
}
