import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@link BareProxy}'s exchange behind Helidon SE's HTTP/1.1 server, with the router's server settings that matter per
 * request (no path or Host validation by Helidon, no response header validation): what Helidon's connection, request
 * and response objects cost over the bare floor. Upstream connections come from a shared pool, as in the router; the
 * answer's headers (less Connection, Keep-Alive and Content-Length) and body go out through {@code res.send(bytes)}.
 * Only the upstream read yields (the router's second yield is guarded by its starvation gate, not copied here).
 *
 * <p>Usage: {@code java -cp "cli/target/lib/*" HelidonProxy.java HOST:PORT BACKEND[,BACKEND...]}.
 */
public final class HelidonProxy {
    private static final AtomicInteger NEXT = new AtomicInteger();
    private static final ConcurrentLinkedDeque<Upstream> IDLE = new ConcurrentLinkedDeque<>();
    private static InetSocketAddress[] backends;

    public static void main(String[] args) throws Exception {
        int c = args[0].lastIndexOf(':');
        String[] b = args[1].split(",");
        backends = new InetSocketAddress[b.length];
        for (int i = 0; i < b.length; i++) {
            int k = b[i].lastIndexOf(':');
            backends[i] = new InetSocketAddress(b[i].substring(0, k), Integer.parseInt(b[i].substring(k + 1)));
        }
        WebServer.builder()
                .host(args[0].substring(0, c))
                .port(Integer.parseInt(args[0].substring(c + 1)))
                .featuresDiscoverServices(false)
                .shutdownHook(false)
                .protocolsDiscoverServices(false)
                .addProtocol(io.helidon.webserver.http1.Http1Config.builder()
                        .validateResponseHeaders(false).validatePath(false).validateRequestHostHeader(false).build())
                .routing(r -> r.any(HelidonProxy::handle))
                .build()
                .start();
        System.out.println("helidon proxy listening on " + args[0] + " -> " + args[1]);
        Thread.currentThread().join();
    }

    private static final class Upstream {
        Socket socket;
        InputStream in;
        OutputStream out;
        final byte[] buf = new byte[65536];
    }

    private static void handle(ServerRequest req, ServerResponse res) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        sb.append(req.prologue().method().text()).append(' ').append(req.prologue().uriPath().rawPath()).append(" HTTP/1.1\r\n");
        for (Header h : req.headers()) {
            sb.append(h.name()).append(": ").append(h.get()).append("\r\n");
        }
        byte[] head = sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        Upstream up = IDLE.pollFirst();
        int len = up == null ? -1 : exchange(up, head);
        if (len < 0) {
            up = open();
            len = exchange(up, head);
            if (len < 0) {
                res.status(502).send();
                return;
            }
        }
        byte[] b = up.buf;
        int end = headEnd(b, len);
        String h = new String(b, 0, end, StandardCharsets.ISO_8859_1);
        int lineEnd = h.indexOf("\r\n");
        res.status(Integer.parseInt(h.substring(9, 12)));
        for (int i = lineEnd + 2; i < h.length(); ) {
            int eol = h.indexOf("\r\n", i);
            if (eol < 0) {
                eol = h.length();
            }
            int colon = h.indexOf(':', i);
            String name = h.substring(i, colon);
            if (!name.equalsIgnoreCase("connection") && !name.equalsIgnoreCase("keep-alive") && !name.equalsIgnoreCase("content-length")) {
                res.header(HeaderNames.create(name), h.substring(colon + 1, eol).trim());
            }
            i = eol + 2;
        }
        byte[] body = Arrays.copyOfRange(b, end + 4, len);
        if (up.socket != null) {
            IDLE.offerFirst(up);
        }
        res.send(body);
    }

    private static Upstream open() throws IOException {
        Upstream up = new Upstream();
        up.socket = new Socket();
        up.socket.setTcpNoDelay(true);
        up.socket.connect(backends[Math.floorMod(NEXT.getAndIncrement(), backends.length)]);
        up.in = up.socket.getInputStream();
        up.out = up.socket.getOutputStream();
        return up;
    }

    /** As BareProxy's: the answer's length in {@code up.buf}, or -1 when the connection had closed (then closed here). */
    private static int exchange(Upstream up, byte[] head) throws IOException {
        try {
            up.out.write(head);
            Thread.yield();
            byte[] b = up.buf;
            int n = 0;
            int end;
            while ((end = headEnd(b, n)) < 0) {
                int r = up.in.read(b, n, b.length - n);
                if (r < 0) {
                    up.socket.close();
                    return -1;
                }
                n += r;
            }
            String lower = new String(b, 0, end, StandardCharsets.ISO_8859_1).toLowerCase();
            int i = lower.indexOf("\ncontent-length:");
            int eol = i < 0 ? -1 : lower.indexOf('\r', i);
            int total = end + 4 + (i < 0 ? 0 : Integer.parseInt(lower.substring(i + 16, eol < 0 ? lower.length() : eol).trim()));
            while (n < total) {
                int r = up.in.read(b, n, total - n);
                if (r < 0) {
                    up.socket.close();
                    return -1;
                }
                n += r;
            }
            if (lower.contains("\nconnection: close")) {
                up.socket.close();
                up.socket = null; // not offered back
            }
            return total;
        } catch (IOException e) {
            up.socket.close();
            return -1;
        }
    }

    private static int headEnd(byte[] b, int n) {
        for (int i = 0; i + 3 < n; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }
}
