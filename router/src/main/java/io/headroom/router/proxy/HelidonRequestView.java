package io.headroom.router.proxy;

import io.headroom.router.route.RequestView;
import io.helidon.http.HeaderName;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;

import java.util.List;

/** Route matching's view of a Helidon request; reads lazily, so unmatched conditions cost nothing. */
final class HelidonRequestView implements RequestView {
    private final ServerRequest req;
    private final String path;
    private final Method method;

    HelidonRequestView(ServerRequest req, String path, Method method) {
        this.req = req;
        this.path = path;
        this.method = method;
    }

    @Override
    public String method() {
        return method.text();
    }

    @Override
    public String host() {
        return req.authority();
    }

    @Override
    public String path() {
        return path;
    }

    @Override
    public List<String> headerValues(HeaderName name) {
        var h = req.headers();
        return h.contains(name) ? h.get(name).allValues() : List.of();
    }

    @Override
    public String query(String name) {
        if (!req.prologue().hasQuery()) {
            return null;
        }
        var q = req.query();
        return q.contains(name) ? q.first(name).orElse(null) : null;
    }
}
