package io.headroom.cli.admin;

import io.headroom.config.ConfigNode;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The {@code admin:} section: where the admin listener (health, readiness, Prometheus metrics, state API, live
 * dashboard) listens and the bearer token that guards it.
 *
 * <pre>
 * admin:
 *   listen: 127.0.0.1:9901        # loopback by default
 *   token-file: /run/secrets/headroom-admin-token   # or token-env: HEADROOM_ADMIN_TOKEN (never inline)
 *   metrics-auth: none            # none (default): /metrics is open to scrapers; token: it needs the token too
 *   config-changes: file          # file (default): API changes are written back to the file (with a .bak);
 *                                 # memory: kept in memory only, shown as diverged; off: the API is read-only
 * </pre>
 *
 * The token is read once at start, from a file or an environment variable, never from the YAML itself (a config
 * file gets copied, committed and printed). Without a token the listener must bind to a loopback address; a
 * non-loopback bind without a token is an error at the {@code listen} line.
 *
 * @param host        address to bind
 * @param port        port (0: a free one)
 * @param token       the bearer token, or null when none is configured (loopback only)
 * @param metricsAuth whether {@code /metrics} needs the token
 * @param changes     what becomes of configuration changes made through the admin API
 */
public record AdminConfig(String host, int port, AdminToken token, boolean metricsAuth, ChangeMode changes) {
    public static final String DEFAULT_LISTEN = "127.0.0.1:9901";

    /** {@code admin.config-changes}: where a change made through the admin API lives. */
    public enum ChangeMode {
        /** Written back to the configuration file atomically, the previous version kept as {@code FILE.bak}. */
        FILE,
        /** Kept in memory only; {@code /api/state} shows the configuration as diverged until the file is reloaded. */
        MEMORY,
        /** Refused: routes, pools, keys and quotas change only through the file. */
        OFF
    }

    public AdminConfig {
        java.util.Objects.requireNonNull(changes, "changes");
    }

    /** With changes written back to the file. */
    public AdminConfig(String host, int port, AdminToken token, boolean metricsAuth) {
        this(host, port, token, metricsAuth, ChangeMode.FILE);
    }

    /** Loopback, no token, open metrics: what the demo and tests start. */
    public static AdminConfig loopback(int port) {
        return new AdminConfig("127.0.0.1", port, null, false);
    }

    public static AdminConfig from(ConfigNode root) {
        return from(root, System::getenv);
    }

    /** As {@link #from(ConfigNode)}, with environment variables looked up through {@code env} (tests). */
    public static AdminConfig from(ConfigNode root, Function<String, String> env) {
        ConfigNode a = root.child("admin");
        if (a.has("token")) {
            throw a.errorAt("token", "the admin token may not be written in the configuration file",
                    "put it in a file readable only by headroom and name it with token-file: PATH, "
                            + "or in an environment variable named by token-env: NAME");
        }
        a.requireOnly("listen", "token-file", "token-env", "metrics-auth", "config-changes");
        String listen = a.string("listen", DEFAULT_LISTEN);
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw a.errorAt("listen", "'" + listen + "' is not host:port", "write e.g. listen: " + DEFAULT_LISTEN);
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw a.errorAt("listen", "port in '" + listen + "' is not a number", "write e.g. listen: " + DEFAULT_LISTEN);
        }
        if (port < 0 || port > 65_535) {
            throw a.errorAt("listen", "port " + port + " is out of range", "use 0 (any free port) to 65535");
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        AdminToken token = token(a, env);
        if (token == null && !isLoopback(host)) {
            throw a.errorAt("listen", "the admin listener binds to " + host + ", beyond this machine, without a token",
                    "set token-file: PATH or token-env: NAME under admin:, or listen on 127.0.0.1");
        }
        String metrics = a.string("metrics-auth", "none").strip();
        boolean metricsAuth = switch (metrics) {
            case "none" -> false;
            case "token" -> true;
            default -> throw a.errorAt("metrics-auth", "unknown value '" + metrics + "'",
                    "use none (Prometheus scrapes /metrics without a token) or token (it needs the admin token)");
        };
        if (metricsAuth && token == null) {
            throw a.errorAt("metrics-auth", "metrics-auth: token but no token is configured",
                    "set token-file: PATH or token-env: NAME under admin:, or use metrics-auth: none");
        }
        String mode = a.string("config-changes", "file").strip();
        ChangeMode changes = switch (mode) {
            case "file" -> ChangeMode.FILE;
            case "memory" -> ChangeMode.MEMORY;
            case "off" -> ChangeMode.OFF;
            default -> throw a.errorAt("config-changes", "unknown value '" + mode + "'",
                    "use file (changes are written back to the configuration file), memory (kept until the next reload "
                            + "or restart) or off (the admin API cannot change the configuration)");
        };
        return new AdminConfig(host, port, token, metricsAuth, changes);
    }

    private static AdminToken token(ConfigNode a, Function<String, String> env) {
        if (a.has("token-file") && a.has("token-env")) {
            throw a.errorAt("token-env", "both token-file and token-env are set", "keep one of them");
        }
        if (a.has("token-file")) {
            String name = a.string("token-file", "").strip();
            if (name.isEmpty()) {
                throw a.errorAt("token-file", "empty token-file", "write the path of a file holding the token");
            }
            Path file = Path.of(name);
            String value;
            try {
                value = Files.readString(file, StandardCharsets.UTF_8).strip();
            } catch (IOException e) {
                throw a.errorAt("token-file", "cannot read the token file " + file + " (" + e.getClass().getSimpleName() + ")",
                        "create it with the token on one line, readable by this process only (chmod 600)");
            }
            if (value.length() < AdminToken.MIN_LENGTH) {
                throw a.errorAt("token-file", "the token in " + file + " has " + value.length() + " characters",
                        "use at least " + AdminToken.MIN_LENGTH + ", e.g. openssl rand -hex 32 > " + file);
            }
            return new AdminToken(value, "file " + file);
        }
        if (a.has("token-env")) {
            String name = a.string("token-env", "").strip();
            if (name.isEmpty()) {
                throw a.errorAt("token-env", "empty token-env", "write the name of an environment variable, e.g. HEADROOM_ADMIN_TOKEN");
            }
            String value = env.apply(name);
            if (value == null || value.isBlank()) {
                throw a.errorAt("token-env", "environment variable " + name + " is not set",
                        "export " + name + "=$(openssl rand -hex 32) before starting, or use token-file");
            }
            value = value.strip();
            if (value.length() < AdminToken.MIN_LENGTH) {
                throw a.errorAt("token-env", "the token in " + name + " has " + value.length() + " characters",
                        "use at least " + AdminToken.MIN_LENGTH + ", e.g. openssl rand -hex 32");
            }
            return new AdminToken(value, "environment variable " + name);
        }
        return null;
    }

    /** Whether {@code host} is a loopback address (a literal, or a name that resolves to one). */
    static boolean isLoopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
