package io.headroom.cli.admin;

import io.headroom.config.ConfigNode;

/**
 * The {@code admin:} section: where the admin listener (health, readiness, Prometheus metrics, state API, live
 * dashboard) listens. Keep it on a private interface; it has no authentication.
 *
 * <pre>
 * admin:
 *   listen: 127.0.0.1:9901
 * </pre>
 */
public record AdminConfig(String host, int port) {

    public static AdminConfig from(ConfigNode root) {
        ConfigNode a = root.child("admin").requireOnly("listen");
        String listen = a.string("listen", "127.0.0.1:9901");
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw a.errorAt("listen", "'" + listen + "' is not host:port", "write e.g. listen: 127.0.0.1:9901");
        }
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw a.errorAt("listen", "port in '" + listen + "' is not a number", "write e.g. listen: 127.0.0.1:9901");
        }
        if (port < 0 || port > 65_535) {
            throw a.errorAt("listen", "port " + port + " is out of range", "use 0 (any free port) to 65535");
        }
        String host = listen.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        return new AdminConfig(host, port);
    }
}
