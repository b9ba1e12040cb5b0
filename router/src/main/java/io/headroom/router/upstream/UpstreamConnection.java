package io.headroom.router.upstream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;

import io.headroom.router.net.EdgePoller;
import io.headroom.router.net.NativeSocket;

/**
 * One HTTP/1.1 connection to a backend with its own read and write buffers: a lean codec that writes a request head
 * in one pass and streams bodies without buffering them whole.
 *
 * <p>Used by one exchange at a time. The {@link Watchdog} may close it from another thread when its deadline passes;
 * the blocked read or write then fails and {@link #timedOut()} tells why.
 *
 * <p>On a socket channel and with {@link NativeSocket} available, reads and writes go through {@code recv} and
 * {@code send} on a duplicate of the socket's descriptor, waiting on the JDK's poller when there is nothing to read,
 * and the JDK's streams only for what that path leaves (an error, a full socket buffer, a tunnel). The duplicate is
 * closed only by {@link #close()}, which the thread using the connection calls; the watchdog's close from another
 * thread ({@link #abort()}) shuts the socket down instead, which ends that thread's read or write.
 */
public final class UpstreamConnection {
    private static final int MAX_HEAD_BYTES = 64 * 1024;
    private static final byte[] CRLF = {'\r', '\n'};
    private static final byte[] LAST_CHUNK = {'0', '\r', '\n', '\r', '\n'};
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    private final Backend backend;
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final Watchdog watchdog;
    private final byte[] rbuf = new byte[16 * 1024];
    private int rpos;
    private int rlim;
    private final byte[] wbuf = new byte[16 * 1024];
    private int wlen;
    private final ResponseHead head = new ResponseHead();
    private final HeadCache cache = new HeadCache();
    /** The longest head kept for {@link #readHead}'s repeat check. */
    static final int MAX_REPEATED_HEAD = 1024;
    /** The bytes of the last head parsed into {@link #head} ({@link #lastHeadLength} of them; 0: none kept), or null. */
    private byte[] lastHead;
    private int lastHeadLength;
    /** Heads answered by the repeat check (for tests). */
    private int repeatedHeads;
    /** Times {@link #fill} moved the buffer's bytes (or emptied it), which moves where a head being read started. */
    private int shifts;
    private volatile long deadlineNanos;
    private volatile boolean timedOut;
    private volatile boolean closed;
    /** The socket and {@link #fd} were closed (by {@link #close()}, on the thread using the connection). */
    private boolean released;
    /** A duplicate of the socket's descriptor for {@link NativeSocket}'s recv and send, or -1: the JDK's streams only. */
    private int fd = -1;
    /**
     * Whether this connection was made with {@link #fd} (fixed for its life: what {@link #abort()} on another thread
     * decides by, never by {@link #fd} itself, which only the connection's user reads and writes).
     */
    private final boolean nativeIo;
    /** {@link #fd}'s readiness on the router's edge poller, or null: reads that find nothing park on the JDK's poller. */
    private EdgePoller.Readiness readiness;
    /** What a read parked on {@link #fd} checks: whether the connection is still open. */
    private final java.util.function.BooleanSupplier openCheck = () -> !closed;
    private long idleSinceNanos;
    private int exchanges;
    private final int home;

    UpstreamConnection(Backend backend, Socket socket, Watchdog watchdog) throws IOException {
        this.backend = backend;
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.watchdog = watchdog;
        if (socket.getChannel() != null) {
            this.fd = NativeSocket.duplicate(socket.getChannel()); // -1 when not available: the streams only
            this.readiness = EdgePoller.register(fd);
        }
        this.nativeIo = fd >= 0;
        this.home = readiness != null ? io.headroom.router.net.LaneCarriers.home() : 0;
    }

    /**
     * The lane carrier whose poller this connection's socket is on, as {@link io.headroom.router.net.LaneCarriers#home()}
     * numbers them (0: none); its pool keeps it with that carrier's idle connections.
     */
    int home() {
        return home;
    }

    /**
     * Whether the upstream is known to have closed its end or failed (seen by the edge poller while the connection was
     * idle): a pooled connection that would only fail the next exchange.
     */
    public boolean peerEnded() {
        EdgePoller.Readiness r = readiness;
        return r != null && r.ended();
    }

    /** Whether reads wait on the router's edge poller (for tests). */
    boolean edgeReadiness() {
        return readiness != null;
    }

