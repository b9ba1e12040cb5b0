package io.headroom.router.lane;

import io.headroom.router.net.NativeSocket;
import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

/**
 * The router's own HTTP/1.1 lane, in front of the listener's HTTP/1.1 selector: it claims the same connections, serves
 * the plain requests itself (bodiless {@code GET} and {@code HEAD}, see {@link HeadParser}) and passes each connection
 * to {@code helidon} at its first request it does not take. Not used on a TLS listener, with the PROXY protocol or
 * with queued socket writes, where Helidon's connection does work the lane does not repeat.
 */
public final class LaneSelector implements ServerConnectionSelector {
    private final ServerConnectionSelector helidon;
    private final Handler handler;
    private final int maxRequestLine;
    private final int maxHeaderBytes;
    private final LongAdder served = new LongAdder();
    private final LongAdder handedOver = new LongAdder();
    /** Whether connections read and write their sockets with {@link NativeSocket} (else the JDK's way, through Helidon). */
    private final boolean nativeSockets;

    /**
     * @param helidon        the HTTP/1.1 selector the lane stands in front of, which gets every connection the lane
     *                       does not serve to its end
     * @param handler        the router's request handler
     * @param maxRequestLine the listener's longest request line; a longer one goes to Helidon (which answers 414)
     * @param maxHeaderBytes the listener's largest header block; a larger one goes to Helidon (which answers 431)
     */
    public LaneSelector(ServerConnectionSelector helidon, Handler handler, int maxRequestLine, int maxHeaderBytes) {
        this.helidon = helidon;
        this.handler = handler;
        this.maxRequestLine = maxRequestLine;
        this.maxHeaderBytes = maxHeaderBytes;
        this.nativeSockets = Boolean.parseBoolean(System.getProperty("headroom.native-socket", "true")) && NativeSocket.available();
    }

    @Override
    public int bytesToIdentifyConnection() {
        return helidon.bytesToIdentifyConnection();
    }

    @Override
    public Support supports(BufferData data) {
        return helidon.supports(data);
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return helidon.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        var listener = ctx.listenerContext().config();
        if (ctx.isSecure() || listener.enableProxyProtocol() || listener.writeQueueLength() > 0
                || ctx.proxyProtocolData().isPresent()) {
            return helidon.connection(ctx);
        }
        return new LaneConnection(ctx, helidon, handler, maxRequestLine, maxHeaderBytes, served, handedOver,
                nativeSockets ? NativeSocket.channelOf(ctx) : null);
    }

    /**
     * Whether the lane reads and writes client sockets with {@code recv}/{@code send} ({@link NativeSocket}); off with
     * {@code -Dheadroom.native-socket=false}, before JDK 22, off Linux, or without {@code java.base/sun.nio.ch} open.
     */
    public boolean nativeSockets() {
        return nativeSockets;
    }

    /** Why {@link #nativeSockets()} is false, or null when it is true. */
    public String nativeSocketsOff() {
        if (nativeSockets) {
            return null;
        }
        return NativeSocket.available() ? "turned off (-Dheadroom.native-socket=false)" : NativeSocket.unavailable();
    }

    /** Requests the lane has served, since start. */
    public long served() {
        return served.sum();
    }

    /** Connections the lane has handed to Helidon, since start. */
    public long handedOver() {
        return handedOver.sum();
    }
}
