package io.headroom.router.route;

import io.headroom.router.config.RouteConfig;

/**
 * Builds the path sent upstream. The version segment of a path-versioned route is removed first (unless
 * {@code strip: false}); then {@code strip-prefix} drops the matched prefix, {@code prefix} replaces it, and
 * {@code path} builds the whole path from a template with the route's captured variables. Without any of these the
 * request's path is forwarded as it is (no allocation). The query string is always kept.
 */
public final class PathRewriter {
    private final RouteMatcher matcher;
    private final RouteConfig.RewriteKind kind;
    private final String value;
    private final String[] pieces; // PATH: literal, var, literal, var, ... (vars as indexes into the route's captures)
    private final int[] varIndex;

    public PathRewriter(RouteMatcher matcher, RouteConfig.Rewrite rewrite) {
        this.matcher = matcher;
        this.kind = rewrite == null ? null : rewrite.kind();
        this.value = rewrite == null ? null : rewrite.value();
        if (kind == RouteConfig.RewriteKind.PATH) {
            // split "/a/{x}/b/{y}" into literal pieces around the variables
            java.util.List<String> lits = new java.util.ArrayList<>();
            java.util.List<Integer> idx = new java.util.ArrayList<>();
            java.util.List<String> routeVars = java.util.List.of(matcher.path().variables());
            int i = 0;
            StringBuilder lit = new StringBuilder();
            while (i < value.length()) {
                char c = value.charAt(i);
                if (c == '{') {
                    int close = value.indexOf('}', i);
                    lits.add(lit.toString());
                    lit.setLength(0);
                    idx.add(routeVars.indexOf(value.substring(i + 1, close)));
                    i = close + 1;
                } else {
                    lit.append(c);
                    i++;
                }
            }
            lits.add(lit.toString());
            pieces = lits.toArray(new String[0]);
            varIndex = idx.stream().mapToInt(Integer::intValue).toArray();
        } else {
            pieces = null;
            varIndex = null;
        }
    }

    /** Whether {@link #apply} may return something other than its argument. */
    public boolean rewrites() {
        return kind != null || matcher.stripsVersion();
    }

    /** The upstream path for a request path that this route matched. */
    public String apply(String path) {
        if (!rewrites()) {
            return path;
        }
        int from = matcher.pathStart(path);
        if (kind == null) {
            return from == path.length() ? "/" : path.substring(from);
        }
        String kept = matcher.keptVersion();
        return switch (kind) {
            case STRIP_PREFIX -> {
                String rest = path.substring(matcher.path().match(path, from));
                yield kept + (rest.isEmpty() ? "/" : rest.charAt(0) == '/' ? rest : "/" + rest);
            }
            case PREFIX -> {
                String rest = path.substring(matcher.path().match(path, from));
                if (rest.isEmpty()) {
                    yield kept + value;
                }
                boolean slashA = value.endsWith("/");
                boolean slashB = rest.charAt(0) == '/';
                yield kept + (slashA && slashB ? value + rest.substring(1) : slashA || slashB ? value + rest : value + "/" + rest);
            }
            case PATH -> {
                String[] vars = matcher.path().capture(path, from);
                StringBuilder sb = new StringBuilder(kept.length() + value.length() + 16).append(kept);
                for (int i = 0; i < varIndex.length; i++) {
                    sb.append(pieces[i]).append(vars == null ? "" : vars[varIndex[i]]);
                }
                yield sb.append(pieces[pieces.length - 1]).toString();
            }
        };
    }
}
