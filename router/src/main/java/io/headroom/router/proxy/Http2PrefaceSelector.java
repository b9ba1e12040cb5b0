package io.headroom.router.proxy;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Helidon's HTTP/2 connection selector, made to give up on a connection as soon as its first bytes differ from the
 * HTTP/2 connection preface. Helidon's own selector asks for the whole 24-byte preface before it answers, so a short
 * malformed HTTP/1 head (a request line without a version, say) would leave the connection waiting for more bytes until
 * the idle timeout instead of being closed at once, as it is with HTTP/1.1 alone. ALPN (h2 over TLS) is unchanged.
 */
public final class Http2PrefaceSelector implements ServerConnectionSelector {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    private final ServerConnectionSelector http2;

    /** @param http2 Helidon's {@code Http2ConnectionSelector} */
    public Http2PrefaceSelector(ServerConnectionSelector http2) {
        this.http2 = http2;
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0; // asked whatever has arrived: a mismatch is known from the first differing byte
    }

    @Override
    public Support supports(BufferData data) {
        int n = Math.min(data.available(), PREFACE.length);
        for (int i = 0; i < n; i++) {
            if ((byte) data.get(i) != PREFACE[i]) {
                return Support.UNSUPPORTED;
            }
        }
        return n < PREFACE.length ? Support.UNKNOWN : http2.supports(data);
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return http2.supportedApplicationProtocols();
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        return http2.connection(ctx);
    }
}
