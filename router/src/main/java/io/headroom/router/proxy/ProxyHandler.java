package io.headroom.router.proxy;

import io.headroom.router.balance.RequestContext;
import io.headroom.router.control.PoolSnapshot;
import io.headroom.router.control.PoolState;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.ResponseHead;
import io.headroom.router.upstream.UpstreamConnection;
import io.headroom.time.Ticker;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.util.List;
import java.util.Locale;

/**
 * The reverse proxy: matches a route, picks a backend from the pool's current snapshot, forwards the request over a
 * pooled keep-alive connection and streams the response back, recording the outcome for telemetry.
 *
 * <p>Headers are copied once; hop-by-hop headers (Connection and the names it lists, Keep-Alive, Proxy-*, TE,
 * Trailer, Transfer-Encoding, Upgrade) are dropped both ways; X-Forwarded-For is appended to,
 * X-Forwarded-Proto/-Host are replaced and {@code Forwarded} is appended to. Bodies are streamed, never buffered whole.
 * Errors the router produces: 404 no route, 503 no backend, 502 connect failure or bad upstream response,
 * 504 timeout, each with {@code {"error":...,"detail":...}}. Nothing here logs.
 */
public final class ProxyHandler implements Handler {
    private static final HeaderName CONTENT_TYPE = HeaderNames.CONTENT_TYPE;
    private static final String JSON = "application/json";

    private final RouteTable routes;
    private final Ticker ticker;

    public ProxyHandler(RouteTable routes, Ticker ticker) {
        this.routes = routes;
        this.ticker = ticker;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        long start = ticker.read();
        String path = req.prologue().uriPath().rawPath();
        Route route = routes.match(path);
        if (route == null) {
            sendError(res, Status.NOT_FOUND_404, "no_route", "no route matches " + path);
            return;
        }
        PoolState pool = route.pool();
        PoolSnapshot snap = pool.snapshot();
        Backend backend = snap.balancer().pick(new RequestContext(route.name(), path));
        if (backend == null) {
            sendError(res, Status.SERVICE_UNAVAILABLE_503, "no_backend", "pool " + snap.pool() + " has no available backend");
            route.telemetry().rejection(0, 0, ticker.read() - start);
            return;
        }
        proxy(req, res, route, backend, start, start + pool.requestTimeoutNanos());
    }

    private static boolean idempotent(Method m) {
        return m == Method.GET || m == Method.HEAD || m == Method.OPTIONS || m == Method.PUT || m == Method.DELETE
                || m == Method.TRACE;
    }

    private void proxy(ServerRequest req, ServerResponse res, Route route, Backend backend, long start, long deadline) {
        Method method = req.prologue().method();
        boolean hasBody = req.content().hasEntity();
        long contentLength = hasBody ? req.headers().contentLength().orElse(-1) : -1;
        boolean retryable = !hasBody && idempotent(method);
        long bytesIn = 0;
        UpstreamConnection conn = null;
        ResponseHead head;
        boolean fresh = false;
        // Phase 1: send the request and read the response head; nothing has gone to the client yet.
        while (true) {
            long now = ticker.read();
            conn = fresh ? null : backend.connections().pollIdle(now);
            boolean pooled = conn != null;
            if (conn == null) {
                try {
                    conn = backend.connections().open(deadline - now);
                } catch (SocketTimeoutException e) {
                    failure(res, route, backend, bytesIn, start, Status.GATEWAY_TIMEOUT_504, "connect_timeout",
                            "connecting to " + backend.address() + " timed out");
                    return;
                } catch (IOException e) {
                    failure(res, route, backend, bytesIn, start, Status.BAD_GATEWAY_502, "connect_failed",
                            "connecting to " + backend.address() + " failed: " + e.getMessage());
                    return;
                }
            }
            conn.begin(deadline);
            try {
                writeHead(conn, req, method, hasBody, contentLength);
                if (hasBody) {
                    bytesIn = conn.copyRequestBody(req.content().inputStream(), contentLength < 0);
                } else {
                    conn.flush();
                }
                head = conn.readHead();
                break;
            } catch (UpstreamConnection.ClientBodyException e) {
                conn.close();
                throw new UncheckedIOException(e);
            } catch (IOException e) {
                conn.close();
                if (conn.timedOut()) {
                    failure(res, route, backend, bytesIn, start, Status.GATEWAY_TIMEOUT_504, "upstream_timeout",
                            backend.address() + " did not answer within the request timeout");
                    return;
                }
                if (pooled && retryable && !fresh && !(e instanceof UpstreamConnection.BadResponseException)) {
                    fresh = true; // a stale keep-alive connection: retry once on a new one
                    continue;
                }
                failure(res, route, backend, bytesIn, start, Status.BAD_GATEWAY_502,
                        e instanceof UpstreamConnection.BadResponseException ? "bad_response" : "upstream_failed",
                        backend.address() + ": " + e.getMessage());
                return;
            }
        }

        // Phase 2: status and headers to the client, then stream the body.
        int status = head.status();
        res.status(Status.create(status));
        copyResponseHeaders(head, res);
        boolean body = head.hasBody(method == Method.HEAD);
        long bytesOut = 0;
        try {
            if (body) {
                if (head.contentLength() >= 0) {
                    res.headers().set(HeaderNames.CONTENT_LENGTH, head.contentLength());
                }
                OutputStream out = res.outputStream();
                bytesOut = conn.transferBody(head, out);
                out.close();
            } else {
                res.send();
            }
        } catch (IOException | UncheckedIOException e) {
            // The response is committed: all we can do is cut the client connection so it sees a truncated body.
            conn.close();
            route.telemetry().error(backend, bytesIn, bytesOut, ticker.read() - start);
            throw e instanceof UncheckedIOException u ? u : new UncheckedIOException((IOException) e);
        }
        if (conn.reusableAfter(head, body)) {
            conn.release(ticker.read());
        } else {
            conn.close();
        }
        route.telemetry().response(backend, status, bytesIn, bytesOut, ticker.read() - start);
    }

