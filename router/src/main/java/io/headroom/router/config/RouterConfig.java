package io.headroom.router.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.log.AccessLogConfig;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code router:} section of the configuration file.
 *
 * <pre>
 * router:
 *   listen: 127.0.0.1:8080
 *   pools:
 *     api:
 *       backends: [127.0.0.1:9001, {address: 127.0.0.1:9002, weight: 2}]
 *       connect-timeout: 1s
 *       request-timeout: 10s
 *       health-path: /health
 *       idle-timeout: 50s          # optional: retire idle keep-alive connections (below the backend's timeout)
 *       max-idle-connections: 256  # optional: idle keep-alive connections kept per backend
 *       balancer: {type: smooth-weighted}   # round-robin, least-request, peak-ewma, random, ring-hash/maglev + hash-on
 *       slow-start: 0s
 *       outlier: {consecutive-failures: 5, base-ejection-time: 30s, max-ejection-time: 300s, max-ejection-percent: 50}
 *       health: {path: /health, interval: 5s, jitter: 10%, healthy-threshold: 2, unhealthy-threshold: 3, timeout: 1s}
 *       retry: {attempts: 2, budget-percent: 20, budget-min-per-second: 10, backoff: 5ms, max-backoff: 100ms}
 *       breaker: {failure-rate: 50, window: 20, minimum-calls: 10, open-for: 10s, half-open-calls: 3}
 *   routes:
 *     - {name: api, path-prefix: /, pool: api}
 *   auth: {...}          # API keys and JWT issuers (docs/gateway.md)
 *   rate-limits: {...}   # per-consumer limits (docs/gateway.md)
 *   access-log: {enabled: false, fields: [time, route, ...], file: PATH | stdout, queue: 8192}
 *   max-request-body: 10MB   # 413 beyond; also max-header-size: 16KB (431), max-request-line: 8KB, client-idle-timeout: 30s,
 *                            # header-read-timeout: 10s (off by default)
 *   lane: true               # the router's own HTTP/1.1 lane for plain GET/HEAD (docs/router.md, "The lane")
 * </pre>
 * (docs/router.md describes the balancing, health and resilience keys; docs/gateway.md the route matching, rewrite,
 * split, mirror, auth and rate-limit keys.)
 *
 * @param listen where the proxy listens; port 0 picks a free port (tests)
 * @param pools  pools by name, in file order
 * @param routes routes, most specific first (docs/gateway.md)
 * @param auth   API keys and JWT issuers
 * @param rateLimits per-consumer rate limits
 * @param accessLog  {@code access-log:} JSON access log (off by default)
 * @param limits     {@code max-request-body}, {@code max-header-size}, {@code max-request-line}, {@code client-idle-timeout}
 * @param tls        {@code tls:} certificate and key the listener terminates TLS with, or null for plain HTTP
 * @param forwarding {@code forwarding:} what the router does with the client's forwarding headers (append by default)
 */