    /** Whether reads and writes go through {@link NativeSocket} (for tests). */
    boolean nativeSocket() {
        return fd >= 0;
    }

    public Backend backend() {
        return backend;
    }

    /** Exchanges started on this connection before the current one. */
    public int previousExchanges() {
        return exchanges;
    }

    /** Starts an exchange that must finish by {@code deadlineNanos} (ticker time). */
    public void begin(long deadline) {
        timedOut = false;
        wlen = 0;
        deadlineNanos = deadline == 0 ? 1 : deadline;
        watchdog.exchangeBegan();
    }

    /** Moves the current exchange's deadline (ticker time), e.g. to a first-byte deadline while waiting for the head. */
    public void deadline(long deadline) {
        deadlineNanos = deadline == 0 ? 1 : deadline;
    }

    /** No deadline for the rest of this connection's life (a tunnel after a protocol upgrade; idle time is the peers'). */
    public void untimed() {
        deadlineNanos = 0;
    }

    /**
     * The upstream's bytes after the response head, for a tunnel after {@code 101 Switching Protocols}: what was read
     * past the head first, then the socket. Only for a connection that will never return to the pool.
     */
    public InputStream tunnelIn() {
        byte[] rest = java.util.Arrays.copyOfRange(rbuf, rpos, rlim);
        rpos = rlim;
        return new java.io.SequenceInputStream(new java.io.ByteArrayInputStream(rest), in);
    }

    /** The upstream socket's output, for a tunnel (after {@link #flush()}). */
    public OutputStream tunnelOut() {
        return out;
    }

    long deadlineNanos() {
        return deadlineNanos;
    }

    long idleSinceNanos() {
        return idleSinceNanos;
    }

    void markIdle(long nowNanos) {
        deadlineNanos = 0;
        idleSinceNanos = nowNanos;
        exchanges++;
    }

    /** Called by the watchdog: the exchange ran past its deadline. */
    void timeOut() {
        timedOut = true;
        abort();
    }

    /**
     * Ends the connection from a thread that may not be the one using it (the watchdog): its read or write fails at
     * once. With {@link #fd} the socket is shut down rather than closed (the duplicate is closed by {@link #close()}
     * on the thread using it, which the failure leads to); without it this is {@link #close()}.
     */
    void abort() {
        if (!nativeIo) {
            close();
            return;
        }
        if (closed) {
            return;
        }
        closed = true;
        watchdog.unregister(this);
        try {
            socket.shutdownInput();
        } catch (IOException ignored) {
            // already shut, or closed
        }
        try {
            socket.shutdownOutput();
        } catch (IOException ignored) {
            // already shut, or closed
        }
    }

