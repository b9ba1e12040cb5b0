package io.headroom.router.config;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Reads the gateway keys of {@code router:}: routes, {@code auth:} and {@code rate-limits:} (docs/gateway.md). */
final class GatewayConfigParser {
    static final String[] ROUTE_KEYS = {"name", "host", "path-prefix", "path", "methods", "headers", "query", "version", "rewrite",
            "pool", "split", "mirror", "auth", "rate-limits", "transform", "cache", "aggregate", "grpc"};
    private static final String TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
    private static final Set<String> ALGORITHMS = Set.of("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
            "ES512", "EdDSA", "Ed25519");

    private GatewayConfigParser() {
    }

    /** One item of {@code routes:}; {@code signature} receives what makes it distinct from other routes. */
    static RouteConfig route(ConfigNode rn, Set<String> pools, AuthConfig auth, StringBuilder signature) {
        return route(rn, pools, auth, false, signature);
    }

    /** As {@link #route(ConfigNode, Set, AuthConfig, StringBuilder)}; {@code clientCertificates}: mTLS is on (router.tls.client-auth). */
    static RouteConfig route(ConfigNode rn, Set<String> pools, AuthConfig auth, boolean clientCertificates, StringBuilder signature) {
        rn.requireOnly(ROUTE_KEYS);
        String name = rn.requireString("name", "give every route a unique 'name:'");
        if (rn.has("path-prefix") && rn.has("path")) {
            throw rn.errorAt("path", "a route has either path-prefix or path, not both",
                    "keep path-prefix: /users for everything below /users, or path: /users/{id} for one exact or template path");
        }
        String prefix = rn.string("path-prefix", "/");
        if (!prefix.startsWith("/")) {
            throw rn.errorAt("path-prefix", "path-prefix '" + prefix + "' does not start with /", "write e.g. /api");
        }
        String path = rn.string("path", null);
        List<String> vars = List.of();
        if (path != null) {
            vars = templateVariables(rn, path);
        }
        String host = rn.string("host", null);
        if (host != null) {
            host = host.strip().toLowerCase(Locale.ROOT);
            String h = host.startsWith("*.") ? host.substring(2) : host;
            if (h.isEmpty() || !h.matches("[a-z0-9.-]+|\\[[0-9a-f:.]+]")) {
                throw rn.errorAt("host", "'" + host + "' is not a host name", "write e.g. api.example.com or *.example.com (no port)");
            }
        }
        List<String> methods = new ArrayList<>();
        for (String m : rn.stringList("methods")) {
            String u = m.strip().toUpperCase(Locale.ROOT);
            if (!u.matches(TOKEN)) {
                throw rn.errorAt("methods", "'" + m + "' is not an HTTP method", "write e.g. [GET, POST]");
            }
            if (!methods.contains(u)) {
                methods.add(u);
            }
        }
        Map<String, String> headers = pairs(rn, "headers", true);
        Map<String, String> query = pairs(rn, "query", false);
        RouteConfig.Version version = version(rn);
        RouteConfig.Rewrite rewrite = rewrite(rn, path, vars);

        String pool;
        List<RouteConfig.WeightedPool> split = new ArrayList<>();
        RouteConfig.Aggregate aggregate = null;
        if (rn.has("aggregate")) {
            for (String k : new String[]{"pool", "split", "mirror", "rewrite", "cache"}) {
                if (rn.has(k)) {
                    throw rn.errorAt(k, "an aggregating route has no " + k, "its calls name their pools and paths; remove " + k);
                }
            }
            aggregate = aggregate(rn.child("aggregate"), pools, vars);
            if (methods.isEmpty()) {
                methods.add("GET");
                methods.add("HEAD");
            }
            for (String m : methods) {
                if (!m.equals("GET") && !m.equals("HEAD")) {
                    throw rn.errorAt("methods", "an aggregating route answers GET and HEAD only, not " + m, "write methods: [GET]");
                }
            }
        }
        io.headroom.router.grpc.GrpcRouteSpec grpc = null;
        if (rn.has("grpc")) {
            for (String k : new String[]{"aggregate", "rewrite", "mirror", "cache"}) {
                if (rn.has(k)) {
                    throw rn.errorAt(k, "a gRPC route has no " + k,
                            "remove " + k + ": the route's bindings (or the gRPC path, on passthrough) say what is called");
                }
            }
            grpc = GrpcConfigParser.grpc(rn.child("grpc"));
        }
        if (aggregate != null) {
            pool = aggregate.calls().get(0).pool();
        } else if (rn.has("pool") == rn.has("split")) {
            throw rn.error("route '" + name + "' needs exactly one of pool: and split:",
                    "write pool: NAME, or split: [{pool: stable, weight: 95}, {pool: canary, weight: 5}]");
        } else if (rn.has("pool")) {
            pool = rn.requireString("pool", "name the pool this route forwards to, one of " + pools);
            knownPool(rn, "pool", pool, pools);
        } else {
            double total = 0;
            Set<String> seen = new HashSet<>();
            for (ConfigNode s : rn.list("split")) {
                s.requireOnly("pool", "weight");
                String p = s.requireString("pool", "write {pool: NAME, weight: 10}");
                knownPool(s, "pool", p, pools);
                if (!seen.add(p)) {
                    throw s.errorAt("pool", "pool '" + p + "' is listed twice in the split", "list each pool once");
                }
                double w = s.decimal("weight", 1.0, 0, 1e6);
                total += w;
                split.add(new RouteConfig.WeightedPool(p, w));
            }
            if (split.isEmpty() || total <= 0) {
                throw rn.errorAt("split", "a split needs at least one pool with a weight above 0",
                        "write split: [{pool: stable, weight: 95}, {pool: canary, weight: 5}]");
            }
            pool = split.get(0).pool();
        }
        RouteConfig.Mirror mirror = null;
        if (rn.has("mirror")) {
            ConfigNode m = rn.child("mirror").requireOnly("pool", "percent", "max-in-flight");
            String p = m.requireString("pool", "write mirror: {pool: shadow}");
            knownPool(m, "pool", p, pools);
            mirror = new RouteConfig.Mirror(p, m.decimal("percent", 100, 0, 100), m.integer("max-in-flight", 64, 1, 100_000));
        }
        RouteConfig.Auth routeAuth = routeAuth(rn, auth, clientCertificates);
        RouteConfig.Limits limits = RouteConfig.Limits.NONE;
        if (rn.has("rate-limits")) {
            ConfigNode l = rn.child("rate-limits").requireOnly("route", "consumer", "quotas");
            Map<QuotaPeriod, Long> routeQuotas = Map.of();
            Map<QuotaPeriod, Long> consumerQuotas = Map.of();
            if (l.has("quotas")) {
                ConfigNode q = l.child("quotas").requireOnly("route", "consumer");
                routeQuotas = quotaPeriods(q, "route");
                consumerQuotas = quotaPeriods(q, "consumer");
                if (consumerQuotas.isEmpty() && routeQuotas.isEmpty()) {
                    throw l.errorAt("quotas", "quotas names no quota", "write e.g. quotas: {route: {hour: 50000}, consumer: {day: 1000}}");
                }
            }
            limits = new RouteConfig.Limits(rate(l, "route"), rate(l, "consumer"), routeQuotas, consumerQuotas);
        }
        signature.append(host).append('|').append(path == null ? "prefix:" + prefix : "path:" + path.replaceAll("\\{[^}]*}", "{}"))
                .append('|').append(version).append('|').append(new java.util.TreeSet<>(methods)).append('|')
                .append(new java.util.TreeMap<>(headers)).append('|').append(new java.util.TreeMap<>(query));
        RouteConfig.Transform transform = RouteConfig.Transform.NONE;
        if (rn.has("transform")) {
            ConfigNode t = rn.child("transform").requireOnly("request", "response");
            if (aggregate != null && t.has("response")) {
                throw t.errorAt("response", "an aggregating route builds its answer from its template",
                        "shape the answer in aggregate.template; keep transform.request for the calls");
            }
            if (grpc != null && t.has("response")) {
                throw t.errorAt("response", "a gRPC route passes the member's metadata back as it came",
                        "remove transform.response; transform.request applies to the call's metadata");
            }
            transform = new RouteConfig.Transform(headerOps(t, "request", auth), headerOps(t, "response", auth));
        }
        RouteConfig.Cache cache = null;
        if (rn.has("cache")) {
            ConfigNode c = rn.child("cache").requireOnly("max-bytes", "max-entry-bytes", "default-ttl", "stale-while-revalidate",
                    "max-variants");
            if (!methods.isEmpty() && !methods.contains("GET") && !methods.contains("HEAD")) {
                throw rn.errorAt("cache", "route '" + name + "' caches responses but takes only " + methods,
                        "only GET and HEAD responses are cached: add GET to methods, or remove cache");
            }
            long maxBytes = RouterConfig.bytes(c, "max-bytes", 64L << 20, 1024, 1L << 40);
            long maxEntry = RouterConfig.bytes(c, "max-entry-bytes", Math.min(1L << 20, maxBytes), 0, Math.min(maxBytes, 256L << 20));
            cache = new RouteConfig.Cache(maxBytes, maxEntry, nonNegative(c, "default-ttl", Duration.ZERO),
                    nonNegative(c, "stale-while-revalidate", Duration.ZERO), c.integer("max-variants", 8, 1, 1024));
        }
        return new RouteConfig(name, prefix, pool, new RouteConfig.Match(host, path, methods, headers, query, version), rewrite,
                split, mirror, routeAuth, limits, transform, cache, aggregate, grpc);
    }