    private void failure(ServerResponse res, Route route, Backend backend, long bytesIn, long start, Status status,
                         String error, String detail) {
        sendError(res, status, error, detail);
        route.telemetry().error(backend, bytesIn, 0, ticker.read() - start);
    }

    private static void sendError(ServerResponse res, Status status, String error, String detail) {
        res.status(status);
        res.header(CONTENT_TYPE, JSON);
        res.send(ErrorBody.json(error, detail));
    }

    // ---- request head ------------------------------------------------------------------------------------------------

    private static void writeHead(UpstreamConnection c, ServerRequest req, Method method, boolean hasBody, long contentLength)
            throws IOException {
        c.writeAscii(method.text());
        c.writeAscii(" ");
        c.writeAscii(req.prologue().uriPath().rawPath());
        if (req.prologue().hasQuery()) {
            c.writeAscii("?");
            c.writeAscii(req.prologue().query().rawValue());
        }
        c.writeAscii(" HTTP/1.1\r\n");

        String[] connectionTokens = null;
        String xff = null;
        String forwarded = null;
        String host = null;
        var headers = req.headers();
        if (headers.contains(HeaderNames.CONNECTION)) {
            connectionTokens = tokens(headers.get(HeaderNames.CONNECTION).values());
        }
        for (Header h : headers) {
            String lower = h.headerName().lowerCase();
            switch (lower) {
                case "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "content-length",
                     "expect", "x-forwarded-proto", "x-forwarded-host" -> {
                    continue;
                }
                case "x-forwarded-for" -> {
                    xff = h.values();
                    continue;
                }
                case "forwarded" -> {
                    forwarded = h.values();
                    continue;
                }
                case "host" -> host = h.get();
                default -> {
                    if (lower.startsWith("proxy-") || listed(connectionTokens, lower)) {
                        continue;
                    }
                }
            }
            List<String> values = h.allValues();
            for (int i = 0; i < values.size(); i++) {
                c.writeHeader(h.name(), values.get(i));
            }
        }
        String client = clientAddress(req.remotePeer().address());
        c.writeHeader("X-Forwarded-For", xff == null ? client : xff + ", " + client);
        String proto = req.isSecure() ? "https" : "http";
        c.writeHeader("X-Forwarded-Proto", proto);
        if (host != null) {
            c.writeHeader("X-Forwarded-Host", host);
        }
        String node = client.indexOf(':') >= 0 ? "\"[" + client + "]\"" : client;
        String fwd = "for=" + node + ";proto=" + proto + (host == null ? "" : ";host=\"" + host + "\"");
        c.writeHeader("Forwarded", forwarded == null ? fwd : forwarded + ", " + fwd);
        if (hasBody) {
            if (contentLength >= 0) {
                c.writeHeader("Content-Length", Long.toString(contentLength));
            } else {
                c.writeHeader("Transfer-Encoding", "chunked");
            }
        }
        c.writeCrlf();
    }

    private static String clientAddress(SocketAddress a) {
        if (a instanceof InetSocketAddress isa && isa.getAddress() != null) {
            return isa.getAddress().getHostAddress();
        }
        return "unknown";
    }

    private static String[] tokens(String connection) {
        String[] parts = connection.split(",");
        for (int i = 0; i < parts.length; i++) {
            parts[i] = parts[i].strip().toLowerCase(Locale.ROOT);
        }
        return parts;
    }

    private static boolean listed(String[] tokens, String lower) {
        if (tokens == null) {
            return false;
        }
        for (String t : tokens) {
            if (t.equals(lower)) {
                return true;
            }
        }
        return false;
    }

    // ---- response head -----------------------------------------------------------------------------------------------

    private static void copyResponseHeaders(ResponseHead head, ServerResponse res) {
        var out = res.headers();
        for (int i = 0; i < head.headerCount(); i++) {
            HeaderName name = HeaderNames.create(head.name(i));
            String lower = name.lowerCase();
            switch (lower) {
                case "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "content-length" -> {
                    continue;
                }
                default -> {
                    if (lower.startsWith("proxy-") || head.isConnectionToken(lower)) {
                        continue;
                    }
                }
            }
            out.add(name, head.value(i));
        }
    }
}