    /** True if the watchdog closed this connection because the exchange ran past its deadline. */
    public boolean timedOut() {
        return timedOut;
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Closes the socket (idempotent). Called by the thread using the connection, or holding it alone (out of the pool);
     * without {@link #fd}, any thread may.
     */
    public void close() {
        if (!closed) {
            closed = true;
            watchdog.unregister(this);
        } else if (released) {
            return;
        }
        released = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        int f = fd;
        fd = -1;
        EdgePoller.Readiness r = readiness;
        readiness = null;
        if (r != null) {
            r.close(); // out of the poller before the descriptor's number can be reused
        }
        NativeSocket.close(f);
    }

    /** Hands the connection back to its pool for reuse. */
    public void release(long nowNanos) {
        backend.connections().release(this, nowNanos);
    }

    // ---- writing -------------------------------------------------------------------------------------------------

    /** Appends ISO-8859-1 text to the write buffer (header names and values are ASCII on the wire). */
    @SuppressWarnings("deprecation") // getBytes(int, int, byte[], int) keeps each char's low byte: what ISO-8859-1 needs, in one copy
    public void writeAscii(String s) throws IOException {
        int n = s.length();
        int from = 0;
        while (from < n) {
            if (wlen == wbuf.length) {
                flushBuffer();
            }
            int k = Math.min(n - from, wbuf.length - wlen);
            s.getBytes(from, from + k, wbuf, wlen);
            wlen += k;
            from += k;
        }
    }

    public void writeCrlf() throws IOException {
        if (wlen + 2 > wbuf.length) {
            flushBuffer();
        }
        wbuf[wlen++] = '\r';
        wbuf[wlen++] = '\n';
    }

    /** Appends {@code name: value CRLF}. */
    public void writeHeader(String name, String value) throws IOException {
        writeAscii(name);
        if (wlen + 2 > wbuf.length) {
            flushBuffer();
        }
        wbuf[wlen++] = ':';
        wbuf[wlen++] = ' ';
        writeAscii(value);
        writeCrlf();
    }

    public void writeBytes(byte[] b, int off, int len) throws IOException {
        if (len >= wbuf.length - wlen) {
            flushBuffer();
            socketWrite(b, off, len);
            return;
        }
        System.arraycopy(b, off, wbuf, wlen, len);
        wlen += len;
    }

    /** Writes one chunk of a chunked body. */
    public void writeChunk(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return;
        }
        writeHex(len);
        writeCrlf();
        writeBytes(b, off, len);
        writeCrlf();
    }

    public void writeLastChunk() throws IOException {
        writeBytes(LAST_CHUNK, 0, LAST_CHUNK.length);
    }

    private void writeHex(int v) throws IOException {
        if (wlen + 8 > wbuf.length) {
            flushBuffer();
        }
        int shift = 28;
        while (shift > 0 && ((v >>> shift) & 0xF) == 0) {
            shift -= 4;
        }
        for (; shift >= 0; shift -= 4) {
            wbuf[wlen++] = HEX[(v >>> shift) & 0xF];
        }
    }

    private void flushBuffer() throws IOException {
        if (wlen > 0) {
            socketWrite(wbuf, 0, wlen);
            wlen = 0;
        }
    }

    /** Writes to the socket: what it takes at once with {@code send}, the rest (or all, without {@link #fd}) by the stream. */
    private void socketWrite(byte[] b, int off, int len) throws IOException {
        int f = fd;
        if (f >= 0) {
            if (closed) {
                throw new java.net.SocketException("Socket closed");
            }
            int n = NativeSocket.send(f, b, off, len);
            if (n == len) {
                return;
            }
            if (n > 0) {
                off += n;
                len -= n;
            }
        }
        out.write(b, off, len);
    }

    /** Sends whatever is buffered. */
    public void flush() throws IOException {
        flushBuffer();
        out.flush();
    }

    private byte[] bodyBuf;

    /**
     * Streams a request body from the client to the upstream, as is ({@code chunked == false}, the caller sent
     * Content-Length) or chunk-encoded, and flushes.
     *
     * @return body bytes forwarded
     * @throws ClientBodyException when reading from the client failed (the client went away)
     */
    public long copyRequestBody(InputStream body, boolean chunked) throws IOException {
        if (bodyBuf == null) {
            bodyBuf = new byte[16 * 1024];
        }
        long total = 0;
        while (true) {
            int n;
            try {
                n = body.read(bodyBuf, 0, bodyBuf.length);
            } catch (IOException | RuntimeException e) {
                throw new ClientBodyException(e);
            }
            if (n < 0) {
                break;
            }
            if (chunked) {
                writeChunk(bodyBuf, 0, n);
            } else {
                writeBytes(bodyBuf, 0, n);
            }
            total += n;
        }
        if (chunked) {
            writeLastChunk();
        }
        flush();
        return total;
    }

    /** Reading the request body from the client failed: not the upstream's fault. */
    public static final class ClientBodyException extends IOException {
        ClientBodyException(Throwable cause) {
            super("reading the request body from the client failed: " + cause, cause);
        }
    }

    // ---- reading -------------------------------------------------------------------------------------------------

    private boolean fill() throws IOException {
        if (rpos > 0 && rpos == rlim) {
            rpos = 0;
            rlim = 0;
            shifts++;
        }
        if (rlim == rbuf.length) {
            if (rpos == 0) {
                return false; // buffer full of one unfinished line
            }
            System.arraycopy(rbuf, rpos, rbuf, 0, rlim - rpos);
            rlim -= rpos;
            rpos = 0;
            shifts++;
        }
        int n = read(rbuf, rlim, rbuf.length - rlim);
        if (n < 0) {
            return false;
        }
        rlim += n;
        return true;
    }

    /** Where the body being transferred goes, flushed before a read that would wait; null outside a body transfer. */
    private OutputStream sink;
    /** Bytes written to {@link #sink} since its last flush. */
    private boolean unflushed;

    /**
     * Reads from the upstream socket. During a body transfer, when the upstream has nothing more ready, what was
     * copied so far is flushed to the client first: a streamed response (server-sent events, long polling, chunks of
     * a slow producer) reaches the client as it is produced, while a body that arrives faster than it is read is
     * passed on in full buffers. The check is one {@code available()} per upstream read, only with bytes pending.
     */
    private int read(byte[] b, int off, int len) throws IOException {
        if (fd >= 0) {
            int n = recvNow(b, off, len);
            if (n != NOTHING) {
                return n;
            }
            if (unflushed) {
                sink.flush(); // nothing more ready: what was copied goes to the client before the wait
                unflushed = false;
            }
            return awaitAndRead(b, off, len);
        }
        if (unflushed && in.available() == 0) {
            sink.flush();
            unflushed = false;
        }
        return in.read(b, off, len);
    }

    /** {@link #recvNow}: nothing was there. */
    private static final int NOTHING = -2;

    /**
     * What the socket has now: bytes read, -1 at its end, or {@link #NOTHING}; with {@link #readiness}, a socket found
     * drained with no edge since gives {@link #NOTHING} without a {@code recv}.
     */
    private int recvNow(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new java.net.SocketException("Socket closed");
        }
        EdgePoller.Readiness r = readiness;
        int n = r == null ? NativeSocket.recv(fd, b, off, len) : r.recv(b, off, len);
        return n > 0 ? n : n == 0 ? -1 : NOTHING;
    }