    /** {@code aggregate: {calls: [...], template: {...}, max-body: 1MB}}. */
    private static RouteConfig.Aggregate aggregate(ConfigNode a, Set<String> pools, List<String> routeVars) {
        a.requireOnly("calls", "template", "max-body");
        List<RouteConfig.AggregateCall> calls = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode c : a.list("calls")) {
            c.requireOnly("name", "pool", "path", "timeout", "on-failure", "default");
            String name = c.requireString("name", "write {name: profile, pool: users, path: /users/{id}}");
            if (!name.matches("[A-Za-z_][A-Za-z0-9_-]*")) {
                throw c.errorAt("name", "'" + name + "' is not a call name", "use letters, digits, _ and -, e.g. profile");
            }
            if (!names.add(name)) {
                throw c.errorAt("name", "call '" + name + "' is defined twice", "give each call its own name");
            }
            String pool = c.requireString("pool", "name the pool the call goes to, one of " + pools);
            knownPool(c, "pool", pool, pools);
            String target = c.requireString("path", "write the upstream path, e.g. path: /users/{id}");
            if (!target.startsWith("/")) {
                throw c.errorAt("path", "path '" + target + "' does not start with /", "write e.g. /users/{id}");
            }
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\{([^}]*)}").matcher(target);
            while (m.find()) {
                if (!routeVars.contains(m.group(1))) {
                    throw c.errorAt("path", "{" + m.group(1) + "} is not a variable of the route's path",
                            routeVars.isEmpty() ? "match with path: /x/{id} to capture variables" : "use one of " + routeVars);
                }
            }
            for (int i = 0; i < target.length(); i++) {
                char ch = target.charAt(i);
                if (ch <= ' ' || ch >= 0x7f) {
                    throw c.errorAt("path", "the path has a space, control or non-ASCII character", "percent-encode it");
                }
            }
            java.time.Duration timeout = positive(c, "timeout", java.time.Duration.ofSeconds(2));
            if (timeout.compareTo(java.time.Duration.ofMinutes(1)) > 0) {
                throw c.errorAt("timeout", "a call timeout above 1m holds the client too long", "write e.g. 500ms");
            }
            RouteConfig.OnCallFailure failure = c.enumValue("on-failure", RouteConfig.OnCallFailure.class, RouteConfig.OnCallFailure.FAIL);
            String def = c.string("default", null);
            if (failure == RouteConfig.OnCallFailure.DEFAULT) {
                if (def == null) {
                    throw c.errorAt("on-failure", "on-failure: default needs a default", "write default: '{\"items\": []}' (JSON)");
                }
                try {
                    io.headroom.router.aggregate.Json.parse(def);
                } catch (IllegalArgumentException e) {
                    throw c.errorAt("default", "default is not JSON: " + e.getMessage(), "write JSON, e.g. '{\"items\": []}' or '[]' or 'null'");
                }
            } else if (def != null) {
                throw c.errorAt("default", "default applies only with on-failure: default", "remove it, or write on-failure: default");
            }
            calls.add(new RouteConfig.AggregateCall(name, pool, target, timeout, failure, def));
        }
        if (calls.isEmpty()) {
            throw a.errorAt("calls", "an aggregation needs calls", "write calls: [{name: profile, pool: users, path: /users/{id}}]");
        }
        if (!a.has("template")) {
            throw a.error("an aggregation needs a template", "write template: {user: $profile, orders: $orders.items}");
        }
        Object template = templateValue(a, "template", names);
        return new RouteConfig.Aggregate(calls, template, RouterConfig.bytes(a, "max-body", 1L << 20, 1, 1L << 30));
    }

    /** The value at {@code key} when it is a scalar; null when it is absent, a mapping or a list. */
    private static String scalarOrNull(ConfigNode parent, String key) {
        try {
            return parent.string(key, null);
        } catch (ConfigException notScalar) {
            return null;
        }
    }

    /** A template value: a mapping, a list or a string; {@code $call...} strings must name a call. */
    private static Object templateValue(ConfigNode parent, String key, Set<String> calls) {
        String scalar = scalarOrNull(parent, key);
        if (scalar != null) {
            return reference(parent, key, scalar, calls);
        }
        ConfigNode m;
        try {
            m = parent.child(key);
        } catch (ConfigException notMapping) {
            m = null;
        }
        if (m != null) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (String k : m.keys()) {
                out.put(k, templateValue(m, k, calls));
            }
            return out;
        }
        List<Object> out = new ArrayList<>();
        for (ConfigNode item : parent.list(key)) {
            out.add(templateItem(item, calls));
        }
        return out;
    }

    private static Object templateItem(ConfigNode item, Set<String> calls) {
        String v;
        try {
            v = item.scalarValue();
        } catch (ConfigException notScalar) {
            v = null;
        }
        if (v != null) {
            if (v.startsWith("$") && !v.startsWith("$$") && !calls.contains(v.substring(1).split("\\.", 2)[0])) {
                throw item.error("'" + v + "' names no call", "use one of " + calls);
            }
            return v;
        }
        Map<String, Object> out = new LinkedHashMap<>();
        for (String k : item.keys()) {
            out.put(k, templateValue(item, k, calls));
        }
        return out;
    }

    private static String reference(ConfigNode parent, String key, String v, Set<String> calls) {
        if (v.startsWith("$") && !v.startsWith("$$")) {
            String[] parts = v.substring(1).split("\\.", -1);
            if (!calls.contains(parts[0])) {
                throw parent.errorAt(key, "'" + v + "' names no call", "use one of " + calls + " ($call or $call.field)");
            }
            for (String p : parts) {
                if (p.isEmpty()) {
                    throw parent.errorAt(key, "'" + v + "' has an empty field name", "write e.g. $orders.items");
                }
            }
        }
        return v;
    }

    /**
     * Headers the proxy itself owns (framing, hop-by-hop, forwarding, tracing): a transformation may not touch them, since
     * the result would be a request or response the proxy cannot frame, or forwarding information a client could forge.
     */
    static final Set<String> RESERVED_HEADERS = Set.of("host", "content-length", "transfer-encoding", "connection", "keep-alive",
            "te", "trailer", "upgrade", "expect", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "forwarded",
            "traceparent", "tracestate");

    /** {@code transform.request:} or {@code transform.response:}. */
    private static RouteConfig.HeaderOps headerOps(ConfigNode t, String key, AuthConfig auth) {
        if (!t.has(key)) {
            return RouteConfig.HeaderOps.NONE;
        }
        ConfigNode o = t.child(key).requireOnly("set", "remove", "rename");
        Set<String> seen = new HashSet<>();
        Map<String, String> set = new LinkedHashMap<>();
        ConfigNode s = o.child("set");
        for (String name : s.keys()) {
            transformable(s, name, name, key, auth);
            String v = s.string(name, "");
            for (int i = 0; i < v.length(); i++) {
                char c = v.charAt(i);
                if ((c < 0x20 && c != '\t') || c > 0x7e) {
                    throw s.errorAt(name, "the value of " + name + " has a control or non-ASCII character",
                            "write printable ASCII only (percent-encode anything else)");
                }
            }
            claim(s, name, name, seen);
            set.put(name, v.strip());
        }
        List<String> remove = new ArrayList<>();
        for (ConfigNode item : o.list("remove")) {
            String name = item.scalarValue().strip();
            if (!name.matches(TOKEN) || RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
                throw item.error("cannot remove '" + name + "'", RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))
                        ? "the proxy manages " + name + " itself" : "write a header name, e.g. X-Debug");
            }
            if (!seen.add(name.toLowerCase(Locale.ROOT))) {
                throw item.error(name + " is named twice in " + key, "name each header once per direction");
            }
            remove.add(name);
        }
        Map<String, String> rename = new LinkedHashMap<>();
        ConfigNode r = o.child("rename");
        for (String from : r.keys()) {
            String to = r.requireString(from, "write " + from + ": NEW-NAME");
            transformable(r, from, from, key, auth);
            transformable(r, from, to, key, auth);
            claim(r, from, from, seen);
            claim(r, from, to, seen);
            rename.put(from, to.strip());
        }
        return new RouteConfig.HeaderOps(set, remove, rename);
    }

    private static void transformable(ConfigNode n, String key, String name, String direction, AuthConfig auth) {
        String lower = name.strip().toLowerCase(Locale.ROOT);
        if (!name.strip().matches(TOKEN)) {
            throw n.errorAt(key, "'" + name + "' is not a valid header name", "write e.g. X-Gateway");
        }
        if (RESERVED_HEADERS.contains(lower)) {
            throw n.errorAt(key, "a transformation cannot change " + name, "the proxy manages " + name + " itself");
        }
        if (direction.equals("request")) {
            for (String id : auth.identityHeaders().names()) {
                if (id.equalsIgnoreCase(lower)) {
                    throw n.errorAt(key, name + " is an identity header (router.auth.identity-headers)",
                            "the router sets it from the authenticated consumer; use another name");
                }
            }
        }
    }

    private static void claim(ConfigNode n, String key, String name, Set<String> seen) {
        if (!seen.add(name.strip().toLowerCase(Locale.ROOT))) {
            throw n.errorAt(key, name + " is named twice in this transformation", "name each header once per direction");
        }
    }

    private static void knownPool(ConfigNode n, String key, String pool, Set<String> pools) {
        if (!pools.contains(pool)) {
            throw n.errorAt(key, "unknown pool '" + pool + "'", "use one of " + pools + " or define it under router.pools");
        }
    }

    /** Variables of a path template, checking its shape. */
    static List<String> templateVariables(ConfigNode rn, String path) {
        if (!path.startsWith("/")) {
            throw rn.errorAt("path", "path '" + path + "' does not start with /", "write e.g. /users/{id}");
        }
        List<String> vars = new ArrayList<>();
        for (String seg : path.substring(1).split("/", -1)) {
            boolean open = seg.indexOf('{') >= 0 || seg.indexOf('}') >= 0;
            if (!open) {
                continue;
            }
            if (!seg.matches("\\{[A-Za-z_][A-Za-z0-9_-]*}")) {
                throw rn.errorAt("path", "segment '" + seg + "' of '" + path + "' is not a whole {variable}",
                        "a variable takes a whole segment: /users/{id}/orders/{order}");
            }
            String v = seg.substring(1, seg.length() - 1);
            if (vars.contains(v)) {
                throw rn.errorAt("path", "variable {" + v + "} appears twice in '" + path + "'", "give each variable its own name");
            }
            vars.add(v);
        }
        return vars;
    }

    private static Map<String, String> pairs(ConfigNode rn, String key, boolean headerNames) {
        Map<String, String> out = new LinkedHashMap<>();
        if (!rn.has(key)) {
            return out;
        }
        ConfigNode h = rn.child(key);
        for (String k : h.keys()) {
            if (headerNames && !k.matches(TOKEN)) {
                throw h.errorAt(k, "'" + k + "' is not a valid header name", "write e.g. X-Tenant: acme");
            }
            out.put(k, h.string(k, ""));
        }
        return out;
    }

    private static RouteConfig.Version version(ConfigNode rn) {
        if (!rn.has("version")) {
            return null;
        }
        ConfigNode v = rn.child("version").requireOnly("path", "strip", "header", "value", "media-type");
        int n = (v.has("path") ? 1 : 0) + (v.has("header") ? 1 : 0) + (v.has("media-type") ? 1 : 0);
        if (n != 1) {
            throw v.error("version needs exactly one of path, header or media-type",
                    "write {path: /v2}, {header: Api-Version, value: \"2\"} or {media-type: application/vnd.acme.v2+json}");
        }
        if (v.has("path")) {
            String p = v.string("path", "");
            if (!p.startsWith("/")) {
                p = "/" + p;
            }
            if (p.length() < 2 || p.endsWith("/") || p.indexOf('{') >= 0) {
                throw v.errorAt("path", "version path '" + p + "' is not a literal prefix", "write e.g. /v2");
            }
            if (v.has("header") || v.has("value")) {
                throw v.errorAt("value", "value belongs to a header version", "remove it");
            }
            return new RouteConfig.Version(RouteConfig.VersionKind.PATH, p, null, v.bool("strip", true));
        }
        if (v.has("strip")) {
            throw v.errorAt("strip", "strip applies only to a version path", "remove it");
        }
        if (v.has("header")) {
            String h = v.string("header", "");
            if (!h.matches(TOKEN)) {
                throw v.errorAt("header", "'" + h + "' is not a valid header name", "write e.g. Api-Version");
            }
            String value = v.requireString("value", "write {header: " + h + ", value: \"2\"}");
            return new RouteConfig.Version(RouteConfig.VersionKind.HEADER, value, h, false);
        }
        String mt = v.string("media-type", "");
        if (MediaTypes.parse(mt) == null) {
            throw v.errorAt("media-type", "'" + mt + "' is not a media type",
                    "write e.g. application/vnd.acme.v2+json or 'application/json; version=2'");
        }
        return new RouteConfig.Version(RouteConfig.VersionKind.MEDIA_TYPE, mt, null, false);
    }

    private static RouteConfig.Rewrite rewrite(ConfigNode rn, String path, List<String> vars) {
        if (!rn.has("rewrite")) {
            return null;
        }
        ConfigNode w = rn.child("rewrite").requireOnly("strip-prefix", "prefix", "path");
        int n = (w.has("strip-prefix") ? 1 : 0) + (w.has("prefix") ? 1 : 0) + (w.has("path") ? 1 : 0);
        if (n != 1) {
            throw w.error("rewrite needs exactly one of strip-prefix, prefix or path",
                    "write {strip-prefix: true}, {prefix: /internal} or {path: /internal/users/{id}}");
        }
        if (w.has("path")) {
            String t = w.string("path", "");
            List<String> used = templateVariables(w, t);
            for (String u : used) {
                if (!vars.contains(u)) {
                    throw w.errorAt("path", "{" + u + "} is not a variable of the route's path"
                            + (path == null ? " (the route has no path template)" : " '" + path + "'"),
                            vars.isEmpty() ? "match with path: /users/{id} to capture variables" : "use one of " + vars);
                }
            }
            return new RouteConfig.Rewrite(RouteConfig.RewriteKind.PATH, t);
        }
        if (path != null) {
            throw w.error("strip-prefix and prefix rewrite a path-prefix route; this route matches path '" + path + "'",
                    "use rewrite: {path: /new/{var}} or match with path-prefix:");
        }
        if (w.has("prefix")) {
            String p = w.string("prefix", "");
            if (!p.startsWith("/")) {
                throw w.errorAt("prefix", "prefix '" + p + "' does not start with /", "write e.g. /internal");
            }
            return new RouteConfig.Rewrite(RouteConfig.RewriteKind.PREFIX, p);
        }
        if (!w.bool("strip-prefix", true)) {
            throw w.errorAt("strip-prefix", "strip-prefix: false does nothing", "remove the rewrite");
        }
        return new RouteConfig.Rewrite(RouteConfig.RewriteKind.STRIP_PREFIX, null);
    }

    private static RouteConfig.Auth routeAuth(ConfigNode rn, AuthConfig auth, boolean clientCertificates) {
        if (!rn.has("auth")) {
            return null;
        }
        ConfigNode a = rn.child("auth").requireOnly("methods", "scopes");
        List<RouteConfig.AuthMethod> methods = new ArrayList<>();
        List<ConfigNode> items = a.list("methods");
        for (ConfigNode m : items) {
            String t = m.scalarValue().strip().toLowerCase(Locale.ROOT);
            RouteConfig.AuthMethod am = switch (t) {
                case "api-key" -> RouteConfig.AuthMethod.API_KEY;
                case "jwt" -> RouteConfig.AuthMethod.JWT;
                case "introspection" -> RouteConfig.AuthMethod.INTROSPECTION;
                case "client-certificate" -> RouteConfig.AuthMethod.CLIENT_CERTIFICATE;
                default -> throw m.error("unknown auth method '" + t + "'", "use api-key, jwt, introspection or client-certificate");
            };
            if (am == RouteConfig.AuthMethod.CLIENT_CERTIFICATE && !clientCertificates) {
                throw m.error("the route accepts client-certificate but router.tls does not ask clients for certificates",
                        "add client-auth: required (or optional) and client-ca: /path/to/clients-ca.pem to router.tls");
            }
            if (am == RouteConfig.AuthMethod.API_KEY && auth.apiKeys() == null) {
                throw m.error("the route accepts api-key but router.auth.api-keys is not configured",
                        "add router.auth.api-keys: {keys: [...]} or {file: keys.txt}");
            }
            if (am == RouteConfig.AuthMethod.JWT && auth.issuers().isEmpty()) {
                throw m.error("the route accepts jwt but router.auth.jwt lists no issuer",
                        "add router.auth.jwt: [{issuer: ..., jwks-url: ..., algorithms: [RS256]}]");
            }
            if (am == RouteConfig.AuthMethod.INTROSPECTION && auth.introspection() == null) {
                throw m.error("the route accepts introspection but router.auth.introspection is not configured",
                        "add router.auth.introspection: {url: ..., client-id: ..., client-secret-env: NAME}");
            }
            if (!methods.contains(am)) {
                methods.add(am);
            }
        }
        if (methods.isEmpty()) {
            throw a.errorAt("methods", "auth needs at least one method", "write methods: [api-key], [jwt], [introspection] or [api-key, jwt]");
        }
        return new RouteConfig.Auth(methods, a.stringList("scopes"));
    }

    /** {@code router.auth:}. */
    static AuthConfig auth(ConfigNode r) {
        if (!r.has("auth")) {
            return AuthConfig.NONE;
        }
        ConfigNode a = r.child("auth").requireOnly("realm", "api-keys", "jwt", "introspection", "identity-headers");
        String realm = a.string("realm", "headroom");
        if (realm.indexOf('"') >= 0 || realm.indexOf('\\') >= 0) {
            throw a.errorAt("realm", "the realm may not contain quotes or backslashes", "write e.g. headroom");
        }
        AuthConfig.ApiKeys keys = null;
        if (a.has("api-keys")) {
            ConfigNode k = a.child("api-keys").requireOnly("header", "keys", "file", "reload-interval");
            String header = k.string("header", "X-Api-Key");
            if (!header.matches(TOKEN)) {
                throw k.errorAt("header", "'" + header + "' is not a valid header name", "write e.g. X-Api-Key");
            }
            List<AuthConfig.Key> list = new ArrayList<>();
            Set<String> hashes = new HashSet<>();
            for (ConfigNode e : k.list("keys")) {
                if (e.has("key")) {
                    throw e.errorAt("key", "a plain API key in the config file is refused",
                            "store its hash: sha256: <printf %s KEY | sha256sum>");
                }
                e.requireOnly("consumer", "sha256", "scopes");
                String consumer = e.requireString("consumer", "write {consumer: mobile-app, sha256: <64 hex digits>}");
                String hex = e.requireString("sha256", "write the key's SHA-256: printf %s KEY | sha256sum").strip().toLowerCase(Locale.ROOT);
                if (!hex.matches("[0-9a-f]{64}")) {
                    throw e.errorAt("sha256", "expected 64 hex digits (a SHA-256), found " + hex.length() + " characters",
                            "write the output of: printf %s KEY | sha256sum");
                }
                if (!hashes.add(hex)) {
                    throw e.errorAt("sha256", "this key hash is listed twice", "list each key once");
                }
                list.add(new AuthConfig.Key(consumer, hex, e.stringList("scopes")));
            }
            String file = k.string("file", null);
            if (list.isEmpty() && file == null) {
                throw k.error("api-keys has neither keys nor a file", "add keys: [{consumer: NAME, sha256: HEX}] or file: keys.txt");
            }
            Duration reload = k.duration("reload-interval", Duration.ofSeconds(5));
            if (reload.isZero() || reload.isNegative()) {
                throw k.errorAt("reload-interval", "reload-interval must be greater than zero", "write e.g. 5s");
            }
            keys = new AuthConfig.ApiKeys(header, list, file == null ? null : Path.of(file), reload);
        }
        List<AuthConfig.JwtIssuer> issuers = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (ConfigNode j : a.list("jwt")) {
            j.requireOnly("issuer", "jwks-url", "algorithms", "audiences", "consumer-claim", "scope-claim", "clock-skew",
                    "refresh-interval", "min-refresh-interval", "fetch-timeout");
            String iss = j.requireString("issuer", "write the exact iss value, e.g. issuer: https://id.example.com");
            if (!names.add(iss)) {
                throw j.errorAt("issuer", "issuer '" + iss + "' is listed twice", "list each issuer once");
            }
            String url = j.requireString("jwks-url", "write the issuer's key set URL, e.g. jwks-url: https://id.example.com/.well-known/jwks.json");
            URI uri;
            try {
                uri = URI.create(url);
            } catch (IllegalArgumentException e) {
                throw j.errorAt("jwks-url", "bad URL: " + e.getMessage(), "write e.g. https://id.example.com/jwks.json");
            }
            if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
                throw j.errorAt("jwks-url", "jwks-url must be http or https", "write e.g. https://id.example.com/jwks.json");
            }
            List<String> algs = new ArrayList<>();
            for (String alg : j.stringList("algorithms")) {
                if (!ALGORITHMS.contains(alg)) {
                    String why = alg.toUpperCase(Locale.ROOT).startsWith("HS") || alg.equalsIgnoreCase("none")
                            ? "'" + alg + "' is refused: only asymmetric signatures are accepted"
                            : "unknown algorithm '" + alg + "'";
                    throw j.errorAt("algorithms", why, "use RS256, PS256, ES256, EdDSA (or their 384/512 forms)");
                }
                algs.add(alg.equals("Ed25519") ? "EdDSA" : alg);
            }
            if (algs.isEmpty()) {
                throw j.errorAt("algorithms", "the issuer's algorithms must be pinned", "write e.g. algorithms: [RS256]");
            }
            issuers.add(new AuthConfig.JwtIssuer(iss, uri, algs, j.stringList("audiences"), j.string("consumer-claim", "sub"),
                    j.string("scope-claim", "scope"), nonNegative(j, "clock-skew", Duration.ofSeconds(30)),
                    positive(j, "refresh-interval", Duration.ofMinutes(10)), nonNegative(j, "min-refresh-interval", Duration.ofSeconds(30)),
                    positive(j, "fetch-timeout", Duration.ofSeconds(2))));
        }
        return new AuthConfig(realm, keys, issuers, introspection(a), identityHeaders(a));
    }

    /** {@code router.auth.identity-headers: {consumer: X-Consumer-Id, scopes: X-Consumer-Scopes, method: X-Auth-Method}}. */
    private static AuthConfig.IdentityHeaders identityHeaders(ConfigNode a) {
        if (!a.has("identity-headers")) {
            return AuthConfig.IdentityHeaders.NONE;
        }
        ConfigNode h = a.child("identity-headers").requireOnly("consumer", "scopes", "method");
        Set<String> seen = new HashSet<>();
        String[] names = new String[3];
        String[] keys = {"consumer", "scopes", "method"};
        for (int i = 0; i < 3; i++) {
            String n = h.string(keys[i], null);
            if (n == null) {
                continue;
            }
            n = n.strip();
            if (!n.matches(TOKEN)) {
                throw h.errorAt(keys[i], "'" + n + "' is not a valid header name", "write e.g. X-Consumer-Id");
            }
            String lower = n.toLowerCase(Locale.ROOT);
            if (RESERVED_HEADERS.contains(lower) || lower.equals("authorization")) {
                throw h.errorAt(keys[i], n + " cannot carry the identity", "use a header of your own, e.g. X-Consumer-Id");
            }
            if (!seen.add(lower)) {
                throw h.errorAt(keys[i], n + " is used twice", "give consumer, scopes and method their own headers");
            }
            names[i] = n;
        }
        if (seen.isEmpty()) {
            throw h.error("identity-headers names no header", "write e.g. {consumer: X-Consumer-Id, scopes: X-Consumer-Scopes}");
        }
        return new AuthConfig.IdentityHeaders(names[0], names[1], names[2]);
    }

    /** {@code router.auth.introspection:} (RFC 7662); the client secret comes from an environment variable or a file. */
    private static AuthConfig.Introspection introspection(ConfigNode a) {
        if (!a.has("introspection")) {
            return null;
        }
        ConfigNode n = a.child("introspection").requireOnly("url", "client-id", "client-secret", "client-secret-env", "client-secret-file",
                "issuer", "audiences", "consumer-claim", "scope-claim", "clock-skew", "timeout", "cache-size", "cache-ttl",
                "negative-ttl", "max-in-flight", "on-failure");
        String url = n.requireString("url", "write the endpoint, e.g. url: https://id.example.com/oauth2/introspect");
        URI uri;
        try {
            uri = URI.create(url.strip());
        } catch (IllegalArgumentException e) {
            throw n.errorAt("url", "bad URL: " + e.getMessage(), "write e.g. https://id.example.com/oauth2/introspect");
        }
        if ((!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) || uri.getHost() == null) {
            throw n.errorAt("url", "the introspection url must be an http or https URL with a host",
                    "write e.g. https://id.example.com/oauth2/introspect");
        }
        if (n.has("client-secret")) {
            throw n.errorAt("client-secret", "a client secret written in the config file is refused",
                    "put it in an environment variable (client-secret-env: NAME) or a file readable only by the router (client-secret-file: PATH)");
        }
        String clientId = n.requireString("client-id", "write the gateway's client id at the authorization server, e.g. client-id: headroom");
        if (n.has("client-secret-env") == n.has("client-secret-file")) {
            throw n.error("introspection needs exactly one of client-secret-env and client-secret-file",
                    "write client-secret-env: HEADROOM_INTROSPECTION_SECRET or client-secret-file: /etc/headroom/introspection-secret");
        }
        AuthConfig.SecretSource secret;
        if (n.has("client-secret-env")) {
            String env = n.string("client-secret-env", "").strip();
            if (!env.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw n.errorAt("client-secret-env", "'" + env + "' is not an environment variable name", "write e.g. HEADROOM_INTROSPECTION_SECRET");
            }
            secret = new AuthConfig.SecretSource(AuthConfig.SecretKind.ENV, env, location(n, "client-secret-env"));
        } else {
            String file = n.string("client-secret-file", "").strip();
            if (file.isEmpty()) {
                throw n.errorAt("client-secret-file", "empty client-secret-file", "write the path of a file holding the secret");
            }
            secret = new AuthConfig.SecretSource(AuthConfig.SecretKind.FILE, file, location(n, "client-secret-file"));
        }
        String onFailure = n.string("on-failure", "503").strip();
        AuthConfig.OnFailure failure = switch (onFailure) {
            case "503" -> AuthConfig.OnFailure.UNAVAILABLE_503;
            case "401" -> AuthConfig.OnFailure.UNAUTHORIZED_401;
            default -> throw n.errorAt("on-failure", "on-failure must be 503 or 401, not '" + onFailure + "'",
                    "write 503 (the endpoint is down: try again later) or 401 (treat the token as invalid)");
        };
        Duration timeout = positive(n, "timeout", Duration.ofSeconds(2));
        if (timeout.compareTo(Duration.ofMinutes(1)) > 0) {
            throw n.errorAt("timeout", "an introspection timeout above 1m holds requests too long", "write e.g. 2s");
        }
        return new AuthConfig.Introspection(uri, clientId, secret, n.string("issuer", null), n.stringList("audiences"),
                n.string("consumer-claim", "sub"), n.string("scope-claim", "scope"), nonNegative(n, "clock-skew", Duration.ofSeconds(30)),
                timeout, n.integer("cache-size", 10_000, 0, 10_000_000), nonNegative(n, "cache-ttl", Duration.ofMinutes(5)),
                nonNegative(n, "negative-ttl", Duration.ofSeconds(10)), n.integer("max-in-flight", 64, 1, 100_000), failure);
    }

    /** {@code file:line:col} of the value of {@code key}. */
    private static String location(ConfigNode n, String key) {
        return n.errorAt(key, "", "").location();
    }

    /** {@code router.rate-limits:}. */
    static RateLimitConfig rateLimits(ConfigNode r) {
        if (!r.has("rate-limits")) {
            return RateLimitConfig.NONE;
        }
        ConfigNode l = r.child("rate-limits").requireOnly("consumer", "consumers", "quotas", "telemetry-top-k");
        Map<String, RouteConfig.Rate> per = new LinkedHashMap<>();
        ConfigNode c = l.child("consumers");
        for (String k : c.keys()) {
            per.put(k, rate(c, k));
        }
        int topK = l.integer("telemetry-top-k", RateLimitConfig.DEFAULT_TELEMETRY_TOP_K, 1, RateLimitConfig.MAX_TELEMETRY_TOP_K);
        return new RateLimitConfig(rate(l, "consumer"), per, quotas(l), topK);
    }

    /** {@code rate-limits.quotas:}: the time zone and the per-consumer quotas. */
    private static RateLimitConfig.Quotas quotas(ConfigNode l) {
        if (!l.has("quotas")) {
            return RateLimitConfig.Quotas.NONE;
        }
        ConfigNode q = l.child("quotas").requireOnly("time-zone", "consumer", "consumers");
        java.time.ZoneId zone = java.time.ZoneOffset.UTC;
        if (q.has("time-zone")) {
            String z = q.string("time-zone", "UTC").strip();
            try {
                zone = java.time.ZoneId.of(z);
            } catch (java.time.DateTimeException e) {
                throw q.errorAt("time-zone", "'" + z + "' is not a time zone", "write an IANA zone such as Europe/Berlin, America/New_York or UTC");
            }
        }
        Map<String, Map<QuotaPeriod, Long>> per = new LinkedHashMap<>();
        ConfigNode c = q.child("consumers");
        for (String k : c.keys()) {
            Map<QuotaPeriod, Long> m = quotaPeriods(c, k);
            if (m.isEmpty()) {
                throw c.errorAt(k, "no quota for consumer '" + k + "'", "write e.g. " + k + ": {month: 1000000}");
            }
            per.put(k, m);
        }
        return new RateLimitConfig.Quotas(zone, quotaPeriods(q, "consumer"), per);
    }

    /** {@code {minute: N, hour: N, day: N, month: N}} (any of them). */
    static Map<QuotaPeriod, Long> quotaPeriods(ConfigNode parent, String key) {
        if (!parent.has(key)) {
            return Map.of();
        }
        ConfigNode m = parent.child(key).requireOnly("minute", "hour", "day", "month");
        Map<QuotaPeriod, Long> out = new java.util.EnumMap<>(QuotaPeriod.class);
        for (String k : m.keys()) {
            out.put(QuotaPeriod.of(k), m.longValue(k, 1, 1, QuotaPeriod.MAX_LIMIT));
        }
        return out;
    }

    /** A rate: {@code 100/s} or {@code {rate: 6000/m, burst: 50}}; burst defaults to one second's worth (at least 1). */
    static RouteConfig.Rate rate(ConfigNode parent, String key) {
        if (!parent.has(key)) {
            return null;
        }
        String text;
        long burst = -1;
        ConfigNode at = parent;
        String rateKey = key;
        String scalar = scalarOrNull(parent, key);
        if (scalar != null) {
            text = scalar;
        } else {
            at = parent.child(key).requireOnly("rate", "burst");
            rateKey = "rate";
            text = at.requireString("rate", "write rate: 100/s (or /m, /h, /d)");
            burst = at.longValue("burst", -1, 1, 1_000_000_000L);
        }
        double perSecond = perSecond(text);
        if (perSecond <= 0) {
            throw at.errorAt(rateKey, "'" + text + "' is not a rate", "write e.g. 100/s, 6000/m, 10000/h or 50000/d");
        }
        if (burst < 0) {
            burst = Math.max(1, (long) Math.ceil(perSecond));
        }
        return new RouteConfig.Rate(perSecond, burst, text.strip());
    }

    private static double perSecond(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        if (slash <= 0) {
            return -1;
        }
        double n;
        try {
            n = Double.parseDouble(t.substring(0, slash).strip().replace("_", ""));
        } catch (NumberFormatException e) {
            return -1;
        }
        double seconds = switch (t.substring(slash + 1).strip()) {
            case "s" -> 1;
            case "m" -> 60;
            case "h" -> 3600;
            case "d" -> 86400;
            default -> -1;
        };
        return seconds < 0 || !(n > 0) || Double.isInfinite(n) ? -1 : n / seconds;
    }

    private static Duration positive(ConfigNode p, String key, Duration def) {
        Duration d = p.duration(key, def);
        if (d.isZero() || d.isNegative()) {
            throw p.errorAt(key, key + " must be greater than zero", "write e.g. " + def.toMillis() + "ms");
        }
        return d;
    }

    private static Duration nonNegative(ConfigNode p, String key, Duration def) {
        Duration d = p.duration(key, def);
        if (d.isNegative()) {
            throw p.errorAt(key, key + " must not be negative", "write e.g. " + def.toMillis() + "ms");
        }
        return d;
    }
}
