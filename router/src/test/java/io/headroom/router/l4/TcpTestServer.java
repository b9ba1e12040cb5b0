package io.headroom.router.l4;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw TCP test member on virtual threads, on 127.0.0.1. Modes: {@code ECHO} copies every byte back and closes after
 * the client's end-of-stream; {@code GREET_ECHO} first writes its name and a newline, then echoes; {@code COUNT} reads
 * to end-of-stream, then answers {@code got N bytes\n} and closes (shows half-close both ways).
 */
final class TcpTestServer implements AutoCloseable {
    enum Mode { ECHO, GREET_ECHO, COUNT }

    final String name;
    final Mode mode;
    final ServerSocket server;
    final AtomicInteger accepted = new AtomicInteger();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();

    TcpTestServer(String name, Mode mode) throws IOException {
        this.name = name;
        this.mode = mode;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::acceptLoop);
    }

    String address() {
        return "127.0.0.1:" + server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                accepted.incrementAndGet();
                sockets.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            if (mode == Mode.GREET_ECHO) {
                out.write((name + "\n").getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
            byte[] buf = new byte[16 * 1024];
            long total = 0;
            int n;
            while ((n = in.read(buf)) >= 0) {
                total += n;
                if (mode != Mode.COUNT) {
                    out.write(buf, 0, n);
                }
            }
            if (mode == Mode.COUNT) {
                out.write(("got " + total + " bytes\n").getBytes(StandardCharsets.US_ASCII));
            }
            s.shutdownOutput();
        } catch (IOException ignored) {
            // the client or the edge went away
        } finally {
            sockets.remove(s);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }

    /** A port on 127.0.0.1 with nothing listening (bound, then closed). */
    static int deadPort() {
        return io.headroom.router.RefusedPort.next();
    }

    /** A client socket to 127.0.0.1:port, optionally from another loopback address; reads time out after 20 s (a bound, not a check). */
    static Socket connect(int port, String fromIp) throws IOException {
        Socket s = new Socket();
        if (fromIp != null) {
            s.bind(new InetSocketAddress(fromIp, 0));
        }
        s.setSoTimeout(20_000);
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 5_000);
        return s;
    }

    static Socket connect(int port) throws IOException {
        return connect(port, null);
    }

    /** One line without its newline; null at end-of-stream before any byte. */
    static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0 && c != '\n') {
            b.write(c);
        }
        return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.US_ASCII);
    }

    /** Writes {@code text} + newline and reads the echoed line back. */
    static String roundTrip(Socket s, String text) throws IOException {
        s.getOutputStream().write((text + "\n").getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
        return readLine(s.getInputStream());
    }
}
