package io.headroom.router.proxy;

import io.headroom.router.route.RequestView;
import io.headroom.router.route.RouteMatcher;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Routes sorted most specific first at build time ({@link RouteMatcher#PRECEDENCE}: host, then path kind and length,
 * then methods, then other conditions, then file order), so a match is a scan that stops at the first route whose
 * conditions all hold. A prefix matches on path segment boundaries: {@code /api} matches {@code /api} and
 * {@code /api/x}, not {@code /apix}; a prefix ending in {@code /} matches anything below it.
 */
public final class RouteTable {
    private final Route[] routes;

    public RouteTable(List<Route> routes) {
        List<Route> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparing(Route::matcher, RouteMatcher.PRECEDENCE));
        this.routes = sorted.toArray(new Route[0]);
    }

    /** The most specific route whose conditions the request meets, or null. */
    public Route match(RequestView request) {
        for (Route r : routes) {
            if (r.matcher().matches(request)) {
                return r;
            }
        }
        return null;
    }

    /** Routes in precedence order. */
    public List<Route> routes() {
        return List.of(routes);
    }
}