    /**
     * Reads at least one byte (or -1 at the end), waiting for them: with {@link #fd}, what is there, else a park until
     * the socket is readable and a read again; the stream's read when that path has nothing to say (an error).
     */
    private int socketRead(byte[] b, int off, int len) throws IOException {
        if (fd >= 0) {
            int n = recvNow(b, off, len);
            if (n != NOTHING) {
                return n;
            }
            return awaitAndRead(b, off, len);
        }
        return in.read(b, off, len);
    }

    /**
     * After a {@link #recvNow} that found nothing: parks until the socket is readable and reads. On the edge poller a
     * wake-up can find nothing (its edge was for bytes an earlier read took), so it waits again, a few times; the
     * stream's read, which waits and reports errors the JDK's way, when this path has nothing to say.
     */
    private int awaitAndRead(byte[] b, int off, int len) throws IOException {
        for (int attempt = 0; attempt < 4; attempt++) {
            EdgePoller.Readiness r = readiness;
            boolean parked = r != null && r.await(openCheck) || attempt == 0 && NativeSocket.awaitReadable(fd, openCheck);
            if (!parked) {
                break;
            }
            int n = recvNow(b, off, len);
            if (n != NOTHING) {
                return n;
            }
            if (r == null) {
                break; // the JDK's poller said readable and there is nothing: an error, which the stream reports
            }
        }
        return in.read(b, off, len);
    }

    private void write(byte[] b, int off, int len) throws IOException {
        sink.write(b, off, len);
        unflushed = true;
    }

    /**
     * Makes one whole line available at {@code rbuf[rpos..]} (compacting or filling the buffer as needed) and returns
     * the index of its {@code \n}, or -1 at end of stream before any byte. {@code rpos} stays at the line's start.
     */
    private int lineFeed(int[] budget) throws IOException {
        int scanFrom = rpos;
        while (true) {
            for (int i = scanFrom; i < rlim; i++) {
                if (rbuf[i] == '\n') {
                    budget[0] -= i + 1 - rpos;
                    return i;
                }
            }
            if (budget[0] - (rlim - rpos) < 0) {
                throw new BadResponseException("response head larger than " + MAX_HEAD_BYTES + " bytes");
            }
            int consumed = scanFrom - rpos;
            int before = rlim - rpos;
            if (!fill()) {
                if (before == 0) {
                    return -1;
                }
                throw new BadResponseException("response head truncated");
            }
            scanFrom = rpos + Math.max(consumed, before);
        }
    }

    /** The end of the line whose {@code \n} is at {@code lf}, without its CR. */
    private int lineEnd(int lf) {
        return lf > rpos && rbuf[lf - 1] == '\r' ? lf - 1 : lf;
    }

