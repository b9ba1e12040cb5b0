package io.headroom.cli.admin;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.headroom.cli.stack.Stack;
import io.micrometer.core.instrument.Counter;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The admin listener of a Headroom process:
 * <ul>
 *   <li>{@code GET /health/live}: 200 while the process answers (Kubernetes liveness probe);</li>
 *   <li>{@code GET /health/ready}: 200 when every role is ready, else 503 with the reasons (readiness probe);</li>
 *   <li>{@code GET /metrics}: Prometheus text exposition;</li>
 *   <li>{@code GET /api/state}: pools, members and weights, plans, forecasts, instances, recent scaling events (JSON);</li>
 *   <li>{@code GET /api/stream}: the same state every second as server-sent events;</li>
 *   <li>{@code GET /api/usage}: usage per consumer and route by day or month, for billing ({@link UsageApi});</li>
 *   <li>{@code /api/config}, {@code /api/routes}, {@code /api/pools}, {@code /api/keys}, {@code /api/quotas},
 *       {@code /api/rate-limits}, {@code /api/changes}: the configuration read and changed at run time ({@link ConfigApi});
 *       {@code POST /api/reload}: reload the file;</li>
 *   <li>{@code GET /}: the live dashboard, drawn from the stream.</li>
 * </ul>
 * It runs on its own port, apart from proxied traffic, on virtual threads; at most {@link #MAX_STREAMS} dashboards
 * stream at once.
 *
 * <p>Access: the health probes and the dashboard page (which holds no data) are open; {@code /metrics} is open unless
 * {@code admin.metrics-auth: token}; everything else needs {@code Authorization: Bearer TOKEN} when a token is
 * configured ({@link AdminConfig}), or the session cookie that {@code GET /api/session} sets for a request bearing
 * the token (the dashboard's way in: {@code EventSource} cannot send headers); a change needs the header itself, from
 * this origin, with a JSON body ({@link #mutationRefusal}). Refusals are 401 and counted in
 * {@code headroom_admin_unauthorized_total}. The token is never logged or exposed.
 */
public final class AdminServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AdminServer.class.getName());
    static final int MAX_STREAMS = 16;
    static final String SESSION_COOKIE = "headroom_admin";
    static final int MAX_BODY = 1 << 20;

    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final ScheduledExecutorService sampler;
    private final StackState state;
    private final HeadroomMetrics metrics;
    private final AtomicInteger streams = new AtomicInteger();
    private final AdminConfig config;
    /** Random per process: the dashboard's cookie after it showed the token; worthless once the process ends. */
    private final String session;
    private final Counter unauthorized;
    private final UsageMetrics usageMetrics;
    private final ChangeLog changeLog;
    private final Clock clock;
    private volatile boolean running = true;

    private AdminServer(HttpServer server, StackState state, HeadroomMetrics metrics, AdminConfig config, Clock clock) {
        this.server = server;
        this.clock = clock;
        this.state = state;
        this.metrics = metrics;
        this.config = config;
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        this.session = HexFormat.of().formatHex(b);
        this.unauthorized = Counter.builder("headroom_admin_unauthorized").description("admin requests refused for a missing or wrong token")
                .register(metrics.registry());
        this.usageMetrics = new UsageMetrics(metrics.registry());
        this.changeLog = new ChangeLog(clock);
        this.sampler = Executors.newSingleThreadScheduledExecutor(r -> Thread.ofPlatform().daemon().name("headroom-admin-sampler").unstarted(r));
    }

    /** Starts an admin listener without a token on the loopback {@code host:port} (0 = a free port). */
    public static AdminServer start(Stack stack, HeadroomMetrics metrics, Clock clock, String host, int port) throws IOException {
        return start(stack, metrics, clock, new AdminConfig(host, port, null, false));
    }

    /**
     * Starts the admin listener for {@code stack} as {@code config} says.
     *
     * @throws IllegalArgumentException for a non-loopback address without a token ({@link AdminConfig#from} reports
     *                                  that case at its file:line first)
     */
    public static AdminServer start(Stack stack, HeadroomMetrics metrics, Clock clock, AdminConfig config) throws IOException {
        if (config.token() == null && !AdminConfig.isLoopback(config.host())) {
            throw new IllegalArgumentException("the admin listener may bind to " + config.host() + " only with a token");
        }
        HttpServer http = HttpServer.create(new InetSocketAddress(config.host(), config.port()), 64);
        StackState state = StackState.bind(stack, clock, metrics.registry());
        AdminServer a = new AdminServer(http, state, metrics, config, clock);
        http.setExecutor(a.executor);
        http.createContext("/", a::handle);
        http.start();
        a.sampler.scheduleAtFixedRate(() -> {
            try {
                state.sample();
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "admin sample failed", e);
            }
        }, 0, 1, TimeUnit.SECONDS);
        LOG.info("admin listening on http://" + config.host() + ":" + a.port() + "/ (dashboard, /metrics, /health/ready, /api/state)");
        if (config.token() == null) {
            LOG.warning("the admin API has no token: anyone who can reach " + config.host() + ":" + a.port()
                    + " on this machine can read it; set admin.token-file or admin.token-env");
        } else {
            LOG.info("admin API token from " + config.token().source() + "; /metrics " + (config.metricsAuth() ? "needs it" : "is open"));
        }
        return a;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public StackState state() {
        return state;
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String path = ex.getRequestURI().getPath();
            String via = open(path) ? "open" : authorized(ex);
            if (via == null) {
                unauthorized.increment();
                ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"headroom-admin\"");
                send(ex, 401, "application/json", "{\"error\":\"unauthorized\",\"detail\":\"send Authorization: Bearer TOKEN "
                        + "(the admin token); the dashboard takes it as /#token=TOKEN\"}");
                return;
            }
            boolean mutating = ConfigApi.mutating(ex.getRequestMethod());
            if (mutating && (ConfigApi.handles(path) || "/api/reload".equals(path))) {
                String refusal = mutationRefusal(ex, via);
                if (refusal != null) {
                    return;
                }
            }
            if ("/api/reload".equals(path)) {
                reload(ex);
                return;
            }
            if (ConfigApi.handles(path)) {
                config(ex, path, via);
                return;
            }
            if (!"GET".equals(ex.getRequestMethod()) && !"HEAD".equals(ex.getRequestMethod())) {
                send(ex, 405, "application/json", "{\"error\":\"method_not_allowed\",\"detail\":\"use GET (changes: /api/reload, "
                        + "/api/routes, /api/pools, /api/keys, /api/quotas, /api/rate-limits)\"}");
                return;
            }
            switch (path) {
                case "/health/live" -> send(ex, 200, "application/json", "{\"status\":\"UP\"}");
                case "/health/ready" -> {
                    List<String> why = state.notReady();
                    Json j = new Json().beginObject().field("status", why.isEmpty() ? "UP" : "DOWN").name("reasons").beginArray();
                    why.forEach(j::value);
                    send(ex, why.isEmpty() ? 200 : 503, "application/json", j.endArray().endObject().toString());
                }
                case "/metrics" -> {
                    usageMetrics.refresh(state.stack().router());
                    send(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape());
                }
                case "/api/usage" -> {
                    if (state.stack().router() == null) {
                        send(ex, 404, "application/json", "{\"error\":\"no_router\",\"detail\":\"usage analytics need the router role\"}");
                    } else {
                        UsageApi.Answer a = UsageApi.query(state.stack().router().usage(), ex.getRequestURI().getRawQuery(), clock);
                        send(ex, a.status(), a.type(), a.body());
                    }
                }
                case "/api/state" -> send(ex, 200, "application/json", state.json(true));
                case "/api/stream" -> stream(ex);
                case "/api/session" -> {
                    // Reached only with a valid token (or none configured): hand the browser a cookie for the stream.
                    ex.getResponseHeaders().set("Set-Cookie", SESSION_COOKIE + "=" + session + "; Path=/; HttpOnly; SameSite=Strict");
                    ex.getResponseHeaders().set("Cache-Control", "no-store");
                    send(ex, 200, "application/json", "{\"status\":\"ok\",\"auth\":" + (config.token() != null) + "}");
                }
                case "/", "/index.html" -> send(ex, 200, "text/html; charset=utf-8", dashboard());
                default -> send(ex, 404, "application/json", "{\"error\":\"not_found\",\"detail\":\"try /, /metrics, /health/ready or /api/state\"}");
            }
        }
    }

    /** Paths served without a token: the probes (Kubernetes has no token), the page itself, and maybe /metrics. */
    private boolean open(String path) {
        return switch (path) {
            case "/health/live", "/health/ready", "/", "/index.html" -> true;
            case "/metrics" -> !config.metricsAuth();
            default -> false;
        };
    }

    /** How the request authenticated: {@code bearer}, {@code session} (the dashboard's cookie), {@code none} (no token configured), or null: refused. */
    private String authorized(HttpExchange ex) {
        AdminToken token = config.token();
        if (token == null) {
            return "none";
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return token.matches(auth.substring(7).strip()) ? "bearer" : null;
        }
        List<String> cookies = ex.getRequestHeaders().get("Cookie");
        if (cookies != null) {
            byte[] expected = session.getBytes(StandardCharsets.US_ASCII);
            for (String header : cookies) {
                for (String c : header.split(";")) {
                    String kv = c.strip();
                    if (kv.startsWith(SESSION_COOKIE + "=")
                            && MessageDigest.isEqual(expected, kv.substring(SESSION_COOKIE.length() + 1).getBytes(StandardCharsets.US_ASCII))) {
                        return "session";
                    }
                }
            }
        }
        return null;
    }

    /**
     * Cross-site request forgery and DNS rebinding guards for requests that change something; answers and returns why
     * when the request is refused, else null.
     * <ul>
     *   <li>with a token, only {@code Authorization: Bearer} may change things: a browser attaches the session cookie
     *       by itself, a header only when a script on this origin sets it;</li>
     *   <li>a browser's request from another origin ({@code Origin} not this listener, {@code Sec-Fetch-Site} not
     *       same-origin) is refused, token or not;</li>
     *   <li>without a token (loopback only), the {@code Host} must be a loopback name or address, so that a web page
     *       whose name was re-pointed at 127.0.0.1 cannot drive the API;</li>
     *   <li>a body must be {@code application/json}: an HTML form cannot send that across sites without a preflight.</li>
     * </ul>
     */
    private String mutationRefusal(HttpExchange ex, String via) throws IOException {
        var h = ex.getRequestHeaders();
        String why = null;
        int status = 403;
        if (config.token() != null && !"bearer".equals(via)) {
            status = 401;
            why = "changes need the Authorization: Bearer header (the dashboard's session cookie only reads)";
        }
        String host = h.getFirst("Host");
        String origin = h.getFirst("Origin");
        String site = h.getFirst("Sec-Fetch-Site");
        if (why == null && origin != null && !origin.equals("null") && (host == null || !(origin.equals("http://" + host)))) {
            why = "cross-origin change refused (Origin " + origin + ")";
        }
        if (why == null && origin != null && origin.equals("null")) {
            why = "change from an opaque origin refused";
        }
        if (why == null && site != null && !site.equals("same-origin") && !site.equals("none")) {
            why = "cross-site change refused (Sec-Fetch-Site: " + site + ")";
        }
        if (why == null && config.token() == null && !loopbackHost(host)) {
            why = "without an admin token, changes are taken only with a loopback Host header (127.0.0.1, [::1], localhost)";
        }
        String type = h.getFirst("Content-Type");
        boolean hasBody = h.getFirst("Content-Length") != null && !"0".equals(h.getFirst("Content-Length"))
                || h.getFirst("Transfer-Encoding") != null;
        if (why == null && hasBody && (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json"))) {
            status = 415;
            why = "send the body as Content-Type: application/json";
        }
        if (why == null) {
            return null;
        }
        if (status == 401) {
            unauthorized.increment();
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"headroom-admin\"");
        }
        changeLog.record(who(ex, via), ex.getRequestMethod() + " " + ex.getRequestURI().getPath(), status, why, null);
        send(ex, status, "application/json", new Json().beginObject().field("error", status == 415 ? "unsupported_media_type"
                : status == 401 ? "unauthorized" : "forbidden").field("detail", why).endObject().toString());
        return why;
    }

    private static boolean loopbackHost(String host) {
        if (host == null) {
            return false;
        }
        String name = host.startsWith("[") ? host.substring(1, Math.max(1, host.indexOf(']'))) : host.contains(":") && host.indexOf(':') == host.lastIndexOf(':')
                ? host.substring(0, host.indexOf(':')) : host;
        return name.equals("localhost") || name.equals("::1") || name.startsWith("127.") && name.matches("[0-9.]+");
    }

    /** Who asked, for the change log: the self-declared actor (X-Headroom-Actor), the peer address and the auth used. */
    private static String who(HttpExchange ex, String via) {
        String actor = ex.getRequestHeaders().getFirst("X-Headroom-Actor");
        if (actor != null) {
            actor = actor.replaceAll("[^A-Za-z0-9._@:/+-]", "_");
            actor = actor.substring(0, Math.min(64, actor.length()));
        }
        return (actor == null || actor.isEmpty() ? "-" : actor) + "@" + ex.getRemoteAddress().getAddress().getHostAddress() + " via " + via;
    }

    /** Reading and changing routes, pools, keys and quotas ({@link ConfigApi}). */
    private void config(HttpExchange ex, String path, String via) throws IOException {
        String body = null;
        if (ConfigApi.mutating(ex.getRequestMethod())) {
            byte[] b = ex.getRequestBody().readNBytes(MAX_BODY + 1);
            if (b.length > MAX_BODY) {
                send(ex, 413, "application/json", "{\"error\":\"too_large\",\"detail\":\"a change body is at most 1 MiB\"}");
                return;
            }
            body = new String(b, StandardCharsets.UTF_8);
        }
        String ifMatch = ex.getRequestHeaders().getFirst("If-Match");
        if (ifMatch != null) {
            ifMatch = ifMatch.strip();
            if (ifMatch.startsWith("\"") && ifMatch.endsWith("\"") && ifMatch.length() >= 2) {
                ifMatch = ifMatch.substring(1, ifMatch.length() - 1);
            }
        }
        var reloader = state.stack().reloader();
        ConfigApi.Answer a;
        try {
            a = new ConfigApi(reloader, changeLog).handle(new ConfigApi.Call(ex.getRequestMethod(), path, body, ifMatch), who(ex, via));
        } catch (RuntimeException e) {
            // a bug, not a bad request: say so, and leave the stack trace in the log (a change either applied whole or not at all)
            LOG.log(Level.WARNING, "admin API " + ex.getRequestMethod() + " " + path + " failed", e);
            a = ConfigApi.error(500, "internal_error", e.getClass().getSimpleName() + ": " + e.getMessage());
        }
        if (reloader != null) {
            ex.getResponseHeaders().set("ETag", "\"" + reloader.etag() + "\"");
        }
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, a.status(), "application/json", a.body());
    }

    /**
     * {@code POST /api/reload}: reloads the configuration file now. 200 when the new configuration is in service,
     * 422 with the file:line error when it was rejected (the old one keeps serving), 409 when the process was not
     * started from a file.
     */
    private void reload(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "POST");
            send(ex, 405, "application/json", "{\"error\":\"method_not_allowed\",\"detail\":\"use POST /api/reload\"}");
            return;
        }
        ex.getRequestBody().readAllBytes();
        var reloader = state.stack().reloader();
        if (reloader == null) {
            send(ex, 409, "application/json", "{\"error\":\"reload_unavailable\",\"detail\":\"this process was not started from a configuration file\"}");
            return;
        }
        var o = reloader.reload("api");
        Json j = new Json().beginObject().field("applied", o.applied()).field("error", o.error());
        j.name("needs_restart").beginArray();
        o.needsRestart().forEach(j::value);
        j.endArray();
        if (o.change() != null) {
            var c = o.change();
            j.field("generation", c.generation());
            list(j, "pools_added", c.poolsAdded());
            list(j, "pools_changed", c.poolsChanged());
            list(j, "pools_removed", c.poolsRemoved());
            list(j, "routes_added", c.routesAdded());
            list(j, "routes_removed", c.routesRemoved());
            list(j, "drained", c.drained());
        }
        send(ex, o.applied() ? 200 : 422, "application/json", j.endObject().toString());
    }

    private static void list(Json j, String name, List<String> values) {
        j.name(name).beginArray();
        values.forEach(j::value);
        j.endArray();
    }

    private void stream(HttpExchange ex) throws IOException {
        if (streams.incrementAndGet() > MAX_STREAMS) {
            streams.decrementAndGet();
            ex.getResponseHeaders().set("Retry-After", "5");
            send(ex, 503, "application/json", "{\"error\":\"too_many_streams\",\"detail\":\"at most " + MAX_STREAMS + " dashboards at once\"}");
            return;
        }
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream");
            ex.getResponseHeaders().set("Cache-Control", "no-cache");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            boolean first = true;
            while (running) {
                // The first event carries the history so a late dashboard can draw the last minutes at once.
                out.write(("data: " + state.json(first) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                first = false;
                Thread.sleep(1000);
            }
        } catch (IOException e) {
            // the browser went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.decrementAndGet();
        }
    }

    private static String dashboard() throws IOException {
        try (InputStream in = AdminServer.class.getResourceAsStream("dashboard.html")) {
            if (in == null) {
                throw new IOException("dashboard.html missing from the build");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private static void send(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        if ("HEAD".equals(ex.getRequestMethod())) {
            ex.sendResponseHeaders(status, -1);
            return;
        }
        ex.sendResponseHeaders(status, b.length);
        ex.getResponseBody().write(b);
    }

    @Override
    public void close() {
        running = false;
        sampler.shutdownNow();
        server.stop(0);
        executor.shutdownNow();
    }
}
