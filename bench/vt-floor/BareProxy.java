import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The floor of the router's threading model: an HTTP/1.1 reverse proxy on virtual threads and blocking sockets, with no
 * framework and no features. A virtual thread per client connection, one upstream connection of its own (round robin
 * over the backends when it is opened), the request head forwarded as it came, an answer with a Content-Length read
 * whole and written back in one write; both yields of the router (before the upstream read, and before the client's
 * next request when nothing is buffered). Only for bodiless requests and answers with a Content-Length: a measuring
 * tool for proxy-bench's traffic, not a proxy.
 *
 * <p>Usage: {@code java BareProxy.java HOST:PORT BACKEND[,BACKEND...]}. {@code FLOOR_YIELD=0} turns the yields off.
 */
public final class BareProxy {
    private static final boolean YIELD = !"0".equals(System.getenv("FLOOR_YIELD"));
    private static final AtomicInteger NEXT = new AtomicInteger();
    static InetSocketAddress[] backends;

    public static void main(String[] args) throws Exception {
        InetSocketAddress listen = address(args[0]);
        String[] b = args[1].split(",");
        backends = new InetSocketAddress[b.length];
        for (int i = 0; i < b.length; i++) {
            backends[i] = address(b[i]);
        }
        ServerSocket server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(listen, 1024);
        System.out.println("bare proxy listening on " + args[0] + " -> " + args[1]);
        while (true) {
            Socket client = server.accept();
            Thread.ofVirtual().start(() -> serve(client));
        }
    }

    static InetSocketAddress address(String hostPort) {
        int c = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, c), Integer.parseInt(hostPort.substring(c + 1)));
    }

    /** One backend connection: opened on first use, reopened after a close (HelidonProxy pools them). */
    static final class Upstream {
        Socket socket;
        InputStream in;
        OutputStream out;
        final byte[] buf = new byte[65536];

        void open() throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.connect(backends[Math.floorMod(NEXT.getAndIncrement(), backends.length)]);
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        void close() {
            try {
                if (socket != null) {
                    socket.close();
                }
            } catch (IOException ignored) {
                // closing
            }
            socket = null;
        }
    }

    private static void serve(Socket client) {
        Upstream up = new Upstream();
        byte[] req = new byte[16384];
        int have = 0;
        try (client) {
            client.setTcpNoDelay(true);
            InputStream in = client.getInputStream();
            OutputStream out = client.getOutputStream();
            while (true) {
                int end;
                while ((end = headEnd(req, have)) < 0) {
                    if (have == req.length) {
                        return; // a head longer than the buffer: not this tool's traffic
                    }
                    int n = in.read(req, have, req.length - have);
                    if (n < 0) {
                        return;
                    }
                    have += n;
                }
                int len = end + 4;
                int answer = exchange(up, req, len);
                if (answer < 0) { // a kept-alive backend connection closed under us: once more on a new one
                    answer = exchange(up, req, len);
                    if (answer < 0) {
                        return;
                    }
                }
                out.write(up.buf, 0, answer);
                System.arraycopy(req, len, req, 0, have - len);
                have -= len;
                if (YIELD && have == 0) {
                    Thread.yield(); // the client's next request has usually arrived when this thread runs again
                }
            }
        } catch (IOException e) {
            // the client or the backend went away: end this connection
        } finally {
            up.close();
        }
    }

    /** Sends the head, reads the answer into {@code up.buf}; its length, or -1 when the backend connection had closed. */
    static int exchange(Upstream up, byte[] head, int len) throws IOException {
        if (up.socket == null) {
            up.open();
        }
        try {
            up.out.write(head, 0, len);
        } catch (IOException e) {
            up.close();
            return -1;
        }
        if (YIELD) {
            Thread.yield(); // the backend's answer has usually arrived when this thread runs again
        }
        byte[] b = up.buf;
        int n = 0;
        int end;
        while ((end = headEnd(b, n)) < 0) {
            int r = up.in.read(b, n, b.length - n);
            if (r < 0) {
                up.close();
                return -1;
            }
            n += r;
        }
        String head2 = new String(b, 0, end, StandardCharsets.ISO_8859_1).toLowerCase();
        int total = end + 4 + contentLength(head2);
        if (total > b.length) {
            throw new IOException("answer longer than " + b.length + " bytes");
        }
        while (n < total) {
            int r = up.in.read(b, n, total - n);
            if (r < 0) {
                up.close();
                return -1;
            }
            n += r;
        }
        if (head2.contains("\nconnection: close")) {
            up.close();
        }
        return total;
    }

    static int headEnd(byte[] b, int n) {
        for (int i = 0; i + 3 < n; i++) {
            if (b[i] == '\r' && b[i + 1] == '\n' && b[i + 2] == '\r' && b[i + 3] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static int contentLength(String lowerHead) {
        int i = lowerHead.indexOf("\ncontent-length:");
        if (i < 0) {
            return 0;
        }
        int eol = lowerHead.indexOf('\r', i);
        return Integer.parseInt(lowerHead.substring(i + 16, eol < 0 ? lowerHead.length() : eol).trim());
    }
}
