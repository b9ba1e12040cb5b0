package io.headroom.router.l4;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.config.HostPort;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code edge:} section of the configuration file: the L4 (TCP) edge in front of a pool of gateway instances.
 *
 * <pre>
 * edge:
 *   listen: 0.0.0.0:7000
 *   pool: gateways                  # control plans for scope pool:gateways from the autoscaler add members
 *   members: [127.0.0.1:8080, 127.0.0.1:8081]   # static members: the fail-static fallback
 *   balancer: least-connections     # or hash (consistent hash on the client IP)
 *   max-connections: 10000          # open client connections; more are closed at once and counted
 *   idle-timeout: 5m                # no byte either way for this long closes both sides
 *   connect-timeout: 1s
 *   connect-attempts: 3             # a failed connect is retried on another member, at most this many tries
 *   down-time: 5s                   # a member whose connect failed gets no new connections for this long
 * </pre>
 * (docs/edge.md describes the behaviour.)
 *
 * @param listen          where the edge accepts; port 0 picks a free port (tests)
 * @param pool            pool name; plans for scope {@code pool:<pool>} from source {@code autoscaler} add members
 * @param members         static members, never empty
 * @param balancer        how a member is picked per connection
 * @param maxConnections  open client connections at most
 * @param idleTimeout     a connection with no traffic either way for this long is closed
 * @param connectTimeout  timeout of one connect to a member
 * @param connectAttempts connects tried per client connection, each on a different member
 * @param downTime        how long a member whose connect failed is skipped by new connections
 */
