package io.headroom.router.route;

import io.headroom.router.config.MediaTypes;
import io.headroom.router.config.RouteConfig;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The conditions of one route, compiled once from its {@link RouteConfig}: host, version, path, methods, headers and
 * query parameters. {@link #matches} checks the cheap conditions first and allocates nothing unless the route has
 * header, query or media-type conditions (then only what Helidon's accessors allocate). No regex runs per request.
 *
 * <p>{@link #PRECEDENCE} orders routes most specific first; docs/gateway.md states the same order.
 */
public final class RouteMatcher {
    private static final HeaderName ACCEPT = HeaderNames.ACCEPT;

    /**
     * Most specific first: exact host, then wildcard host (longer suffix first), then no host; then exact path, then
     * template, then prefix; then longer literal path (version segment included); then a method condition; then more
     * header, query and version conditions; then file order.
     */
    public static final Comparator<RouteMatcher> PRECEDENCE = Comparator
            .comparingInt((RouteMatcher m) -> -m.hostRank())
            .thenComparingInt(m -> m.host == null ? 0 : -m.host.length())
            .thenComparingInt(m -> -m.path.kind().ordinal())
            .thenComparingInt(m -> -(m.path.literalLength() + (m.versionPath == null ? 0 : m.versionPath.length())))
            .thenComparingInt(m -> m.methods.length == 0 ? 1 : 0)
            .thenComparingInt(m -> -m.conditions())
            .thenComparingInt(m -> m.order);

    private final int order;
    private final String host;          // lower case; for a wildcard the suffix with its dot (".example.com")
    private final boolean wildcardHost;
    private final String versionPath;
    private final boolean stripVersion;
    private final PathPattern path;
    private final String[] methods;
    private final HeaderName[] headerNames;
    private final String[] headerValues;
    private final String[] queryNames;
    private final String[] queryValues;
    private final HeaderName versionHeader;
    private final String versionValue;
    private final MediaTypes.MediaType mediaType;

    /**
     * @param rc    the route
     * @param order its position in the file (the last tie-break)
     */
    public RouteMatcher(RouteConfig rc, int order) {
        this.order = order;
        RouteConfig.Match m = rc.match();
        if (m.host() == null) {
            host = null;
            wildcardHost = false;
        } else if (m.host().startsWith("*.")) {
            host = m.host().substring(1);
            wildcardHost = true;
        } else {
            host = m.host();
            wildcardHost = false;
        }
        path = m.path() != null ? PathPattern.path(m.path()) : PathPattern.prefix(rc.pathPrefix());
        methods = m.methods().toArray(new String[0]);
        headerNames = new HeaderName[m.headers().size()];
        headerValues = new String[m.headers().size()];
        int i = 0;
        for (Map.Entry<String, String> e : m.headers().entrySet()) {
            headerNames[i] = HeaderNames.create(e.getKey());
            headerValues[i++] = e.getValue();
        }
        queryNames = m.query().keySet().toArray(new String[0]);
        queryValues = m.query().values().toArray(new String[0]);
        RouteConfig.Version v = m.version();
        versionPath = v != null && v.kind() == RouteConfig.VersionKind.PATH ? v.value() : null;
        stripVersion = versionPath != null && v.strip();
        versionHeader = v != null && v.kind() == RouteConfig.VersionKind.HEADER ? HeaderNames.create(v.header()) : null;
        versionValue = versionHeader != null ? v.value() : null;
        mediaType = v != null && v.kind() == RouteConfig.VersionKind.MEDIA_TYPE ? MediaTypes.parse(v.value()) : null;
    }

    private int hostRank() {
        return host == null ? 0 : wildcardHost ? 1 : 2;
    }

    private int conditions() {
        return headerNames.length + queryNames.length + (versionHeader != null || mediaType != null ? 1 : 0);
    }

    public PathPattern path() {
        return path;
    }

    /**
     * The values of the route's path variables in a path it matched, in the order of {@link PathPattern#variables()};
     * an empty array for a route without variables.
     */
    public String[] captures(String p) {
        if (path.variables().length == 0) {
            return new String[0];
        }
        int from = pathStart(p);
        String[] v = from < 0 ? null : path.capture(p, from);
        return v == null ? new String[path.variables().length] : v;
    }

    /** Where the route's own path starts in {@code path} (after a version segment), or -1 if the version does not match. */
    int pathStart(String p) {
        if (versionPath == null) {
            return 0;
        }
        int n = versionPath.length();
        if (!p.startsWith(versionPath) || (p.length() > n && p.charAt(n) != '/')) {
            return -1;
        }
        return n;
    }

    /** The version segment that stays in the forwarded path ("" when stripped or absent). */
    String keptVersion() {
        return versionPath == null || stripVersion ? "" : versionPath;
    }

    boolean stripsVersion() {
        return stripVersion;
    }

    /** Whether the request meets every condition. */
    public boolean matches(RequestView r) {
        if (methods.length > 0 && !methodMatches(r.method())) {
            return false;
        }
        if (host != null && !hostMatches(r.host())) {
            return false;
        }
        String p = r.path();
        int from = pathStart(p);
        if (from < 0 || path.match(p, from) < 0) {
            return false;
        }
        for (int i = 0; i < headerNames.length; i++) {
            if (!valueListed(r.headerValues(headerNames[i]), headerValues[i])) {
                return false;
            }
        }
        for (int i = 0; i < queryNames.length; i++) {
            String q = r.query(queryNames[i]);
            if (q == null || !("*".equals(queryValues[i]) || queryValues[i].equals(q))) {
                return false;
            }
        }
        if (versionHeader != null && !valueListed(r.headerValues(versionHeader), versionValue)) {
            return false;
        }
        if (mediaType != null) {
            List<String> accept = r.headerValues(ACCEPT);
            boolean any = false;
            for (int i = 0; i < accept.size() && !any; i++) {
                any = MediaTypes.accepts(accept.get(i), mediaType);
            }
            return any;
        }
        return true;
    }

    private boolean methodMatches(String m) {
        for (String x : methods) {
            if (x.equals(m)) {
                return true;
            }
        }
        return false;
    }

    private boolean hostMatches(String h) {
        if (h == null) {
            return false;
        }
        int end = h.length();
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            end = close < 0 ? end : close + 1;
        } else {
            int colon = h.indexOf(':');
            if (colon >= 0) {
                end = colon;
            }
        }
        if (end > 0 && h.charAt(end - 1) == '.') {
            end--; // a fully qualified name with its trailing dot
        }
        int n = host.length();
        if (wildcardHost) {
            // "*.example.com" takes a.example.com and a.b.example.com, not example.com itself
            return end > n && h.regionMatches(true, end - n, host, 0, n);
        }
        return end == n && h.regionMatches(true, 0, host, 0, n);
    }

    private static boolean valueListed(List<String> values, String wanted) {
        if (values.isEmpty()) {
            return false;
        }
        if ("*".equals(wanted)) {
            return true;
        }
        for (int i = 0; i < values.size(); i++) {
            if (values.get(i).equals(wanted)) {
                return true;
            }
        }
        return false;
    }
}
