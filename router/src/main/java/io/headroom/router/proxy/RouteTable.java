package io.headroom.router.proxy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Longest-prefix route matching on path segment boundaries: {@code /api} matches {@code /api} and {@code /api/x},
 * not {@code /apix}; a prefix ending in {@code /} matches anything below it. Routes are sorted longest first at build
 * time, so a match is a scan that stops at the first hit (no allocation).
 */
public final class RouteTable {
    private final Route[] routes;

    public RouteTable(List<Route> routes) {
        List<Route> sorted = new ArrayList<>(routes);
        sorted.sort(Comparator.comparingInt((Route r) -> r.prefix().length()).reversed());
        this.routes = sorted.toArray(new Route[0]);
    }

    /** The route for a raw request path, or null. */
    public Route match(String path) {
        for (Route r : routes) {
            String p = r.prefix();
            if (path.startsWith(p)) {
                int n = p.length();
                if (n == path.length() || p.charAt(n - 1) == '/' || path.charAt(n) == '/') {
                    return r;
                }
            }
        }
        return null;
    }

    public List<Route> routes() {
        return List.of(routes);
    }
}