    /** Reads one line without its CRLF; null at end of stream before any byte. */
    private String readLine(int[] budget) throws IOException {
        int lf = lineFeed(budget);
        if (lf < 0) {
            return null;
        }
        String line = new String(rbuf, rpos, lineEnd(lf) - rpos, StandardCharsets.ISO_8859_1);
        rpos = lf + 1;
        return line;
    }

    /**
     * Reads a response head, skipping interim 1xx responses (other than 101, which is returned).
     *
     * <p>Header lines are parsed from the read buffer: names must be RFC 9110 tokens and values free of control
     * characters other than tab (so the router's HTTP/1.1 server need not validate the response headers it copies
     * again), and a name or value this connection's backend sent before is not decoded again (see {@link HeadCache}).
     *
     * @throws EOFException         when the connection closed before any byte (a stale keep-alive connection)
     * @throws BadResponseException when the response is not valid HTTP/1.x
     */
    public ResponseHead readHead() throws IOException {
        if (rpos == rlim && readiness == null) {
            // the request just left: let others run while the backend answers, so the read finds its answer. Not on
            // the edge poller, where a read that would find nothing parks without a system call: there the yield
            // only cost CPU and p99 (docs/router.md, "Edges")
            io.headroom.router.ReadYield.beforeUpstreamRead();
        }
        // A backend usually repeats its last head byte for byte (nginx's changes with its Date, once a second): then
        // the head parsed last time, still in this connection's ResponseHead, is this one's parse as well.
        if (lastHeadLength > 0 && (rlim > rpos || fill()) && rlim - rpos >= lastHeadLength
                && Arrays.equals(rbuf, rpos, rpos + lastHeadLength, lastHead, 0, lastHeadLength)) {
            rpos += lastHeadLength;
            repeatedHeads++;
            return head;
        }
        lastHeadLength = 0; // head is reset below: it no longer holds the parse of lastHead
        boolean interim = false;
        while (true) {
            int[] budget = {MAX_HEAD_BYTES};
            head.reset();
            int lf = lineFeed(budget);
            if (lf < 0) {
                throw new EOFException("upstream closed the connection before responding");
            }
            int headStart = rpos; // the status line is in the buffer from here
            int shiftsAtStart = shifts;
            parseStatus(rpos, lineEnd(lf));
            rpos = lf + 1;
            while (true) {
                lf = lineFeed(budget);
                if (lf < 0) {
                    throw new BadResponseException("response head truncated");
                }
                int end = lineEnd(lf);
                if (end == rpos) {
                    rpos = lf + 1;
                    break;
                }
                parseHeader(rpos, end);
                rpos = lf + 1;
            }
            if (head.status >= 100 && head.status < 200 && head.status != 101) {
                interim = true;
                continue;
            }
            if (head.chunked) {
                head.contentLength = -1;
            }
            if (!interim && shifts == shiftsAtStart) {
                rememberHead(headStart);
            }
            return head;
        }
    }

    /**
     * Keeps the bytes of the head just parsed, from {@code headStart} to {@code rpos}, when it is at most
     * {@value #MAX_REPEATED_HEAD} bytes. Called only when the buffer did not move while the head was read, and not for
     * a head that followed interim 1xx heads (its bytes alone would not be the whole of what was parsed).
     */
    private void rememberHead(int headStart) {
        int n = rpos - headStart;
        if (n <= 0 || n > MAX_REPEATED_HEAD) {
            return;
        }
        if (lastHead == null) {
            lastHead = new byte[MAX_REPEATED_HEAD];
        }
        System.arraycopy(rbuf, headStart, lastHead, 0, n);
        lastHeadLength = n;
    }

    /** How many heads {@link #readHead} found to repeat the last one byte for byte. */
    int repeatedHeads() {
        return repeatedHeads;
    }

    private String text(int from, int end) {
        return new String(rbuf, from, end - from, StandardCharsets.ISO_8859_1);
    }

    private void parseStatus(int from, int end) throws BadResponseException {
        if (cache.statusLine(rbuf, from, end, head)) {
            return;
        }
        String line = text(from, end);
        // HTTP/1.1 200 OK
        if (line.length() < 12 || !line.startsWith("HTTP/1.") || line.charAt(8) != ' ') {
            throw new BadResponseException("bad status line: " + abbreviate(line));
        }
        head.http10 = line.charAt(7) == '0';
        head.close = head.http10;
        int code = 0;
        for (int i = 9; i < 12; i++) {
            char c = line.charAt(i);
            if (c < '0' || c > '9') {
                throw new BadResponseException("bad status code: " + abbreviate(line));
            }
            code = code * 10 + (c - '0');
        }
        if (code < 100) {
            throw new BadResponseException("bad status code: " + abbreviate(line));
        }
        head.status = code;
        head.reason = line.length() > 13 ? line.substring(13) : "";
        cache.rememberStatusLine(rbuf, from, end, head);
    }

