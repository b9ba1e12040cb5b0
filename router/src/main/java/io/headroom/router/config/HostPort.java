package io.headroom.router.config;

import java.util.Objects;

/**
 * A {@code host:port} address ({@code [v6]:port} for IPv6 literals).
 *
 * @param host host name or IP literal (without brackets)
 * @param port TCP port, 0..65535
 */
public record HostPort(String host, int port) {

    public HostPort {
        Objects.requireNonNull(host, "host");
        if (host.isBlank()) {
            throw new IllegalArgumentException("host is empty");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
        }
    }

    /**
     * Parses {@code host:port} or {@code [v6]:port}.
     *
     * @throws IllegalArgumentException saying what is wrong with {@code text}
     */
    public static HostPort parse(String text) {
        String t = text == null ? "" : text.trim();
        String host;
        String portText;
        if (t.startsWith("[")) {
            int close = t.indexOf(']');
            if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("'" + text + "' is not [IPv6]:port");
            }
            host = t.substring(1, close);
            portText = t.substring(close + 2);
        } else {
            int colon = t.lastIndexOf(':');
            if (colon <= 0 || colon == t.length() - 1 || t.indexOf(':') != colon) {
                throw new IllegalArgumentException("'" + text + "' is not host:port");
            }
            host = t.substring(0, colon);
            portText = t.substring(colon + 1);
        }
        if (host.isBlank() || host.contains("/") || host.contains(" ")) {
            throw new IllegalArgumentException("'" + text + "' has no valid host");
        }
        int port;
        try {
            port = Integer.parseInt(portText);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' has a port that is not a number");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("'" + text + "' has port " + port + " outside 0..65535");
        }
        return new HostPort(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
