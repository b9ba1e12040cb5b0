package io.headroom.router.proxy;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.common.buffers.DataWriter;
import io.helidon.common.socket.PeerInfo;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Set;
import java.util.function.Supplier;

/**
 * HTTP/1.0 clients on the HTTP/1.1 listener. Helidon 4.5 refuses HTTP/1.0 twice: {@code Http1ConnectionSelector}
 * takes only a first line ending in {@code HTTP/1.1}, and {@code Http1Prologue} answers any other version with "HTTP
 * 1.0 is not supported"; its response writer only speaks HTTP/1.1 (status line, chunked bodies). This selector wraps the
 * HTTP/1.1 one: a connection whose first line ends in {@code HTTP/1.0} is served by Helidon's HTTP/1.1 connection
 * through a translation at the byte level, and every other connection goes to the HTTP/1.1 selector exactly as before
 * (the cost is one scan of the first line, once per connection).
 *
 * <p>The translation gives HTTP/1.0 semantics (RFC 9112 §9.3, RFC 1945): one request per connection, closed after the
 * answer (a client's {@code Connection: keep-alive} is answered with {@code Connection: close}, which RFC 9112 allows
 * a server to do). The request head is rewritten once: version {@code HTTP/1.1}, {@code Connection: close} added, and a
 * {@code Host} of the listener's address when the client sent none (HTTP/1.0 does not require one; HTTP/1.1 parsing and
 * backends do). A request with {@code Transfer-Encoding} is faulty framing in HTTP/1.0 (RFC 9112 §6.1): answered 400
 * and closed. The answer is rewritten on its way out: status line {@code HTTP/1.0}, interim 1xx answers dropped (never
 * sent to an HTTP/1.0 client, RFC 9110 §15.2), {@code Transfer-Encoding: chunked} removed and the chunks decoded into a
 * body delimited by the close of the connection, {@code Connection: close}.
 */
public final class Http10Selector implements ServerConnectionSelector {
    private static final byte[] HTTP_10 = " HTTP/1.0\r".getBytes(StandardCharsets.US_ASCII);
    private static final String ALPN_HTTP_10 = "http/1.0";

    private final ServerConnectionSelector http11;
    private final ServerConnectionSelector http10;
    private final int maxHead;

    /**
     * @param http11  the listener's HTTP/1.1 selector (with its upgraders)
     * @param http10  an HTTP/1.1 selector with the same settings and no upgraders, for translated connections
     * @param maxHead the longest request head translated (request line and headers); a longer one is passed on with only
     *                its request line rewritten, and Helidon answers it 431 as any other
     */
    public Http10Selector(ServerConnectionSelector http11, ServerConnectionSelector http10, int maxHead) {
        this.http11 = http11;
        this.http10 = http10;
        this.maxHead = maxHead;
    }

    @Override
    public int bytesToIdentifyConnection() {
        return http11.bytesToIdentifyConnection();
    }

    @Override
    public Support supports(BufferData data) {
        int lf = data.indexOf((byte) '\n');
        if (lf >= 0 && endsWithHttp10(data, lf)) {
            return Support.SUPPORTED;
        }
        return http11.supports(data);
    }

    private static boolean endsWithHttp10(BufferData data, int lf) {
        int start = lf - HTTP_10.length; // " HTTP/1.0\r" right before the LF
        if (start < 0) {
            return false;
        }
        for (int i = 0; i < HTTP_10.length; i++) {
            if (data.get(start + i) != HTTP_10[i]) {
                return false;
            }
        }
        return true;
    }

    /** The HTTP/1.1 selector's ALPN names ({@code http/1.1}) and {@code http/1.0}, which curl offers alone with --http1.0. */
    @Override
    public Set<String> supportedApplicationProtocols() {
        Set<String> names = new java.util.LinkedHashSet<>(http11.supportedApplicationProtocols());
        names.add(ALPN_HTTP_10);
        return Set.copyOf(names);
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        io.helidon.common.socket.HelidonSocket socket = ctx.serverSocket();
        if (socket != null && socket.protocolNegotiated()) {
            // chosen by ALPN, before any byte is read: the name says which
            return ALPN_HTTP_10.equals(socket.protocol()) ? http10.connection(new Translated(ctx, maxHead)) : http11.connection(ctx);
        }
        DataReader reader = ctx.dataReader();
        int n = reader.available();
        BufferData head = n == 0 ? null : reader.getBuffer(n);
        int lf = head == null ? -1 : head.indexOf((byte) '\n');
        if (lf < 0 || !endsWithHttp10(head, lf)) {
            return http11.connection(ctx);
        }
        return http10.connection(new Translated(ctx, maxHead));
    }

    /** The connection as Helidon's HTTP/1.1 code sees it: the same socket, read and written through the translation. */
    private static final class Translated extends io.headroom.router.net.DelegatingConnectionContext {
        private final DataReader reader;
        private final DataWriter writer;

