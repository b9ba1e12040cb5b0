import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * {@link BareProxy}'s exchange behind Helidon SE's HTTP/1.1 server, with the router's server settings that matter per
 * request (no path or Host validation by Helidon, no response header validation): what Helidon's connection, request
 * and response objects cost over the bare floor. Upstream connections come from a shared pool, as in the router; the
 * answer's headers (less Connection, Keep-Alive and Content-Length) and body go out through {@code res.send(bytes)}.
 * Only the upstream read yields (the router's second yield is guarded by its starvation gate, not copied here).
 *
 * <p>Compiled with BareProxy.java (whose exchange it uses). Usage:
 * {@code java -cp "<classes>:cli/target/lib/*" HelidonProxy HOST:PORT BACKEND[,BACKEND...]}.
 */
public final class HelidonProxy {
    private static final ConcurrentLinkedDeque<BareProxy.Upstream> IDLE = new ConcurrentLinkedDeque<>();

    public static void main(String[] args) throws Exception {
        String[] b = args[1].split(",");
        BareProxy.backends = new java.net.InetSocketAddress[b.length];
        for (int i = 0; i < b.length; i++) {
            BareProxy.backends[i] = BareProxy.address(b[i]);
        }
        java.net.InetSocketAddress listen = BareProxy.address(args[0]);
        WebServer.builder()
                .host(listen.getHostString())
                .port(listen.getPort())
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

    private static void handle(ServerRequest req, ServerResponse res) throws IOException {
        StringBuilder sb = new StringBuilder(256);
        sb.append(req.prologue().method().text()).append(' ').append(req.prologue().uriPath().rawPath()).append(" HTTP/1.1\r\n");
        for (Header h : req.headers()) {
            sb.append(h.name()).append(": ").append(h.get()).append("\r\n");
        }
        byte[] head = sb.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1);
        BareProxy.Upstream up = IDLE.pollFirst();
        if (up == null) {
            up = new BareProxy.Upstream();
        }
        int len = BareProxy.exchange(up, head, head.length);
        if (len < 0) { // a kept-alive backend connection closed under us: once more on a new one
            len = BareProxy.exchange(up, head, head.length);
            if (len < 0) {
                res.status(502).send();
                return;
            }
        }
        byte[] buf = up.buf;
        int end = BareProxy.headEnd(buf, len);
        String h = new String(buf, 0, end, StandardCharsets.ISO_8859_1);
        res.status(Integer.parseInt(h.substring(9, 12)));
        for (int i = h.indexOf("\r\n") + 2; i < h.length(); ) {
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
        byte[] body = Arrays.copyOfRange(buf, end + 4, len);
        if (up.socket != null) {
            IDLE.offerFirst(up);
        }
        res.send(body);
    }
}