    private void parseHeader(int from, int end) throws BadResponseException {
        int colon = -1;
        for (int i = from; i < end; i++) {
            if (rbuf[i] == ':') {
                colon = i;
                break;
            }
        }
        if (colon <= from) {
            throw new BadResponseException("bad header line: " + abbreviate(text(from, end)));
        }
        byte last = rbuf[colon - 1];
        if (last == ' ' || last == '\t') {
            throw new BadResponseException("whitespace before colon in header: " + abbreviate(text(from, end)));
        }
        int slot = cache.nameSlot(rbuf, from, colon);
        if (slot < 0) {
            for (int i = from; i < colon; i++) {
                if (!HeadCache.tchar(rbuf[i])) {
                    throw new BadResponseException("bad header name: " + abbreviate(text(from, end)));
                }
            }
            slot = cache.rememberName(rbuf, from, colon);
        }
        String name = cache.name(slot);
        int vs = colon + 1;
        int ve = end;
        while (vs < ve && (rbuf[vs] == ' ' || rbuf[vs] == '\t')) {
            vs++;
        }
        while (ve > vs && (rbuf[ve - 1] == ' ' || rbuf[ve - 1] == '\t')) {
            ve--;
        }
        String value = cache.value(slot, rbuf, vs, ve);
        if (value == null) {
            for (int i = vs; i < ve; i++) {
                int c = rbuf[i] & 0xFF;
                if (c < 0x20 && c != '\t' || c == 0x7F) {
                    throw new BadResponseException("control character in the value of header " + name);
                }
            }
            value = cache.rememberValue(slot, rbuf, vs, ve);
        }
        switch (name.length()) {
            case 10 -> {
                if (name.equalsIgnoreCase("connection")) {
                    parseConnection(value);
                }
            }
            case 11 -> {
                if (name.equalsIgnoreCase("retry-after")) {
                    head.retryAfter = true;
                }
            }
            case 14 -> {
                if (name.equalsIgnoreCase("content-length")) {
                    long len;
                    try {
                        len = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new BadResponseException("bad Content-Length: " + abbreviate(value));
                    }
                    if (len < 0 || (head.contentLength >= 0 && head.contentLength != len)) {
                        throw new BadResponseException("bad or conflicting Content-Length: " + abbreviate(value));
                    }
                    head.contentLength = len;
                }
            }
            case 17 -> {
                if (name.equalsIgnoreCase("transfer-encoding")) {
                    // Only chunked framing is understood; anything else means read until close.
                    String v = value.toLowerCase(Locale.ROOT);
                    if (v.endsWith("chunked")) {
                        head.chunked = true;
                    } else {
                        head.close = true;
                    }
                }
            }
            default -> {
            }
        }
        head.names.add(name);
        head.headerNames.add(cache.headerName(slot));
        head.values.add(value);
        head.headers.add(cache.header(slot));
    }

    private void parseConnection(String value) {
        if (value.equalsIgnoreCase("keep-alive")) { // the usual one, without splitting
            if (head.http10) {
                head.close = false;
            }
            return;
        }
        int start = 0;
        int n = value.length();
        while (start < n) {
            int comma = value.indexOf(',', start);
            int end = comma < 0 ? n : comma;
            String token = value.substring(start, end).strip().toLowerCase(Locale.ROOT);
            if (token.equals("close")) {
                head.close = true;
            } else if (token.equals("keep-alive")) {
                if (head.http10) {
                    head.close = false;
                }
            } else if (!token.isEmpty()) {
                head.connectionTokens.add(token);
            }
            start = end + 1;
        }
    }