public record RouterConfig(HostPort listen, Map<String, PoolConfig> pools, List<RouteConfig> routes, AuthConfig auth,
                           RateLimitConfig rateLimits, AccessLogConfig accessLog, HttpLimits limits, TlsConfig tls,
                           Forwarding forwarding) {

    public static final String DEFAULT_LISTEN = "127.0.0.1:8080";

    public RouterConfig {
        Objects.requireNonNull(listen, "listen");
        pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
        routes = List.copyOf(routes);
        Objects.requireNonNull(auth, "auth");
        Objects.requireNonNull(rateLimits, "rateLimits");
        Objects.requireNonNull(accessLog, "accessLog");
        Objects.requireNonNull(limits, "limits");
        Objects.requireNonNull(forwarding, "forwarding");
        Set<String> names = new HashSet<>();
        for (RouteConfig r : routes) {
            for (String p : r.pools()) {
                if (!pools.containsKey(p)) {
                    throw new IllegalArgumentException("route " + r.name() + " names unknown pool " + p);
                }
            }
            if (!names.add(r.name())) {
                throw new IllegalArgumentException("duplicate route name " + r.name());
            }
        }
    }

    /** Forwarding headers appended to (the default). */
    public RouterConfig(HostPort listen, Map<String, PoolConfig> pools, List<RouteConfig> routes, AuthConfig auth,
                        RateLimitConfig rateLimits, AccessLogConfig accessLog, HttpLimits limits, TlsConfig tls) {
        this(listen, pools, routes, auth, rateLimits, accessLog, limits, tls, Forwarding.APPEND);
    }

    /** This configuration with {@code forwarding} instead of its own. */
    public RouterConfig withForwarding(Forwarding forwarding) {
        return new RouterConfig(listen, pools, routes, auth, rateLimits, accessLog, limits, tls, forwarding);
    }

    /** Plain HTTP (no TLS). */
    public RouterConfig(HostPort listen, Map<String, PoolConfig> pools, List<RouteConfig> routes, AuthConfig auth,
                        RateLimitConfig rateLimits, AccessLogConfig accessLog, HttpLimits limits) {
        this(listen, pools, routes, auth, rateLimits, accessLog, limits, null);
    }

    /** Without access log, with default HTTP limits. */
    public RouterConfig(HostPort listen, Map<String, PoolConfig> pools, List<RouteConfig> routes, AuthConfig auth,
                        RateLimitConfig rateLimits) {
        this(listen, pools, routes, auth, rateLimits, AccessLogConfig.OFF, HttpLimits.DEFAULT);
    }

    /** Without auth and rate limits. */
    public RouterConfig(HostPort listen, Map<String, PoolConfig> pools, List<RouteConfig> routes) {
        this(listen, pools, routes, AuthConfig.NONE, RateLimitConfig.NONE);
    }

    /**
     * Reads {@code router:} from the root of the configuration file.
     *
     * @throws ConfigException with file:line, the problem and the fix
     */
    public static RouterConfig from(ConfigNode root) {
        ConfigNode r = root.child("router").requireOnly("listen", "pools", "routes", "auth", "rate-limits", "access-log",
                "max-request-body", "max-header-size", "max-request-line", "client-idle-timeout",
                "header-read-timeout", "tls", "lane", "forwarding");
        HostPort listen = hostPort(r, "listen", r.string("listen", DEFAULT_LISTEN));

        ConfigNode poolsNode = r.child("pools");
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        for (String name : poolsNode.keys()) {
            pools.put(name, pool(name, poolsNode.child(name)));
        }
        if (pools.isEmpty()) {
            throw r.errorAt("pools", "no pools configured", "add e.g. 'pools: {api: {backends: [127.0.0.1:9001]}}' under router:");
        }

        TlsConfig tls = TlsConfig.from(r);
        AuthConfig auth = GatewayConfigParser.auth(r);
        RateLimitConfig limits = GatewayConfigParser.rateLimits(r);
        List<RouteConfig> routes = new ArrayList<>();
        Map<String, String> signatures = new HashMap<>();
        Set<String> routeNames = new HashSet<>();
        List<ConfigNode> routeNodes = r.list("routes");
        if (routeNodes.isEmpty()) {
            throw r.errorAt("routes", "no routes configured",
                    "add e.g. 'routes: [{name: api, path-prefix: /, pool: " + pools.keySet().iterator().next() + "}]'");
        }
        for (ConfigNode rn : routeNodes) {
            StringBuilder signature = new StringBuilder();
            RouteConfig rc = GatewayConfigParser.route(rn, pools.keySet(), auth, TlsConfig.mutual(tls), signature);
            if (!routeNames.add(rc.name())) {
                throw rn.errorAt("name", "duplicate route name '" + rc.name() + "'", "give every route a unique name");
            }
            String other = signatures.putIfAbsent(signature.toString(), rc.name());
            if (other != null) {
                String key = rc.match().path() != null ? "path" : "path-prefix";
                String what = rc.match().path() != null ? rc.match().path() : rc.pathPrefix();
                throw rn.errorAt(key, key + " '" + what + "' is already used by route '" + other + "' with the same conditions",
                        "use a different " + key + " or condition (host, methods, headers, query, version), or remove one of the routes");
            }
            routes.add(rc);
        }
        return new RouterConfig(listen, pools, routes, auth, limits, accessLog(r), httpLimits(r), tls, forwarding(r));
    }

    private static AccessLogConfig accessLog(ConfigNode r) {
        if (!r.has("access-log")) {
            return AccessLogConfig.OFF;
        }
        ConfigNode a = r.child("access-log").requireOnly("enabled", "fields", "file", "queue");
        boolean enabled = a.bool("enabled", false);
        List<AccessLogConfig.Field> fields = new ArrayList<>();
        if (a.has("fields")) {
            for (ConfigNode item : a.list("fields")) {
                // Errors point at the offending item's own line, not the start of the list.
                String f = item.scalarValue();
                AccessLogConfig.Field field = AccessLogConfig.Field.of(f.strip());
                if (field == null) {
                    List<String> known = new ArrayList<>();
                    for (AccessLogConfig.Field k : AccessLogConfig.Field.values()) {
                        known.add(k.key());
                    }
                    throw item.error("unknown access-log field '" + f + "'", "use some of " + String.join(", ", known));
                }
                if (fields.contains(field)) {
                    throw item.error("access-log field '" + f + "' is listed twice", "list each field once");
                }
                fields.add(field);
            }
            if (fields.isEmpty()) {
                throw a.errorAt("fields", "no access-log fields", "list some, e.g. [time, route, status, duration_ms]");
            }
        } else {
            fields.addAll(List.of(AccessLogConfig.Field.values()));
        }
        String file = a.string("file", "stdout").strip();
        if (file.isEmpty()) {
            throw a.errorAt("file", "empty access-log file", "write a path, or stdout");
        }
        int queue = a.integer("queue", AccessLogConfig.DEFAULT_QUEUE, 1, 10_000_000);
        return new AccessLogConfig(enabled, fields, file.equals("stdout") ? null : java.nio.file.Path.of(file), queue);
    }

    private static Forwarding forwarding(ConfigNode r) {
        String s = r.string("forwarding", Forwarding.APPEND.text());
        Forwarding f = Forwarding.parse(s);
        if (f == null) {
            throw r.errorAt("forwarding", "'" + s.strip() + "' is not a forwarding mode",
                    "write append (extend the client's X-Forwarded-For and Forwarded; the default), replace (drop the"
                            + " client's, write this hop's) or off (pass the client's unchanged, add none)");
        }
        return f;
    }

    private static HttpLimits httpLimits(ConfigNode r) {
        HttpLimits d = HttpLimits.DEFAULT;
        long body = r.has("max-request-body") && "unlimited".equals(r.string("max-request-body", "").strip())
                ? -1 : bytes(r, "max-request-body", d.maxRequestBody(), 0, Long.MAX_VALUE);
        int headers = (int) bytes(r, "max-header-size", d.maxHeaderSize(), 256, 1 << 20);
        int line = (int) bytes(r, "max-request-line", d.maxRequestLine(), 64, 1 << 20);
        Duration read = positive(r, "client-idle-timeout", d.clientIdleTimeout());
        Duration headerRead = r.duration("header-read-timeout", Duration.ZERO);
        if (headerRead.isNegative()) {
            throw r.errorAt("header-read-timeout", "header-read-timeout must not be negative", "write e.g. 10s, or 0s to switch it off");
        }
        return new HttpLimits(body, headers, line, read, headerRead, r.bool("lane", true));
    }

    /** A size such as {@code 512}, {@code 16KB}, {@code 10MB}, {@code 1GB} (binary multiples). */
    static long bytes(ConfigNode p, String key, long def, long min, long max) {
        if (!p.has(key)) {
            return def;
        }
        String v = p.string(key, "").strip().toUpperCase(java.util.Locale.ROOT).replace("_", "");
        long unit = 1;
        String digits = v;
        for (String[] u : new String[][]{{"KB", "1024"}, {"MB", "1048576"}, {"GB", "1073741824"}, {"K", "1024"}, {"M", "1048576"},
                {"G", "1073741824"}, {"B", "1"}}) {
            if (v.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                digits = v.substring(0, v.length() - u[0].length()).strip();
                break;
            }
        }
        long n;
        try {
            n = Math.multiplyExact(Long.parseLong(digits), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw p.errorAt(key, "expected a size but found '" + p.string(key, "") + "'", "write e.g. 16KB or 10MB");
        }
        if (n < min || n > max) {
            throw p.errorAt(key, key + " " + n + " bytes is out of range", "use " + min + " to " + max + " bytes");
        }
        return n;
    }

    private static PoolConfig pool(String name, ConfigNode p) {
        List<String> keys = new ArrayList<>(List.of("backends", "connect-timeout", "request-timeout", "health-path", "idle-timeout",
                "max-idle-connections", "balancer", "slow-start", "outlier", "health", "retry", "breaker"));
        keys.addAll(List.of(PoolOptionsParser.KEYS));
        p.requireOnly(keys.toArray(new String[0]));
        List<BackendConfig> backends = new ArrayList<>();
        Set<HostPort> seen = new HashSet<>();
        for (ConfigNode b : p.list("backends")) {
            String scalar = scalarOrNull(b);
            BackendConfig bc;
            if (scalar != null) {
                bc = new BackendConfig(hostPortItem(b, scalar), 1.0);
            } else {
                b.requireOnly("address", "weight");
                String addr = b.requireString("address", "write {address: host:port, weight: 1}");
                double w = b.decimal("weight", 1.0, Double.MIN_VALUE, 1e6);
                bc = new BackendConfig(hostPort(b, "address", addr), w);
            }
            if (bc.address().port() == 0) {
                throw b.error("backend port 0 is not connectable", "write the backend's real port");
            }
            if (!seen.add(bc.address())) {
                throw b.error("backend " + bc.address() + " is listed twice in pool '" + name + "'", "list each backend once; use weight: to favour it");
            }
            backends.add(bc);
        }
        Duration connect = positive(p, "connect-timeout", PoolConfig.DEFAULT_CONNECT_TIMEOUT);
        Duration request = positive(p, "request-timeout", PoolConfig.DEFAULT_REQUEST_TIMEOUT);
        Duration idle = positive(p, "idle-timeout", PoolConfig.DEFAULT_IDLE_TIMEOUT);
        String health = p.string("health-path", PoolConfig.DEFAULT_HEALTH_PATH);
        if (!health.startsWith("/")) {
            throw p.errorAt("health-path", "health-path '" + health + "' does not start with /", "write e.g. /health");
        }
        int maxIdle = p.integer("max-idle-connections", PoolConfig.DEFAULT_MAX_IDLE, 0, 100_000);
        BalancerConfig balancer = balancer(p);
        Duration slowStart = p.duration("slow-start", Duration.ZERO);
        if (slowStart.isNegative()) {
            throw p.errorAt("slow-start", "slow-start must not be negative", "write e.g. 30s, or 0s to switch it off");
        }
        if (!slowStart.isZero() && balancer.type().hashing()) {
            throw p.errorAt("slow-start", "slow-start does not apply to " + balancer.type().yamlName()
                    + " (consistent hashing keeps keys where they are)", "remove slow-start or use another balancer type");
        }
        return new PoolConfig(name, backends, connect, request, health, idle, maxIdle, balancer, slowStart, outlier(p),
                healthCheck(p, health), resilience(p), PoolOptionsParser.concurrencyLimit(p),
                PoolOptionsParser.firstByteTimeout(p), PoolOptionsParser.affinityCookie(p, balancer));
    }

    private static BalancerConfig balancer(ConfigNode p) {
        if (!p.has("balancer")) {
            return BalancerConfig.DEFAULT;
        }
        ConfigNode b = p.child("balancer").requireOnly("type", "hash-on", "decay", "choices", "hot-quantile");
        BalancerConfig.Type type = b.enumValue("type", BalancerConfig.Type.class, BalancerConfig.Type.SMOOTH_WEIGHTED);
        String hashText = b.string("hash-on", null);
        BalancerConfig.HashOn hashOn = null;
        if (hashText != null) {
            if (!type.hashing()) {
                throw b.errorAt("hash-on", "hash-on applies only to ring-hash and maglev, not " + type.yamlName(),
                        "remove hash-on or write type: ring-hash (or maglev)");
            }
            try {
                hashOn = BalancerConfig.HashOn.parse(hashText);
            } catch (IllegalArgumentException e) {
                throw b.errorAt("hash-on", e.getMessage(), "write header:X-User, cookie:sid or client-ip");
            }
            if (hashOn.source() == BalancerConfig.Source.HEADER && !hashOn.name().matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                throw b.errorAt("hash-on", "'" + hashOn.name() + "' is not a valid header name", "write e.g. header:X-User");
            }
        } else if (type.hashing()) {
            throw b.errorAt("type", type.yamlName() + " needs hash-on", "add hash-on: header:X-User, cookie:sid or client-ip");
        }
        Duration decay = positive(b, "decay", BalancerConfig.DEFAULT_DECAY);
        return PoolOptionsParser.hotCold(b, type, hashOn, decay);
    }

    private static OutlierConfig outlier(ConfigNode p) {
        if (!p.has("outlier")) {
            return OutlierConfig.DEFAULT;
        }
        OutlierConfig d = OutlierConfig.DEFAULT;
        ConfigNode o = p.child("outlier").requireOnly("consecutive-failures", "base-ejection-time", "max-ejection-time",
                "max-ejection-percent");
        int n = o.integer("consecutive-failures", d.consecutiveFailures(), 0, 1_000_000);
        Duration base = positive(o, "base-ejection-time", d.baseEjectionTime());
        Duration max = positive(o, "max-ejection-time", d.maxEjectionTime());
        if (max.compareTo(base) < 0) {
            throw o.errorAt("max-ejection-time", "max-ejection-time " + max.toMillis() + "ms is below base-ejection-time "
                    + base.toMillis() + "ms", "make it at least the base ejection time");
        }
        int pct = o.integer("max-ejection-percent", d.maxEjectionPercent(), 0, 100);
        return new OutlierConfig(n, base, max, pct);
    }

    private static HealthConfig healthCheck(ConfigNode p, String defaultPath) {
        if (!p.has("health")) {
            return null;
        }
        ConfigNode h = p.child("health").requireOnly("path", "interval", "jitter", "healthy-threshold", "unhealthy-threshold", "timeout");
        String path = h.string("path", defaultPath);
        if (!path.startsWith("/")) {
            throw h.errorAt("path", "health path '" + path + "' does not start with /", "write e.g. /health");
        }
        Duration interval = positive(h, "interval", Duration.ofSeconds(5));
        String jitterText = h.string("jitter", "10%").strip();
        int jitter;
        try {
            jitter = Integer.parseInt(jitterText.endsWith("%") ? jitterText.substring(0, jitterText.length() - 1).strip() : jitterText);
        } catch (NumberFormatException e) {
            throw h.errorAt("jitter", "expected a percentage but found '" + jitterText + "'", "write e.g. 10%");
        }
        if (jitter < 0 || jitter > 100) {
            throw h.errorAt("jitter", "jitter " + jitter + "% is out of range", "use 0% to 100%");
        }
        int healthy = h.integer("healthy-threshold", 2, 1, 1000);
        int unhealthy = h.integer("unhealthy-threshold", 3, 1, 1000);
        Duration timeout = positive(h, "timeout", Duration.ofSeconds(1));
        return new HealthConfig(path, interval, jitter, healthy, unhealthy, timeout);
    }

    private static ResilienceConfig resilience(ConfigNode p) {
        ResilienceConfig d = ResilienceConfig.DEFAULT;
        int attempts = d.retryAttempts();
        int pct = d.budgetPercent();
        int floor = d.budgetMinPerSecond();
        Duration backoff = d.backoff();
        Duration maxBackoff = d.maxBackoff();
        if (p.has("retry")) {
            ConfigNode r = p.child("retry").requireOnly("attempts", "budget-percent", "budget-min-per-second", "backoff", "max-backoff");
            attempts = r.integer("attempts", attempts, 0, 10);
            pct = r.integer("budget-percent", pct, 0, 100);
            floor = r.integer("budget-min-per-second", floor, 0, 1_000_000);
            backoff = r.duration("backoff", backoff);
            maxBackoff = r.duration("max-backoff", maxBackoff);
            if (backoff.isNegative() || maxBackoff.compareTo(backoff) < 0) {
                throw r.errorAt("max-backoff", "need 0 <= backoff <= max-backoff", "write e.g. backoff: 5ms, max-backoff: 100ms");
            }
        }
        boolean enabled = d.breakerEnabled();
        int rate = d.failureRatePercent();
        int window = d.window();
        int minimum = d.minimumCalls();
        Duration openFor = d.openFor();
        int halfOpen = d.halfOpenCalls();
        if (p.has("breaker")) {
            ConfigNode b = p.child("breaker").requireOnly("enabled", "failure-rate", "window", "minimum-calls", "open-for", "half-open-calls");
            enabled = b.bool("enabled", true);
            rate = b.integer("failure-rate", rate, 1, 100);
            window = b.integer("window", window, 1, 10_000);
            minimum = b.integer("minimum-calls", Math.min(minimum, window), 1, window);
            openFor = positive(b, "open-for", openFor);
            halfOpen = b.integer("half-open-calls", halfOpen, 1, 1000);
        }
        return new ResilienceConfig(attempts, pct, floor, backoff, maxBackoff, enabled, rate, window, minimum, openFor, halfOpen);
    }

    private static Duration positive(ConfigNode p, String key, Duration def) {
        Duration d = p.duration(key, def);
        if (d.isZero() || d.isNegative()) {
            throw p.errorAt(key, key + " must be greater than zero", "write e.g. " + def.toMillis() + "ms");
        }
        return d;
    }

    private static String scalarOrNull(ConfigNode item) {
        try {
            return item.scalarValue();
        } catch (ConfigException notScalar) {
            return null;
        }
    }

    private static HostPort hostPort(ConfigNode parent, String key, String text) {
        try {
            return HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            throw parent.errorAt(key, "bad address: " + e.getMessage(), "write host:port, e.g. 127.0.0.1:9001 or [::1]:9001");
        }
    }

    private static HostPort hostPortItem(ConfigNode item, String text) {
        try {
            return HostPort.parse(text);
        } catch (IllegalArgumentException e) {
            throw item.error("bad backend address: " + e.getMessage(), "write host:port, e.g. 127.0.0.1:9001 or {address: 127.0.0.1:9001, weight: 2}");
        }
    }

    /**
     * Quick mode without a configuration file: one pool {@code default} of {@code upstreams} (weight 1 each) and one
     * route {@code /} to it.
     *
     * @throws IllegalArgumentException if an address is not host:port
     */
    public static RouterConfig quick(String listen, List<String> upstreams) {
        List<BackendConfig> backends = new ArrayList<>();
        for (String u : upstreams) {
            backends.add(new BackendConfig(HostPort.parse(u), 1.0));
        }
        PoolConfig pool = PoolConfig.of("default", backends);
        return new RouterConfig(HostPort.parse(listen), Map.of("default", pool), List.of(new RouteConfig("default", "/", "default")));
    }
}
