package io.headroom.router;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A raw HTTP/1.1 test backend on virtual threads that counts connections and requests.
 * Paths: {@code /who} name; {@code /headers} the request head it received; {@code /echo} the request body;
 * {@code /traced} answers with trace headers of its own ({@code X-Trace-Id} and {@code traceparent});
 * {@code /ratelimited} with rate-limit headers of its own ({@code RateLimit}, {@code RateLimit-Policy});
 * {@code /big?n=N} N bytes chunked (byte i = i % 251); {@code /slow} answers after 3 s; {@code /drop} answers, then
 * closes the kept-alive connection without saying so; {@code /missing} 404; {@code /delay} answers after
 * {@link #delayMillis}; {@code /hang} reads the request and never answers; {@code /sse} and {@code /sse-close} stream two server-sent events
 * (chunked, or delimited by close), the second once {@link #sseGate} opens; {@code /trickle?n=N} sends the head at once, then N
 * two-byte chunks 100 ms apart; anything else 200 name.
 */
final class TinyBackend implements AutoCloseable {
    final String name;
    final ServerSocket server;
    final AtomicInteger connections = new AtomicInteger();
    final AtomicInteger requests = new AtomicInteger();
    final ConcurrentLinkedQueue<Socket> sockets = new ConcurrentLinkedQueue<>();
    /** How long {@code /delay} waits before answering. */
    volatile long delayMillis;
    /** {@code /sse} sends its second event only once this opens. */
    volatile java.util.concurrent.CountDownLatch sseGate = new java.util.concurrent.CountDownLatch(0);

    TinyBackend(String name) throws IOException {
        this.name = name;
        this.server = new ServerSocket(0, 200, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::acceptLoop);
    }

    int port() {
        return server.getLocalPort();
    }

    String address() {
        return "127.0.0.1:" + port();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                connections.incrementAndGet();
                sockets.add(s);
                if (server.isClosed()) {
                    s.close(); // accepted while close() ran: it may have missed this one, and a closed backend serves none
                    return;
                }
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) >= 0) {
            if (c == '\n') {
                break;
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        if (c < 0 && b.size() == 0) {
            return null;
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }

    private void serve(Socket s) {
        try (s) {
            InputStream in = new BufferedInputStream(s.getInputStream());
            OutputStream out = s.getOutputStream();
            while (true) {
                String reqLine = line(in);
                if (reqLine == null) {
                    return;
                }
                requests.incrementAndGet();
                StringBuilder head = new StringBuilder(reqLine).append('\n');
                long len = 0;
                boolean chunked = false;
                String h;
                while ((h = line(in)) != null && !h.isEmpty()) {
                    head.append(h).append('\n');
                    String lower = h.toLowerCase(Locale.ROOT);
                    if (lower.startsWith("content-length:")) {
                        len = Long.parseLong(h.substring(15).trim());
                    } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                        chunked = true;
                    }
                }
                byte[] body = chunked ? readChunked(in) : in.readNBytes((int) len);
                String path = reqLine.split(" ")[1];
                String wsKey = header(head, "sec-websocket-key");
                if (path.startsWith("/ws") && wsKey != null && "websocket".equalsIgnoreCase(header(head, "upgrade"))) {
                    String accept = java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-1")
                            .digest((wsKey + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").getBytes(StandardCharsets.ISO_8859_1)));
                    lastUpgradeHead = head.toString();
                    out.write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                            + "Sec-WebSocket-Accept: " + accept + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    echoFrames(in, out);
                    return;
                } else if (path.startsWith("/ws")) {
                    respond(out, 404, "not a websocket request".getBytes(StandardCharsets.UTF_8), "");
                } else if (path.startsWith("/delay")) {
                    Thread.sleep(delayMillis);
                    respond(out, 200, name.getBytes(StandardCharsets.UTF_8), "");
                } else if (path.startsWith("/hang")) {
                    while (in.read() >= 0) {
                        // never answer; return when the peer closes
                    }
                    return;
                } else if (path.startsWith("/sse")) {
                    // server-sent events: one event, wait for the gate, a second event, end (chunked, or until close)
                    boolean close = path.startsWith("/sse-close");
                    out.write(("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
                            + (close ? "Connection: close\r\n" : "Transfer-Encoding: chunked\r\n") + "\r\n")
                            .getBytes(StandardCharsets.ISO_8859_1));
                    for (String event : new String[]{"id: 1\ndata: one\n\n", "id: 2\ndata: two\n\n"}) {
                        if (event.startsWith("id: 2")) {
                            sseGate.await();
                        }
                        byte[] e = event.getBytes(StandardCharsets.UTF_8);
                        if (!close) {
                            out.write((Integer.toHexString(e.length) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        }
                        out.write(e);
                        if (!close) {
                            out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        }
                        out.flush();
                    }
                    if (close) {
                        return;
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } else if (path.startsWith("/trickle")) {
                    int n = Integer.parseInt(path.substring(path.indexOf("n=") + 2));
                    out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/plain\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                    for (int i = 0; i < n; i++) {
                        Thread.sleep(100);
                        out.write(("2\r\n" + (char) ('a' + i % 26) + "\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.flush();
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } else if (path.startsWith("/slow")) {
                    Thread.sleep(3000);
                    respond(out, 200, name.getBytes(StandardCharsets.UTF_8), "");
                } else if (path.startsWith("/headers")) {
                    respond(out, 200, head.toString().getBytes(StandardCharsets.ISO_8859_1),
                            "Connection: keep-alive, X-Hop-Secret\r\nX-Hop-Secret: 1\r\nKeep-Alive: timeout=5\r\n"
                                    + "Proxy-Agent: tiny\r\nX-End-To-End: yes\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n");
                } else if (path.startsWith("/ratelimited")) {
                    respond(out, 200, name.getBytes(StandardCharsets.UTF_8), "RateLimit: \"backend\";r=5;t=1\r\n"
                            + "RateLimit-Policy: \"backend\";q=10;w=1\r\nX-After: kept\r\n");
                } else if (path.startsWith("/traced")) {
                    respond(out, 200, name.getBytes(StandardCharsets.UTF_8), "X-Trace-Id: from-backend\r\n"
                            + "traceparent: 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01\r\n");
                } else if (path.startsWith("/echo")) {
                    respond(out, 200, body, "");
                } else if (path.startsWith("/big")) {
                    int n = Integer.parseInt(path.substring(path.indexOf("n=") + 2));
                    out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/octet-stream\r\n\r\n"
                            .getBytes(StandardCharsets.ISO_8859_1));
                    byte[] chunk = new byte[7919];
                    int i = 0;
                    while (i < n) {
                        int k = Math.min(chunk.length, n - i);
                        for (int j = 0; j < k; j++) {
                            chunk[j] = (byte) ((i + j) % 251);
                        }
                        out.write((Integer.toHexString(k) + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
                        out.write(chunk, 0, k);
                        out.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
                        i += k;
                    }
                    out.write("0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } else if (path.contains("/drop")) {
                    respond(out, 200, name.getBytes(StandardCharsets.UTF_8), "");
                    return; // closes the connection the proxy believes is kept alive
                } else if (path.contains("/missing")) {
                    respond(out, 404, "nope".getBytes(StandardCharsets.UTF_8), "");
                } else {
                    respond(out, 200, name.getBytes(StandardCharsets.UTF_8), "");
                }
            }
        } catch (IOException | InterruptedException | RuntimeException | java.security.NoSuchAlgorithmException e) {
            // connection ended
        }
    }

    /** The head of the last WebSocket upgrade request this backend accepted. */
    volatile String lastUpgradeHead;

    private static String header(CharSequence head, String lowerName) {
        for (String l : head.toString().split("\n")) {
            int c = l.indexOf(':');
            if (c > 0 && l.substring(0, c).trim().toLowerCase(Locale.ROOT).equals(lowerName)) {
                return l.substring(c + 1).trim();
            }
        }
        return null;
    }

    /** RFC 6455 echo: each (masked) client frame comes back unmasked with the same opcode; a close frame ends it. */
    private static void echoFrames(InputStream in, OutputStream out) throws IOException {
        while (true) {
            int b0 = in.read();
            int b1 = in.read();
            if (b0 < 0 || b1 < 0) {
                return;
            }
            long len = b1 & 0x7F;
            if (len == 126) {
                len = (in.read() << 8) | in.read();
            } else if (len == 127) {
                len = 0;
                for (int i = 0; i < 8; i++) {
                    len = (len << 8) | in.read();
                }
            }
            byte[] mask = (b1 & 0x80) != 0 ? in.readNBytes(4) : null;
            byte[] payload = in.readNBytes((int) len);
            for (int i = 0; mask != null && i < payload.length; i++) {
                payload[i] ^= mask[i % 4];
            }
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.write(b0);
            if (payload.length < 126) {
                frame.write(payload.length);
            } else {
                frame.write(126);
                frame.write(payload.length >> 8);
                frame.write(payload.length & 0xFF);
            }
            frame.write(payload);
            out.write(frame.toByteArray());
            out.flush();
            if ((b0 & 0x0F) == 8) {
                return;
            }
        }
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        while (true) {
            String size = line(in);
            int n = Integer.parseInt(size.split(";")[0].trim(), 16);
            if (n == 0) {
                while (!line(in).isEmpty()) {
                    // trailers
                }
                return b.toByteArray();
            }
            b.write(in.readNBytes(n));
            line(in);
        }
    }

    private static void respond(OutputStream out, int status, byte[] body, String extra) throws IOException {
        out.write(("HTTP/1.1 " + status + (status == 200 ? " OK" : " Not Found") + "\r\nContent-Length: " + body.length
                + "\r\nContent-Type: text/plain\r\n" + extra + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : sockets) {
            s.close();
        }
    }
}