    /**
     * Streams the response body to {@code sink} according to the head's framing.
     *
     * @return body bytes copied
     * @throws EOFException when the upstream closed before the announced end of the body
     */
    public long transferBody(ResponseHead h, OutputStream sink) throws IOException {
        this.sink = sink;
        this.unflushed = false;
        try {
            if (h.chunked) {
                return transferChunked();
            }
            if (h.contentLength >= 0) {
                transferFixed(h.contentLength);
                return h.contentLength;
            }
            return transferUntilClose();
        } finally {
            this.sink = null;
            this.unflushed = false;
        }
    }

    /**
     * When a whole body of {@code length} bytes came with the head and is in the read buffer: consumes it and returns
     * its offset in {@link #readBuffer()}, where it stays until this connection's next read or its release; else -1
     * (nothing consumed: {@link #readBody} reads it).
     */
    public int bufferedBody(int length) {
        if (length < 0 || rlim - rpos < length) {
            return -1;
        }
        int at = rpos;
        rpos += length;
        return at;
    }

    /** The read buffer, for a body {@link #bufferedBody} found in it. */
    public byte[] readBuffer() {
        return rbuf;
    }

    /**
     * Reads a whole body of {@code length} bytes announced by Content-Length (for a small one: the caller then sends it
     * with its head in one write). Usually the body came with the head and is in the read buffer already.
     *
     * @throws EOFException when the upstream closed before the end of the body
     */
    public byte[] readBody(int length) throws IOException {
        byte[] body = new byte[length];
        int have = Math.min(length, rlim - rpos);
        System.arraycopy(rbuf, rpos, body, 0, have);
        rpos += have;
        while (have < length) {
            int r = socketRead(body, have, length - have);
            if (r < 0) {
                throw new EOFException("upstream closed with " + (length - have) + " body bytes missing");
            }
            have += r;
        }
        return body;
    }

    /** True if the response framing allows reusing this connection after the body was read completely. */
    public boolean reusableAfter(ResponseHead h, boolean bodyExpected) {
        return !h.close && !closed && !timedOut && (!bodyExpected || h.chunked || h.contentLength >= 0);
    }

    private void transferFixed(long n) throws IOException {
        long left = n;
        while (left > 0) {
            if (rpos == rlim) {
                rpos = 0;
                rlim = 0;
                int r = read(rbuf, 0, rbuf.length);
                if (r < 0) {
                    throw new EOFException("upstream closed with " + left + " body bytes missing");
                }
                rlim = r;
            }
            int k = (int) Math.min(left, rlim - rpos);
            write(rbuf, rpos, k);
            rpos += k;
            left -= k;
        }
    }

    private long transferChunked() throws IOException {
        long total = 0;
        int[] budget = {MAX_HEAD_BYTES};
        while (true) {
            String sizeLine = readLine(budget);
            if (sizeLine == null) {
                throw new EOFException("upstream closed inside a chunked body");
            }
            long size = parseChunkSize(sizeLine);
            if (size == 0) {
                // Trailers: read and drop (the chunked encoding towards the client is Helidon's).
                String t;
                while ((t = readLine(budget)) != null && !t.isEmpty()) {
                    // skip
                }
                if (t == null) {
                    throw new EOFException("upstream closed inside chunked trailers");
                }
                return total;
            }
            transferFixed(size);
            total += size;
            String crlf = readLine(budget);
            if (crlf == null || !crlf.isEmpty()) {
                throw new BadResponseException("chunk not followed by CRLF");
            }
            budget[0] = MAX_HEAD_BYTES;
        }
    }

    private static long parseChunkSize(String line) throws BadResponseException {
        int end = line.indexOf(';');
        String hex = (end < 0 ? line : line.substring(0, end)).strip();
        if (hex.isEmpty() || hex.length() > 15) {
            throw new BadResponseException("bad chunk size: " + abbreviate(line));
        }
        try {
            return Long.parseLong(hex, 16);
        } catch (NumberFormatException e) {
            throw new BadResponseException("bad chunk size: " + abbreviate(line));
        }
    }

    private long transferUntilClose() throws IOException {
        long total = rlim - rpos;
        if (total > 0) {
            write(rbuf, rpos, (int) total);
        }
        rpos = 0;
        rlim = 0;
        int r;
        while ((r = read(rbuf, 0, rbuf.length)) >= 0) {
            write(rbuf, 0, r);
            total += r;
        }
        return total;
    }

    private static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    /** The upstream sent something that is not a valid HTTP/1.x response. */
    public static final class BadResponseException extends IOException {
        public BadResponseException(String message) {
            super(message);
        }
    }
}
