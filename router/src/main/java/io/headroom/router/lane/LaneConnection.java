package io.headroom.router.lane;

import io.headroom.router.net.EdgePoller;
import io.headroom.router.net.LaneCarriers;
import io.headroom.router.net.NativeSocket;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.concurrency.limits.FixedLimit;
import io.helidon.common.concurrency.limits.Limit;
import io.helidon.common.concurrency.limits.LimitAlgorithm;
import io.helidon.common.task.InterruptableTask;
import io.helidon.common.uri.UriValidator;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * One client connection on the lane: it reads each request head from the bytes the connection has already read,
 * serves a head {@link HeadParser} takes with the router's handler through {@link LaneRequest} and {@link LaneResponse},
 * and hands the connection, from the first request it does not take, to Helidon's HTTP/1.1 connection with that
 * request's bytes still unread, so Helidon parses, checks and answers it (and every later one) exactly as without
 * the lane. It never waits for the rest of a head: one that has not fully arrived goes to Helidon too, whose header
 * read deadline then applies.
 */
final class LaneConnection implements ServerConnection, InterruptableTask<Void> {
    private static final System.Logger LOG = System.getLogger(LaneConnection.class.getName());

    private final ConnectionContext ctx;
    private final ServerConnectionSelector helidon;
    private final Handler handler;
    private final HeadParser parser;
    private final byte[] head;
    private final WireBuffer out = new WireBuffer(1024);
    /** The socket, for {@link NativeSocket}'s descriptor; null when the lane reads the JDK's way. */
    private final java.nio.channels.SocketChannel channel;
    /** The lane's duplicate of the socket's descriptor ({@link NativeSocket}), or -1: the JDK's way only. */
    private int fd = -1;
    /** {@link #fd}'s readiness on the router's edge poller, or null: a read that finds nothing parks on the JDK's poller. */
    private EdgePoller.Readiness readiness;
    /** With {@link #fd}: {@code head[0, filled)} holds bytes read and not yet consumed, the next request first. */
    private int filled;
    /** With {@link #fd}: the connection's reader may hold bytes (those read to pick the protocol, or a JDK read's). */
    private boolean readerMayHave = true;
    /** Whether the connection is still to be served: what a park for the next request checks. */
    private final java.util.function.BooleanSupplier openCheck = this::open;
    /**
     * The last request's target and Host, as bytes ({@code [0]} the length) and as made for it: a client that asks the
     * same again (most of a keep-alive connection's requests) gets the same immutable prologue and host string rather
     * than new ones. Only a target without a query is kept.
     */
    private byte[] lastPath;
    private HttpPrologue lastPrologue;
    private byte[] lastHost;
    private String lastHostText;
    /** The answer's appended header lines (LaneResponse), one store per connection. */
    private final HeaderLines appended = new HeaderLines(512);
    /** The answer's header map in wire form (LaneResponse), one store per connection. */
    private final HeaderLines fields = new HeaderLines(256);
    private final io.helidon.http.ServerResponseHeaders responseHeaders = io.helidon.http.ServerResponseHeaders.create();
    private final int streamBuffer;
    private final LongAdder served;
    private final LongAdder handedOver;

    private volatile Thread thread;
    private volatile boolean canRun = true;
    private volatile boolean reading;
    private volatile long lastActivity = System.nanoTime();
    private volatile ServerConnection delegate;
    private int requestId;

    LaneConnection(ConnectionContext ctx, ServerConnectionSelector helidon, Handler handler, int maxRequestLine,
                   int maxHeaderBytes, LongAdder served, LongAdder handedOver, java.nio.channels.SocketChannel channel) {
        this.ctx = ctx;
        this.helidon = helidon;
        this.handler = handler;
        this.parser = new HeadParser(maxRequestLine, maxHeaderBytes);
        // a head the lane takes fits: request line, headers, and the CRLFs after each
        this.head = new byte[maxRequestLine + 2 + maxHeaderBytes + 2];
        this.streamBuffer = Math.max(512, ctx.listenerContext().config().writeBufferSize());
        this.served = served;
        this.handedOver = handedOver;
        this.channel = channel;
    }

    @SuppressWarnings("removal")
    @Override
    public void handle(Semaphore requestSemaphore) throws InterruptedException {
        handle(FixedLimit.create(requestSemaphore));
    }