        Translated(ConnectionContext ctx, int maxHead) {
            super(ctx);
            this.writer = new ResponseTranslator(ctx.dataWriter());
            this.reader = new DataReader(new RequestTranslator(ctx.dataReader(), ctx.dataWriter(), maxHead, defaultHost(ctx.localPeer())));
        }

        private static String defaultHost(PeerInfo local) {
            if (local.address() instanceof InetSocketAddress a && a.getAddress() != null) {
                String h = a.getAddress().getHostAddress();
                return (h.indexOf(':') >= 0 ? "[" + h + "]" : h) + ":" + a.getPort();
            }
            return "localhost";
        }

        @Override
        public DataWriter dataWriter() {
            return writer;
        }

        @Override
        public DataReader dataReader() {
            return reader;
        }
    }

    /** Rewrites the one request head of an HTTP/1.0 connection into HTTP/1.1; the body and anything after pass as they are. */
    static final class RequestTranslator implements Supplier<byte[]> {
        private static final byte[] BAD_FRAMING = badFraming();

        private static byte[] badFraming() {
            byte[] body = ErrorBody.json("ambiguous_framing", "an HTTP/1.0 request cannot use Transfer-Encoding");
            byte[] head = ("HTTP/1.0 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
            byte[] r = java.util.Arrays.copyOf(head, head.length + body.length);
            System.arraycopy(body, 0, r, head.length, body.length);
            return r;
        }

        private final DataReader in;
        private final DataWriter out;
        private final int maxHead;
        private final String defaultHost;
        private ByteArrayOutputStream head = new ByteArrayOutputStream();

        RequestTranslator(DataReader in, DataWriter out, int maxHead, String defaultHost) {
            this.in = in;
            this.out = out;
            this.maxHead = maxHead;
            this.defaultHost = defaultHost;
        }

        @Override
        public byte[] get() {
            if (head == null) {
                return pull();
            }
            while (true) {
                head.writeBytes(pull());
                byte[] all = head.toByteArray();
                int end = indexOf(all, 0, "\r\n\r\n");
                if (end >= 0 || all.length > maxHead) {
                    head = null;
                    return translate(all, end);
                }
            }
        }

        private byte[] pull() {
            if (in.available() == 0) {
                in.pullData(); // end of stream: Helidon's InsufficientDataAvailableException, as from its own reader
            }
            return in.readBytes(in.available());
        }

        /** {@code end}: where the blank line ending the head starts, or -1 for a head over the limit. */
        private byte[] translate(byte[] all, int end) {
            int eol = indexOf(all, 0, "\r\n");
            String line = new String(all, 0, eol, StandardCharsets.ISO_8859_1);
            StringBuilder b = new StringBuilder(eol + 64);
            b.append(line, 0, line.length() - "HTTP/1.0".length()).append("HTTP/1.1\r\n");
            if (end < 0) {
                // too long: Helidon answers 431 (or 400) for it, with the version it understands
                return concat(b, all, eol + 2);
            }
            boolean host = false;
            int p = eol + 2;
            while (p < end + 2) {
                int e = indexOf(all, p, "\r\n");
                int colon = indexOf(all, p, ":");
                if (colon > p && colon < e) {
                    String name = new String(all, p, colon - p, StandardCharsets.ISO_8859_1).strip().toLowerCase(Locale.ROOT);
                    if (name.equals("host")) {
                        host = true;
                    } else if (name.equals("transfer-encoding")) {
                        out.writeNow(BufferData.create(BAD_FRAMING));
                        throw new CloseConnectionException("HTTP/1.0 request with Transfer-Encoding");
                    }
                }
                p = e + 2;
            }
            if (!host) {
                b.append("Host: ").append(defaultHost).append("\r\n");
            }
            b.append("Connection: close\r\n");
            return concat(b, all, eol + 2);
        }

        private static byte[] concat(StringBuilder prefix, byte[] all, int from) {
            byte[] p = prefix.toString().getBytes(StandardCharsets.ISO_8859_1);
            byte[] r = new byte[p.length + all.length - from];
            System.arraycopy(p, 0, r, 0, p.length);
            System.arraycopy(all, from, r, p.length, all.length - from);
            return r;
        }
    }

    /** Rewrites the HTTP/1.1 answer for an HTTP/1.0 client (status line, 1xx dropped, chunks decoded, Connection: close). */
    static final class ResponseTranslator implements DataWriter {
        private enum State { HEAD, IDENTITY, SIZE, DATA, DATA_END, TRAILER, DONE }

        private final DataWriter out;
        private State state = State.HEAD;
        private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
        private long chunkLeft;

        ResponseTranslator(DataWriter out) {
            this.out = out;
        }

        @Override
        public void write(BufferData... buffers) {
            for (BufferData b : buffers) {
                write(b);
            }
        }

