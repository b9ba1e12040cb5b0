package io.headroom.router.lane;

import io.headroom.router.net.NativeSocket;
import io.helidon.common.GenericType;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.DateTime;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.ServerResponseTrailers;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;
import io.helidon.webserver.http.spi.Sink;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The lane's answer to one request, written by the lane itself: status line, headers and a body given whole in one
 * write from the connection's buffer; a streamed body is held until the buffer fills, then sent with its
 * {@code Content-Length} (when the handler set one) or in chunks, each {@code flush} a chunk, as Helidon's HTTP/1.1
 * response does. The headers are Helidon's own header map, written from the values' encoded bytes.
 *
 * <p>What it writes as Helidon does: {@code Connection: keep-alive} unless the handler set a {@code Connection},
 * a {@code Date} when the handler set none, {@code Content-Length} for a body given whole, no body for a {@code HEAD}
 * request or a 1xx, 204, 205 or 304 answer (204 without {@code Content-Length}, 205 with {@code Content-Length: 0}).
 */
final class LaneResponse implements ServerResponse, HeaderAppender {
    private static final byte[] OK_200 = "HTTP/1.1 200 OK\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HTTP = "HTTP/1.1 ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] KEEP_ALIVE = "Connection: keep-alive\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] DATE = "Date: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CONTENT_LENGTH = "Content-Length: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] CHUNKED = "Transfer-Encoding: chunked\r\n".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] LAST_CHUNK = "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    private final DataWriter writer;
    private final WireBuffer out; // the connection's, cleared before each write
    /** The lane's descriptor of the socket ({@link NativeSocket}), or -1. */
    private final int fd;
    private final boolean headRequest;
    private final int streamBuffer;
    private final ServerResponseHeaders headers;
    private Status status = Status.OK_200;
    private boolean sent;
    private Stream stream;
    private long bytesWritten;
    /** The connection must close after this answer: it says so, or its body could not be framed as announced. */
    private boolean close;
    private List<Runnable> whenSent;
    /** Headers appended past the map ({@link HeaderAppender}), in wire form, written after it: the connection's. */
    private final HeaderLines appended;
    private boolean appendedDate;
    /** The header map's lines in wire form, made as the head is written: the connection's. */
    private final HeaderLines fields;

    /**
     * @param headers the connection's header map, cleared here: one per connection rather than one per answer (Helidon's
     *                map allocates an array for every well-known name, most of the bytes a request allocated)
     */
    LaneResponse(DataWriter writer, int fd, WireBuffer out, HeaderLines fields, HeaderLines appended, ServerResponseHeaders headers,
                 boolean headRequest, int streamBuffer) {
        this.writer = writer;
        this.fd = fd;
        this.out = out;
        this.fields = fields;
        this.appended = appended;
        appended.clear();
        this.headers = headers;
        headers.clear();
        this.headRequest = headRequest;
        this.streamBuffer = streamBuffer;
    }

    @Override
    public ServerResponse status(Status status) {
        if (stream != null && stream.committed) {
            throw new IllegalStateException("Cannot set response status after response was already sent.");
        }
        this.status = status;
        return this;
    }

    @Override
    public Status status() {
        return status;
    }

    @Override
    public ServerResponse header(Header header) {
        if (sent || stream != null) {
            throw new IllegalStateException("Cannot set response header after the response is sent or its stream opened.");
        }
        headers.set(header);
        return this;
    }

    @Override
    public ServerResponseHeaders headers() {
        return headers;
    }

    @Override
    public void append(Header header) {
        checkAppend();
        addField(appended, header);
        if (!appendedDate && header.headerName().equals(HeaderNames.DATE)) {
            appendedDate = true;
        }
    }

    @Override
    public void append(io.helidon.http.HeaderName name, String value) {
        checkAppend();
        appended.add(name.defaultCase(), value);
        if (!appendedDate && name.equals(HeaderNames.DATE)) {
            appendedDate = true;
        }
    }

    @Override
    public void append(io.helidon.http.HeaderName name, byte[] value, int offset, int length) {
        checkAppend();
        appended.add(name.defaultCase(), value, offset, length);
        if (!appendedDate && name.equals(HeaderNames.DATE)) {
            appendedDate = true;
        }
    }

    @Override
    public void append(HeaderLines lines, boolean hasDate) {
        checkAppend();
        appended.add(lines.bytes(), 0, lines.length());
        appendedDate |= hasDate;
    }

    private void checkAppend() {
        if (sent || stream != null) {
            throw new IllegalStateException("Cannot set response header after the response is sent or its stream opened.");
        }
    }

    @Override
    public void send() {
        send(BufferData.EMPTY_BYTES, 0, 0);
    }

    @Override
    public void send(byte[] bytes) {
        send(bytes, 0, bytes.length);
    }

    @Override
    public void send(byte[] bytes, int position, int length) {
        if (sent || stream != null) {
            throw new IllegalStateException("Response already sent");
        }
        if (headRequest && length > 0) {
            throw new IllegalStateException("Cannot send response entity for a HEAD request");
        }
        boolean entity = entityAllowed();
        if (!entity && length > 0) {
            throw new IllegalStateException("Cannot send an entity with status " + status.code());
        }
        out.clear();
        writeHead(entity && !headers.contains(HeaderNames.CONTENT_LENGTH) ? length : -1, false);
        if (length > 0) {
            out.write(bytes, position, length);
        }
        writeOut();
        sent = true;
        afterSend();
    }

    @Override
    public void send(Object entity) {
        if (entity instanceof byte[] b) {
            send(b);
        } else if (entity instanceof String s) {
            send(s.getBytes(StandardCharsets.UTF_8));
        } else {
            throw LaneRequest.unsupported("sending a " + entity.getClass().getName() + " through media support");
        }
    }

    @Override
    public boolean isSent() {
        return sent;
    }

    @Override
    public OutputStream outputStream() {
        if (sent || stream != null) {
            throw new IllegalStateException(sent ? "Response already sent" : "OutputStream already obtained");
        }
        stream = new Stream();
        return stream;
    }

    @Override
    public long bytesWritten() {
        return bytesWritten;
    }

    @Override
    public ServerResponse whenSent(Runnable listener) {
        if (whenSent == null) {
            whenSent = new ArrayList<>(2);
        }
        whenSent.add(listener);
        return this;
    }

    @Override
    public ServerResponse reroute(String path) {
        throw LaneRequest.unsupported("rerouting");
    }

    @Override
    public ServerResponse reroute(String path, UriQuery query) {
        throw LaneRequest.unsupported("rerouting");
    }

    @Override
    public ServerResponse next() {
        throw LaneRequest.unsupported("passing a request to the next handler");
    }

    @Override
    public ServerResponseTrailers trailers() {
        // as Helidon's HTTP/1.1 answer without "TE: trailers" (a request with TE is not the lane's)
        throw new IllegalStateException("Trailers are supported only when request came with 'TE: trailers' header");
    }

    @Override
    public void streamResult(String result) {
        // a streamed HTTP/1.1 answer has no place for it without trailers
    }

    @Override
    public <T extends Sink<?>> T sink(GenericType<T> sinkType) {
        throw LaneRequest.unsupported("a sink");
    }

    @Override
    public void streamFilter(UnaryOperator<OutputStream> filter) {
        throw LaneRequest.unsupported("a response stream filter");
    }

    /** Whether the connection must close after this answer. */
    boolean closeAfter() {
        if (close) {
            return true;
        }
        if (!headers.contains(HeaderNames.CONNECTION)) {
            return false;
        }
        for (String v : headers.get(HeaderNames.CONNECTION).allValues()) {
            for (String token : v.split(",")) {
                if (token.strip().equalsIgnoreCase("close")) {
                    return true;
                }
            }
        }
        return false;
    }

    /** After the handler: ends a stream it left open. False when no answer was given at all. */
    boolean finish() throws IOException {
        if (stream != null && !stream.closed) {
            stream.close();
        }
        return sent;
    }

    private boolean entityAllowed() {
        int code = status.code();
        return code >= 200 && code != 204 && code != 205 && code != 304;
    }

    /**
     * Status line and headers into {@code out}: {@code contentLength} is written when not negative, {@code chunked}
     * adds the chunked coding.
     */
    private void writeHead(long contentLength, boolean chunked) {
        int code = status.code();
        if (code == 204) {
            headers.remove(HeaderNames.CONTENT_LENGTH);
        } else if (code == 205) {
            headers.set(HeaderNames.CONTENT_LENGTH, "0");
        }
        if (!entityAllowed()) {
            headers.remove(HeaderNames.TRANSFER_ENCODING);
            headers.remove(HeaderNames.TRAILER);
        }
        if (status == Status.OK_200) {
            out.write(OK_200);
        } else {
            out.write(HTTP);
            String reason = status.reasonPhrase() == null || status.reasonPhrase().isEmpty() ? status.codeText() : status.reasonPhrase();
            out.write((code + " " + reason + "\r\n").getBytes(StandardCharsets.US_ASCII));
        }
        if (!headers.contains(HeaderNames.CONNECTION)) {
            out.write(KEEP_ALIVE);
        }
        if (headers.size() > 0) {
            fields.clear();
            for (Header h : headers) {
                addField(fields, h);
            }
            out.write(fields.bytes(), 0, fields.length());
        }
        if (appended.length() > 0) {
            out.write(appended.bytes(), 0, appended.length());
        }
        if (!appendedDate && !headers.contains(HeaderNames.DATE)) {
            out.write(DATE);
            out.write(DateTime.http1Bytes());
        }
        if (contentLength >= 0) {
            out.write(CONTENT_LENGTH);
            writeDecimal(contentLength);
            out.write('\r');
            out.write('\n');
        }
        if (chunked) {
            out.write(CHUNKED);
        }
        out.write('\r');
        out.write('\n');
    }

    /** One header, each of its values a line ({@link HeaderLines}: as Helidon's {@code Header.writeHttp1Header}). */
    private static void addField(HeaderLines lines, Header h) {
        String name = h.name();
        if (h.valueCount() == 1) {
            lines.add(name, h.get());
        } else {
            List<String> values = h.allValues();
            for (int i = 0, n = values.size(); i < n; i++) {
                lines.add(name, values.get(i));
            }
        }
    }

    private void writeDecimal(long v) {
        long p = 1;
        while (p <= v / 10) {
            p *= 10;
        }
        for (; p > 0; p /= 10) {
            out.write((int) ('0' + v / p % 10));
        }
    }

    /** Writes {@link #out}: as much as the socket takes at once natively ({@link NativeSocket}), the rest the JDK's way. */
    private void writeOut() {
        int n = out.available();
        bytesWritten += n;
        int sent = fd >= 0 ? NativeSocket.send(fd, out.array(), 0, n) : -1;
        if (sent < n) {
            writer.write(out.from(Math.max(0, sent)));
        }
    }

    private void afterSend() {
        if (whenSent != null) {
            for (Runnable r : whenSent) {
                r.run();
            }
        }
    }

    /**
     * A streamed body: held until {@code streamBuffer} bytes, then written with the announced {@code Content-Length} or
     * in chunks. Closed before the buffer fills and never flushed, it is sent whole with its length.
     */
    private final class Stream extends OutputStream {
        private final byte[] held = new byte[streamBuffer];
        private int heldCount;
        private boolean committed;
        private boolean chunked;
        private long announced = -1;
        private long bodyBytes;
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("the response stream is closed");
            }
            if (len == 0) {
                return;
            }
            if (!committed && heldCount + len <= held.length) {
                System.arraycopy(b, off, held, heldCount, len);
                heldCount += len;
                return;
            }
            commit();
            emit(held, 0, heldCount);
            heldCount = 0;
            emit(b, off, len);
        }

        @Override
        public void flush() throws IOException {
            if (closed) {
                return;
            }
            commit();
            emit(held, 0, heldCount);
            heldCount = 0;
        }

        @Override
        public void close() throws IOException {
            if (closed) {
                return;
            }
            closed = true;
            if (!committed) {
                // all of it is here: one write, with its length (a HEAD or a bodiless status writes the head only)
                boolean entity = entityAllowed() && !headRequest;
                long length = headers.contentLength().orElse(-1);
                if (length >= 0 && length != heldCount && entity) {
                    close = true; // the handler announced another length: the client cannot trust this connection's framing
                }
                out.clear();
                writeHead(entityAllowed() && length < 0 ? heldCount : -1, false);
                if (entity) {
                    out.write(held, 0, heldCount);
                }
                writeOut();
                sent = true;
                afterSend();
                return;
            }
            emit(held, 0, heldCount);
            heldCount = 0;
            if (chunked) {
                out.clear();
                out.write(LAST_CHUNK);
                writeOut();
            } else if (announced >= 0 && bodyBytes != announced) {
                close = true;
            }
            sent = true;
            afterSend();
        }

        /** Writes the head: with the handler's {@code Content-Length}, else chunked (no body for HEAD or a bodiless status). */
        private void commit() {
            if (committed) {
                return;
            }
            committed = true;
            boolean entity = entityAllowed();
            announced = headers.contentLength().orElse(-1);
            chunked = entity && announced < 0;
            out.clear();
            writeHead(-1, chunked);
            writeOut();
        }

        private void emit(byte[] b, int off, int len) {
            if (len == 0 || headRequest || !entityAllowed()) {
                return;
            }
            out.clear();
            if (chunked) {
                out.write(Integer.toHexString(len).getBytes(StandardCharsets.US_ASCII));
                out.write('\r');
                out.write('\n');
                out.write(b, off, len);
                out.write('\r');
                out.write('\n');
            } else {
                out.write(b, off, len);
            }
            bodyBytes += len;
            writeOut();
        }
    }
}