    /**
     * Serves the connection on a lane carrier ({@link LaneCarriers}) when there are carriers: the connection gets a
     * virtual thread of the next carrier, and this thread (Helidon's) waits for it and then throws what it threw, so
     * Helidon closes the connection as if this thread had served it. Without carriers, serves it on this thread.
     */
    @Override
    public void handle(Limit limit) throws InterruptedException {
        if (channel != null && !LaneCarriers.onCarrier()) {
            Throwable[] failed = new Throwable[1];
            Thread t = LaneCarriers.start(() -> {
                try {
                    serveAll(limit);
                } catch (Throwable e) {
                    failed[0] = e;
                }
            });
            if (t != null) {
                joinCarried(t);
                Throwable e = failed[0];
                if (e instanceof InterruptedException ie) {
                    throw ie;
                } else if (e instanceof RuntimeException re) {
                    throw re;
                } else if (e instanceof Error err) {
                    throw err;
                } else if (e != null) {
                    throw new IllegalStateException(e);
                }
                return;
            }
        }
        serveAll(limit);
    }

    /**
     * Waits for the connection's thread on a lane carrier to end; an interrupt of this (Helidon's) thread is passed
     * on to it, and this thread then still waits for it, so the connection is never handled by two threads.
     */
    private static void joinCarried(Thread t) throws InterruptedException {
        boolean interrupted = false;
        for (;;) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
                t.interrupt();
            }
        }
        if (interrupted) {
            throw new InterruptedException("interrupted while the lane served the connection");
        }
    }

    private void serveAll(Limit limit) throws InterruptedException {
        thread = Thread.currentThread();
        DataReader reader = ctx.dataReader();
        fd = NativeSocket.duplicate(channel);
        readiness = EdgePoller.register(fd);
        try {
            // The loop's body is a method of its own: this frame is entered once per connection, so the JIT rarely
            // compiles it (and an on-stack replacement only at its loop's back edge), and a body run here would be
            // interpreted on every request; a method called on every request is compiled like any other.
            while (canRun && next(reader, limit)) {
                // one request served; the connection stays open
            }
        } finally {
            closeFd();
        }
    }

    private void closeFd() {
        int f = fd;
        fd = -1;
        EdgePoller.Readiness r = readiness;
        readiness = null;
        if (r != null) {
            r.close(); // out of the poller before the descriptor's number can be reused
        }
        NativeSocket.close(f);
    }

    /**
     * Adds at least one byte to {@code head[filled, ...)}: first what the connection's reader holds (it came first),
     * then what the socket has without waiting; when it has nothing, parks this thread on the JDK's poller until the
     * socket is readable and reads again, and when that still gives nothing (an error), waits for the JDK's read,
     * which reports it, and takes what it read.
     */
    private void fill(DataReader reader) {
        if (readerMayHave && takeFromReader(reader)) {
            return;
        }
        // on the edge poller a wake-up can find nothing (its edge was for bytes an earlier read took): wait again
        int attempts = readiness != null && !readiness.ended() ? 4 : 1;
        for (int attempt = 0; ; attempt++) {
            int n = recvHead();
            if (n > 0) {
                filled += n;
                return;
            }
            if (n == 0) {
                throw new CloseConnectionException("No more data available");
            }
            if (attempt == attempts) {
                break; // readable and still nothing: an error, or a wake-up without data; the JDK's read sorts it out
            }
            // nothing there yet: park until the socket is readable, as a channel's read parks
            boolean parked;
            reading = true;
            try {
                EdgePoller.Readiness r = readiness;
                parked = canRun && (r != null && r.await(openCheck) || attempt == 0 && NativeSocket.awaitReadable(fd, openCheck));
            } catch (java.io.IOException e) {
                throw new CloseConnectionException("the connection failed while waiting for a request", e);
            } finally {
                reading = false;
            }
            if (!canRun || Thread.currentThread().isInterrupted()) {
                throw new CloseConnectionException("the connection was closed while waiting for a request");
            }
            if (!parked) {
                break;
            }
        }
        reading = true;
        try {
            reader.ensureAvailable(); // the JDK's read waits (and reports what went wrong)
        } catch (DataReader.InsufficientDataAvailableException e) {
            throw new CloseConnectionException("No more data available", e);
        } finally {
            reading = false;
        }
        takeFromReader(reader);
    }

    /**
     * A {@code recv} into {@code head}'s free room: bytes read, 0 at the end, -1 for nothing; with {@link #readiness},
     * a socket found drained with no edge since gives -1 without the call.
     */
    private int recvHead() {
        EdgePoller.Readiness r = readiness;
        return r == null ? NativeSocket.recv(fd, head, filled, head.length - filled) : r.recv(head, filled, head.length - filled);
    }

    private boolean open() {
        return canRun && channel.isOpen();
    }

    /** Moves what the reader holds (as much as fits) into {@code head}; false when it held nothing. */
    private boolean takeFromReader(DataReader reader) {
        int k = Math.min(reader.available(), head.length - filled);
        if (k <= 0) {
            readerMayHave = false;
            return false;
        }
        reader.getBuffer(k).read(head, filled, k);
        reader.skip(k);
        filled += k;
        readerMayHave = true; // more may be left (past the head's room)
        return true;
    }

    /**
     * Reads, serves and answers the next request; false when the connection was handed over or must close. The request's
     * bytes come into {@link #head} from the socket itself with {@link #fd} ({@link #fill}), else from the
     * connection's reader ({@link #fromReader}).
     */
    private boolean next(DataReader reader, Limit limit) throws InterruptedException {
        int n;
        if (fd >= 0) {
            if (filled == 0) {
                fill(reader);
            }
            n = filled;
        } else {
            n = fromReader(reader);
        }
        int length = parser.parse(head, n);
        String query = length < 0 || parser.queryStart < 0 ? null : ascii(parser.queryStart, parser.queryEnd);
        if (length < 0 || (query != null && !queryValid(query))) {
            handOver(limit);
            return false;
        }
        LimitAlgorithm.Outcome outcome = limit.tryAcquireOutcome(true);
        if (!(outcome instanceof LimitAlgorithm.Outcome.Accepted accepted)) {
            handOver(limit); // Helidon asks again and refuses the request as it would without the lane
            return false;
        }
        lastActivity = System.nanoTime();
        LimitAlgorithm.Token permit = accepted.token();
        served.increment(); // counted as taken: before its answer, which a client may act on at once
        boolean close;
        try {
            close = serve(query);
            permit.success();
        } catch (Throwable t) {
            permit.dropped();
            throw t;
        }
        if (fd >= 0) {
            int rest = filled - length; // a pipelined next request, already here
            if (rest > 0) {
                System.arraycopy(head, length, head, 0, rest);
            }
            filled = rest;
        } else {
            reader.skip(length);
        }
        lastActivity = System.nanoTime();
        return !close; // on close the listener closes the socket when the connection's handling returns
    }

    /** Waits for the next request's first bytes in the connection's reader and copies what it has into {@link #head}. */
    private int fromReader(DataReader reader) {
        reading = true;
        try {
            reader.ensureAvailable();
        } catch (DataReader.InsufficientDataAvailableException e) {
            throw new CloseConnectionException("No more data available", e);
        } finally {
            reading = false;
        }
        int n = Math.min(reader.available(), head.length);
        reader.getBuffer(n).read(head, 0, n);
        return n;
    }

    /** Whether the query passes Helidon's own check (which the parser's character scan does not fully repeat). */
    private static boolean queryValid(String query) {
        try {
            UriValidator.validateQuery(query);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** Whether {@code head[from, to)} holds the bytes remembered in {@code last} ({@code [0]} their length). */
    private boolean same(byte[] last, int from, int to) {
        int n = to - from;
        return last != null && (last[0] & 0xFF) == n && java.util.Arrays.equals(last, 1, n + 1, head, from, to);
    }

    /** {@code head[from, to)} remembered for {@link #same} (no more than 254 bytes: a longer one is not remembered). */
    private byte[] remember(byte[] last, int from, int to) {
        int n = to - from;
        if (n >= 255) {
            return null;
        }
        byte[] b = last != null && last.length > n ? last : new byte[Math.max(64, n + 1)];
        b[0] = (byte) n;
        System.arraycopy(head, from, b, 1, n);
        return b;
    }

    private String ascii(int from, int to) {
        return new String(head, from, to - from, StandardCharsets.ISO_8859_1);
    }

    /** Serves the parsed request (its raw query, or null); true when the connection must close after it. */
    private boolean serve(String query) {
        Method method = parser.method == HeadParser.GET ? Method.GET : Method.HEAD;
        HttpPrologue prologue;
        if (lastPrologue != null && lastPrologue.method() == method && query == null && same(lastPath, parser.pathStart, parser.pathEnd)) {
            prologue = lastPrologue; // a client asking for the same target again (immutable: shared safely)
        } else {
            prologue = LaneRequest.prologue(method, ascii(parser.pathStart, parser.pathEnd), query);
            lastPath = remember(lastPath, parser.pathStart, parser.pathEnd);
            lastPrologue = query == null ? prologue : null;
        }
        String host;
        if (lastHostText != null && same(lastHost, parser.hostStart, parser.hostEnd)) {
            host = lastHostText;
        } else {
            host = ascii(parser.hostStart, parser.hostEnd);
            lastHost = remember(lastHost, parser.hostStart, parser.hostEnd);
            lastHostText = host;
        }
        LaneHeaders headers = new LaneHeaders(head, parser.fields, parser.count);
        LaneRequest req = new LaneRequest(ctx, prologue, headers, host, ++requestId);
        LaneResponse res = new LaneResponse(ctx.dataWriter(), fd, out, fields, appended, responseHeaders, method == Method.HEAD, streamBuffer);
        try {
            handler.handle(req, res);
            if (!res.finish()) {
                internalError(res, new IllegalStateException("the handler returned without an answer"));
                return true;
            }
        } catch (CloseConnectionException e) {
            throw e;
        } catch (Exception e) {
            if (!res.isSent() && internalError(res, e)) {
                return true;
            }
            // the answer was under way: the client can only be told by the end of the connection
            throw new CloseConnectionException("the answer failed after it was started", e);
        }
        return res.closeAfter();
    }

    /** A 500 that closes the connection, when nothing of the answer has been written yet; false if it could not be. */
    private boolean internalError(LaneResponse res, Exception cause) {
        LOG.log(System.Logger.Level.WARNING, "the router's handler failed on the HTTP/1.1 lane", cause);
        try {
            LaneResponse fresh = new LaneResponse(ctx.dataWriter(), fd, out, fields, appended, responseHeaders, false, streamBuffer);
            fresh.status(io.helidon.http.Status.INTERNAL_SERVER_ERROR_500);
            fresh.header(io.helidon.http.HeaderValues.CONNECTION_CLOSE);
            fresh.header(io.helidon.http.HeaderValues.CONTENT_TYPE_JSON);
            fresh.send("{\"error\":\"internal_error\",\"detail\":\"the router failed on this request; its log has the cause\"}"
                    .getBytes(StandardCharsets.US_ASCII));
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * The rest of the connection goes to Helidon, this request's bytes unread: with {@link #fd}, the bytes the lane read
     * and did not consume go first ({@link HandOverContext}); else they are still in the connection's reader.
     */
    private void handOver(Limit limit) throws InterruptedException {
        ConnectionContext context = ctx;
        if (fd >= 0) {
            byte[] pending = java.util.Arrays.copyOf(head, filled);
            filled = 0;
            closeFd();
            context = new HandOverContext(ctx, pending);
        }
        handedOver.increment();
        ServerConnection c = helidon.connection(context);
        delegate = c;
        if (!canRun) {
            c.close(false);
        }
        c.handle(limit);
    }

    @Override
    public boolean canInterrupt() {
        ServerConnection d = delegate;
        if (d == null) {
            return reading;
        }
        return !(d instanceof InterruptableTask<?> t) || t.canInterrupt();
    }

    @Override
    public Duration idleTime() {
        ServerConnection d = delegate;
        return d != null ? d.idleTime() : Duration.ofNanos(System.nanoTime() - lastActivity);
    }

    @Override
    public void close(boolean interrupt) {
        canRun = false;
        ServerConnection d = delegate;
        if (d != null) {
            d.close(interrupt);
            return;
        }
        Thread t = thread;
        if (t != null && (interrupt || reading)) {
            t.interrupt();
        }
    }
}
