package io.headroom.router.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;

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
 *   routes:
 *     - {name: api, path-prefix: /, pool: api}
 * </pre>
 *
 * @param listen where the proxy listens; port 0 picks a free port (tests)
 * @param pools  pools by name, in file order
 * @param routes routes, matched by longest path prefix
 */
public record RouterConfig(HostPort listen, Map<String, PoolConfig> pools, List<RouteConfig> routes) {

    public static final String DEFAULT_LISTEN = "127.0.0.1:8080";

    public RouterConfig {
        Objects.requireNonNull(listen, "listen");
        pools = Collections.unmodifiableMap(new LinkedHashMap<>(pools));
        routes = List.copyOf(routes);
        Set<String> names = new HashSet<>();
        for (RouteConfig r : routes) {
            if (!pools.containsKey(r.pool())) {
                throw new IllegalArgumentException("route " + r.name() + " names unknown pool " + r.pool());
            }
            if (!names.add(r.name())) {
                throw new IllegalArgumentException("duplicate route name " + r.name());
            }
        }
    }

    /**
     * Reads {@code router:} from the root of the configuration file.
     *
     * @throws ConfigException with file:line, the problem and the fix
     */
    public static RouterConfig from(ConfigNode root) {
        ConfigNode r = root.child("router").requireOnly("listen", "pools", "routes");
        HostPort listen = hostPort(r, "listen", r.string("listen", DEFAULT_LISTEN));

        ConfigNode poolsNode = r.child("pools");
        Map<String, PoolConfig> pools = new LinkedHashMap<>();
        for (String name : poolsNode.keys()) {
            pools.put(name, pool(name, poolsNode.child(name)));
        }
        if (pools.isEmpty()) {
            throw r.errorAt("pools", "no pools configured", "add e.g. 'pools: {api: {backends: [127.0.0.1:9001]}}' under router:");
        }

        List<RouteConfig> routes = new ArrayList<>();
        Map<String, String> prefixes = new HashMap<>();
        Set<String> routeNames = new HashSet<>();
        List<ConfigNode> routeNodes = r.list("routes");
        if (routeNodes.isEmpty()) {
            throw r.errorAt("routes", "no routes configured",
                    "add e.g. 'routes: [{name: api, path-prefix: /, pool: " + pools.keySet().iterator().next() + "}]'");
        }
        for (ConfigNode rn : routeNodes) {
            rn.requireOnly("name", "path-prefix", "pool");
            String name = rn.requireString("name", "give every route a unique 'name:'");
            String prefix = rn.string("path-prefix", "/");
            String pool = rn.requireString("pool", "name the pool this route forwards to, one of " + pools.keySet());
            if (!routeNames.add(name)) {
                throw rn.errorAt("name", "duplicate route name '" + name + "'", "give every route a unique name");
            }
            if (!prefix.startsWith("/")) {
                throw rn.errorAt("path-prefix", "path-prefix '" + prefix + "' does not start with /", "write e.g. /api");
            }
            String other = prefixes.putIfAbsent(prefix, name);
            if (other != null) {
                throw rn.errorAt("path-prefix", "path-prefix '" + prefix + "' is already used by route '" + other + "'",
                        "use a different prefix or remove one of the routes");
            }
            if (!pools.containsKey(pool)) {
                throw rn.errorAt("pool", "unknown pool '" + pool + "'", "use one of " + pools.keySet()
                        + " or define it under router.pools");
            }
            routes.add(new RouteConfig(name, prefix, pool));
        }
        return new RouterConfig(listen, pools, routes);
    }

    private static PoolConfig pool(String name, ConfigNode p) {
        p.requireOnly("backends", "connect-timeout", "request-timeout", "health-path", "idle-timeout", "max-idle-connections");
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
        return new PoolConfig(name, backends, connect, request, health, idle, maxIdle);
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