        @Override
        public void write(BufferData buffer) {
            byte[] t = translate(buffer.readBytes());
            if (t.length > 0) {
                out.write(BufferData.create(t));
            }
        }

        @Override
        public void writeNow(BufferData... buffers) {
            for (BufferData b : buffers) {
                writeNow(b);
            }
        }

        @Override
        public void writeNow(BufferData buffer) {
            byte[] t = translate(buffer.readBytes());
            if (t.length > 0) {
                out.writeNow(BufferData.create(t));
            }
        }

        @Override
        public void flush() {
            out.flush();
        }

        @Override
        public void close() {
            out.close();
        }

        /** What goes to the client for {@code bytes} written by Helidon. */
        byte[] translate(byte[] bytes) {
            ByteArrayOutputStream o = new ByteArrayOutputStream(bytes.length + 32);
            int i = 0;
            while (i < bytes.length) {
                switch (state) {
                    case HEAD -> {
                        pending.write(bytes, i, bytes.length - i);
                        i = bytes.length;
                        byte[] all = pending.toByteArray();
                        int end = indexOf(all, 0, "\r\n\r\n");
                        if (end < 0) {
                            break;
                        }
                        pending.reset();
                        head(all, end, o);
                        // the rest of this write is body (or another head, after a dropped 1xx)
                        bytes = java.util.Arrays.copyOfRange(all, end + 4, all.length);
                        i = 0;
                    }
                    case IDENTITY -> {
                        o.write(bytes, i, bytes.length - i);
                        i = bytes.length;
                    }
                    case SIZE, TRAILER -> {
                        int lf = indexOfByte(bytes, i, (byte) '\n');
                        int stop = lf < 0 ? bytes.length : lf + 1;
                        pending.write(bytes, i, stop - i);
                        i = stop;
                        if (lf < 0) {
                            break;
                        }
                        String line = pending.toString(StandardCharsets.ISO_8859_1).strip();
                        pending.reset();
                        if (state == State.TRAILER) {
                            if (line.isEmpty()) {
                                state = State.DONE;
                            }
                        } else {
                            int semi = line.indexOf(';');
                            chunkLeft = Long.parseLong(semi < 0 ? line : line.substring(0, semi).strip(), 16);
                            state = chunkLeft == 0 ? State.TRAILER : State.DATA;
                        }
                    }
                    case DATA -> {
                        int n = (int) Math.min(chunkLeft, bytes.length - i);
                        o.write(bytes, i, n);
                        i += n;
                        chunkLeft -= n;
                        if (chunkLeft == 0) {
                            state = State.DATA_END;
                            chunkLeft = 2; // the CRLF after the data
                        }
                    }
                    case DATA_END -> {
                        int n = (int) Math.min(chunkLeft, bytes.length - i);
                        i += n;
                        chunkLeft -= n;
                        if (chunkLeft == 0) {
                            state = State.SIZE;
                        }
                    }
                    case DONE -> i = bytes.length; // nothing follows the answer on a closing connection
                }
            }
            return o.toByteArray();
        }

        private void head(byte[] all, int end, ByteArrayOutputStream o) {
            String text = new String(all, 0, end, StandardCharsets.ISO_8859_1);
            String[] lines = text.split("\r\n", -1);
            String status = lines[0];
            int sp = status.indexOf(' ');
            String rest = sp < 0 ? " 500 Internal Server Error" : status.substring(sp);
            if (rest.length() >= 4 && rest.charAt(1) == '1') {
                return; // an interim 1xx (100 Continue): not for HTTP/1.0 clients; the final answer follows
            }
            StringBuilder b = new StringBuilder(text.length() + 32).append("HTTP/1.0").append(rest).append("\r\n");
            boolean chunked = false;
            for (int k = 1; k < lines.length; k++) {
                String l = lines[k];
                int colon = l.indexOf(':');
                String name = colon < 0 ? "" : l.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                switch (name) {
                    case "transfer-encoding" -> chunked |= l.substring(colon + 1).toLowerCase(Locale.ROOT).contains("chunked");
                    case "connection", "keep-alive" -> { }
                    default -> b.append(l).append("\r\n");
                }
            }
            b.append("Connection: close\r\n\r\n");
            o.writeBytes(b.toString().getBytes(StandardCharsets.ISO_8859_1));
            state = chunked ? State.SIZE : State.IDENTITY;
        }
    }

    static int indexOf(byte[] a, int from, String ascii) {
        outer:
        for (int i = from; i <= a.length - ascii.length(); i++) {
            for (int j = 0; j < ascii.length(); j++) {
                if (a[i + j] != ascii.charAt(j)) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    private static int indexOfByte(byte[] a, int from, byte b) {
        for (int i = from; i < a.length; i++) {
            if (a[i] == b) {
                return i;
            }
        }
        return -1;
    }
}