public record EdgeConfig(HostPort listen, String pool, List<HostPort> members, BalancerType balancer, int maxConnections,
                         Duration idleTimeout, Duration connectTimeout, int connectAttempts, Duration downTime) {

    public static final String DEFAULT_LISTEN = "127.0.0.1:7000";
    public static final String DEFAULT_POOL = "gateways";
    public static final int DEFAULT_MAX_CONNECTIONS = 10_000;
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(1);
    public static final int DEFAULT_CONNECT_ATTEMPTS = 3;
    public static final Duration DEFAULT_DOWN_TIME = Duration.ofSeconds(5);
    static final String[] KEYS = {"listen", "pool", "members", "balancer", "max-connections", "idle-timeout",
            "connect-timeout", "connect-attempts", "down-time"};

    /** How the edge picks a member for a new connection. */
    public enum BalancerType {
        /** The member with the fewest open connections; ties broken by a seeded draw. */
        LEAST_CONNECTIONS,
        /** Consistent hash (ring) on the client IP: a client sticks to a member while it stays in the pool. */
        HASH;

        /** The name as written in YAML and on the command line. */
        public String yamlName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** Parses {@code least-connections} or {@code hash}. */
        public static BalancerType parse(String text) {
            String t = text == null ? "" : text.strip().toUpperCase(Locale.ROOT).replace('-', '_');
            for (BalancerType b : values()) {
                if (b.name().equals(t)) {
                    return b;
                }
            }
            throw new IllegalArgumentException("unknown balancer '" + text + "' (expected: least-connections or hash)");
        }
    }

    public EdgeConfig {
        Objects.requireNonNull(listen, "listen");
        Objects.requireNonNull(balancer, "balancer");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(downTime, "downTime");
        if (pool == null || pool.isBlank()) {
            throw new IllegalArgumentException("pool: empty (expected: a pool name such as " + DEFAULT_POOL + ")");
        }
        members = List.copyOf(members);
        if (members.isEmpty()) {
            throw new IllegalArgumentException("members: none (expected: at least one static member, the fail-static fallback)");
        }
        if (new HashSet<>(members).size() != members.size()) {
            throw new IllegalArgumentException("members: " + members + " lists a member twice (expected: each once)");
        }
        for (HostPort m : members) {
            if (m.port() == 0) {
                throw new IllegalArgumentException("member " + m + ": port 0 is not connectable (expected: the member's real port)");
            }
        }
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections: " + maxConnections + " (expected: > 0)");
        }
        if (connectAttempts < 1) {
            throw new IllegalArgumentException("connectAttempts: " + connectAttempts + " (expected: > 0)");
        }
        requirePositive("idleTimeout", idleTimeout);
        requirePositive("connectTimeout", connectTimeout);
        if (downTime.isNegative()) {
            throw new IllegalArgumentException("downTime: " + downTime + " (expected: >= 0)");
        }
    }

    /** An edge with the default settings for every key but these. */
    public static EdgeConfig of(String listen, List<String> members, BalancerType balancer) {
        List<HostPort> ms = new ArrayList<>();
        for (String m : members) {
            ms.add(HostPort.parse(m));
        }
        return new EdgeConfig(HostPort.parse(listen), DEFAULT_POOL, ms, balancer, DEFAULT_MAX_CONNECTIONS, DEFAULT_IDLE_TIMEOUT,
                DEFAULT_CONNECT_TIMEOUT, DEFAULT_CONNECT_ATTEMPTS, DEFAULT_DOWN_TIME);
    }

    public EdgeConfig withPool(String p) {
        return new EdgeConfig(listen, p, members, balancer, maxConnections, idleTimeout, connectTimeout, connectAttempts, downTime);
    }

    public EdgeConfig withMaxConnections(int n) {
        return new EdgeConfig(listen, pool, members, balancer, n, idleTimeout, connectTimeout, connectAttempts, downTime);
    }

    public EdgeConfig withIdleTimeout(Duration d) {
        return new EdgeConfig(listen, pool, members, balancer, maxConnections, d, connectTimeout, connectAttempts, downTime);
    }

    public EdgeConfig withConnectTimeout(Duration d) {
        return new EdgeConfig(listen, pool, members, balancer, maxConnections, idleTimeout, d, connectAttempts, downTime);
    }

    public EdgeConfig withDownTime(Duration d) {
        return new EdgeConfig(listen, pool, members, balancer, maxConnections, idleTimeout, connectTimeout, connectAttempts, d);
    }

    /**
     * Reads {@code edge:} from the root of the configuration file.
     *
     * @throws ConfigException with file:line, the problem and the fix
     */
    public static EdgeConfig from(ConfigNode root) {
        if (!root.has("edge")) {
            throw root.error("no 'edge:' section", "add e.g. 'edge: {listen: 0.0.0.0:7000, members: [127.0.0.1:8080]}'");
        }
        ConfigNode e = root.child("edge").requireOnly(KEYS);
        HostPort listen = hostPort(e, "listen", e.string("listen", DEFAULT_LISTEN));
        String pool = e.string("pool", DEFAULT_POOL).strip();
        if (pool.isEmpty() || !pool.matches("[A-Za-z0-9._-]+")) {
            throw e.errorAt("pool", "pool name '" + pool + "' is not a plain name",
                    "write letters, digits, '.', '_' or '-', e.g. pool: " + DEFAULT_POOL);
        }
        List<HostPort> members = new ArrayList<>();
        Set<HostPort> seen = new HashSet<>();
        for (ConfigNode m : e.list("members")) {
            String text;
            try {
                text = m.scalarValue();
            } catch (ConfigException ex) {
                throw m.error("a member is a plain host:port", "write members: [127.0.0.1:8080, 127.0.0.1:8081]");
            }
            HostPort hp;
            try {
                hp = HostPort.parse(text);
            } catch (IllegalArgumentException ex) {
                throw m.error(ex.getMessage(), "write the member as host:port, e.g. 127.0.0.1:8080");
            }
            if (hp.port() == 0) {
                throw m.error("member port 0 is not connectable", "write the gateway's real port");
            }
            if (!seen.add(hp)) {
                throw m.error("member " + hp + " is listed twice", "list each member once");
            }
            members.add(hp);
        }
        if (members.isEmpty()) {
            throw e.errorAt("members", "no static members", "add e.g. 'members: [127.0.0.1:8080]': they are the fail-static "
                    + "fallback when no autoscaler plan is valid");
        }
        BalancerType balancer = BalancerType.LEAST_CONNECTIONS;
        if (e.has("balancer")) {
            String b = e.string("balancer", "");
            try {
                balancer = BalancerType.parse(b);
            } catch (IllegalArgumentException ex) {
                throw e.errorAt("balancer", "unknown balancer '" + b + "'", "use least-connections or hash");
            }
        }
        int max = e.integer("max-connections", DEFAULT_MAX_CONNECTIONS, 1, 10_000_000);
        Duration idle = positive(e, "idle-timeout", DEFAULT_IDLE_TIMEOUT);
        Duration connect = positive(e, "connect-timeout", DEFAULT_CONNECT_TIMEOUT);
        int attempts = e.integer("connect-attempts", DEFAULT_CONNECT_ATTEMPTS, 1, 100);
        Duration down = e.duration("down-time", DEFAULT_DOWN_TIME);
        return new EdgeConfig(listen, pool, members, balancer, max, idle, connect, attempts, down);
    }

    private static HostPort hostPort(ConfigNode n, String key, String text) {
        try {
            return HostPort.parse(text);
        } catch (IllegalArgumentException ex) {
            throw n.errorAt(key, ex.getMessage(), "write host:port, e.g. 0.0.0.0:7000");
        }
    }

    private static Duration positive(ConfigNode n, String key, Duration def) {
        Duration d = n.duration(key, def);
        if (d.isZero() || d.isNegative()) {
            throw n.errorAt(key, key + " must be positive", "write e.g. " + def.toMillis() + "ms");
        }
        return d;
    }

    private static void requirePositive(String name, Duration d) {
        if (d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException(name + ": " + d + " (expected: > 0)");
        }
    }
}
