package io.headroom.router.upstream;

import io.headroom.router.config.HostPort;

import java.net.InetSocketAddress;

/**
 * One member of a pool as the proxy sees it: its address and its pool of keep-alive connections.
 *
 * <p>Backends are interned per pool by {@link BackendSet}, so the same address keeps the same object (and the same
 * idle connections and telemetry counters) across snapshot swaps.
 */
public final class Backend {
    private final String address;
    private final HostPort hostPort;
    private final ConnectionPool connections;

    Backend(HostPort hostPort, ConnectionPool.Settings settings, Watchdog watchdog) {
        this.hostPort = hostPort;
        this.address = hostPort.toString();
        this.connections = new ConnectionPool(this, settings, watchdog);
    }

    /** {@code host:port}, as in configuration and telemetry. */
    public String address() {
        return address;
    }

    public HostPort hostPort() {
        return hostPort;
    }

    /** A fresh unresolved address: resolution happens at connect time, so DNS changes are picked up. */
    InetSocketAddress socketAddress() {
        return new InetSocketAddress(hostPort.host(), hostPort.port());
    }

    public ConnectionPool connections() {
        return connections;
    }

    @Override
    public String toString() {
        return address;
    }
}
