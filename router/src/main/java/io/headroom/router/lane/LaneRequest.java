package io.headroom.router.lane;

import io.helidon.common.context.Context;
import io.helidon.common.socket.PeerInfo;
import io.helidon.common.uri.UriFragment;
import io.helidon.common.uri.UriInfo;
import io.helidon.common.uri.UriPath;
import io.helidon.common.uri.UriQuery;
import io.helidon.http.Header;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.RoutedPath;
import io.helidon.http.ServerRequestHeaders;
import io.helidon.http.media.ReadableEntity;
import io.helidon.http.media.ReadableEntityBase;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.ListenerContext;
import io.helidon.webserver.ProxyProtocolData;
import io.helidon.webserver.http.HttpSecurity;
import io.helidon.webserver.http.ServerRequest;

import java.io.InputStream;
import java.util.Optional;
import java.util.function.UnaryOperator;

/**
 * A bodiless {@code GET} or {@code HEAD} the lane took, as Helidon's request interface: what the router's handlers
 * read (the prologue, the headers, the peer, an empty entity) is here; what only Helidon's own routing uses (routed
 * paths, security, stream filters) is refused with an exception that names the lane, so a handler that starts to
 * need one fails its tests instead of misbehaving.
 */
final class LaneRequest implements ServerRequest {
    private static final ReadableEntity NO_ENTITY = ReadableEntityBase.empty();

    private final ConnectionContext ctx;
    private final HttpPrologue prologue;
    private final LaneHeaders headers;
    private final String authority;
    private final int id;
    private Context context;

    LaneRequest(ConnectionContext ctx, HttpPrologue prologue, LaneHeaders headers, String authority, int id) {
        this.ctx = ctx;
        this.prologue = prologue;
        this.headers = headers;
        this.authority = authority;
        this.id = id;
    }

    static HttpPrologue prologue(Method method, String rawPath, String rawQuery) {
        return HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", method, UriPath.create(rawPath),
                rawQuery == null ? UriQuery.empty() : UriQuery.create(rawQuery, false), UriFragment.empty());
    }

    @Override
    public HttpPrologue prologue() {
        return prologue;
    }

    @Override
    public ServerRequestHeaders headers() {
        return headers;
    }

    @Override
    public UriQuery query() {
        return prologue.query();
    }

    @Override
    public PeerInfo remotePeer() {
        return ctx.remotePeer();
    }

    @Override
    public PeerInfo localPeer() {
        return ctx.localPeer();
    }

    @Override
    public String authority() {
        return authority;
    }

    @Override
    public void header(Header header) {
        throw unsupported("changing a request header");
    }

    @Override
    public int id() {
        return id;
    }

    @Override
    public UriInfo requestedUri() {
        String host = authority;
        int port = -1;
        int colon = host.lastIndexOf(':');
        if (colon > 0) {
            port = Integer.parseInt(host.substring(colon + 1));
            host = host.substring(0, colon);
        }
        UriInfo.Builder b = UriInfo.builder().scheme("http").host(host).path(prologue.uriPath()).query(prologue.query());
        if (port >= 0) {
            b.port(port);
        }
        return b.build();
    }

    @Override
    public void reset() {
        // nothing read ahead: a bodiless request has nothing to skip
    }

    @Override
    public boolean isSecure() {
        return ctx.isSecure();
    }

    @Override
    public RoutedPath path() {
        throw unsupported("a routed path");
    }

    @Override
    public ReadableEntity content() {
        return NO_ENTITY;
    }

    @Override
    public String socketId() {
        return ctx.socketId();
    }

    @Override
    public String serverSocketId() {
        return ctx.childSocketId();
    }

    @Override
    public Context context() {
        if (context == null) {
            context = Context.create();
        }
        return context;
    }

    @Override
    public ListenerContext listenerContext() {
        return ctx.listenerContext();
    }

    @Override
    public HttpSecurity security() {
        throw unsupported("Helidon security");
    }

    @Override
    public boolean continueSent() {
        return false;
    }

    @Override
    public void streamFilter(UnaryOperator<InputStream> filter) {
        throw unsupported("a request stream filter");
    }

    @Override
    public Optional<ProxyProtocolData> proxyProtocolData() {
        return ctx.proxyProtocolData();
    }

    static UnsupportedOperationException unsupported(String what) {
        return new UnsupportedOperationException(what + " is not available on the router's HTTP/1.1 lane "
                + "(a handler that needs it must run on Helidon's connection: see docs/router.md, \"The lane\")");
    }
}
