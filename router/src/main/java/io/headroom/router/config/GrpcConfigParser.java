package io.headroom.router.config;

import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.router.grpc.DescriptorSet;
import io.headroom.router.grpc.GrpcRouteSpec;
import io.headroom.router.grpc.HttpBinding;
import io.headroom.router.grpc.PathTemplate;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads a route's {@code grpc:} block (docs/grpc.md) and checks it against its descriptor set at start: the file, every
 * method named, every template, and every field a path variable, body, response body or query parameter names. An
 * error says where (file:line) and what to write instead.
 */
final class GrpcConfigParser {
    private GrpcConfigParser() {
    }

    static GrpcRouteSpec grpc(ConfigNode g) {
        g.requireOnly("descriptor-set", "reflection", "passthrough", "mappings", "services", "tls", "max-message-size",
                "preserve-proto-field-names", "ignore-unknown-query", "deadline-offset", "web");
        boolean passthrough = g.bool("passthrough", false);
        GrpcRouteSpec.Web web = web(g);
        String file = g.string("descriptor-set", null);
        java.time.Duration reflectionTimeout = reflection(g);
        if (file != null && reflectionTimeout != null) {
            throw g.errorAt("reflection", "descriptor-set and reflection both say where the descriptors come from",
                    "keep one: descriptor-set: FILE, or reflection: true to fetch them from the pool's members");
        }
        if (file == null && reflectionTimeout == null && !passthrough && web == null) {
            throw g.error("a grpc block needs a descriptor-set or reflection (JSON to gRPC translation), passthrough: true or web: true",
                    "write descriptor-set: service.pb, reflection: true (the members serve grpc.reflection.v1.ServerReflection), "
                            + "passthrough: true to forward native gRPC calls as they are, or web: true for gRPC-Web clients (browsers)");
        }
        if (g.has("mappings")) {
            if (file == null && reflectionTimeout == null) {
                throw g.errorAt("mappings", "mappings need the descriptors of their methods",
                        "add descriptor-set: service.pb, or reflection: true");
            }
            if (g.has("services")) {
                throw g.errorAt("services", "services selects annotated methods, and this block maps methods explicitly",
                        "remove services, or remove mappings to use the google.api.http annotations");
            }
            if (g.list("mappings").isEmpty()) {
                throw g.errorAt("mappings", "mappings is empty", "write mappings: [{method: GET, path: /v1/books/{id}, rpc: pkg.Library/GetBook}]");
            }
        }
        boolean tls = false;
        Path ca = null;
        String authority = null;
        if (g.has("tls")) {
            String scalar = scalarOrNull(g, "tls");
            if (scalar != null) {
                tls = g.bool("tls", false);
            } else {
                ConfigNode t = g.child("tls").requireOnly("ca", "authority");
                tls = true;
                String caFile = t.string("ca", null);
                if (caFile != null) {
                    ca = Path.of(caFile.strip());
                    if (!Files.isRegularFile(ca)) {
                        throw t.errorAt("ca", "CA file " + ca + " not found", "name the PEM file of the CA that signs the members' certificates");
                    }
                }
                authority = t.string("authority", null);
            }
        }
        int max = (int) RouterConfig.bytes(g, "max-message-size", GrpcRouteSpec.ChannelSettings.DEFAULT_MAX_MESSAGE, 1, 1L << 30);
        GrpcRouteSpec.ChannelSettings channel = new GrpcRouteSpec.ChannelSettings(tls, ca, authority, max);
        boolean preserve = g.bool("preserve-proto-field-names", false);
        boolean ignoreUnknown = g.bool("ignore-unknown-query", false);
        java.time.Duration offset = deadlineOffset(g);
        if (reflectionTimeout != null) {
            // the descriptors come when the router builds the route: check now all that does not need them
            List<String> services = new ArrayList<>();
            StringBuilder signature = new StringBuilder();
            for (ConfigNode m : g.list("mappings")) {
                String service = mappingShape(m);
                if (!services.contains(service)) {
                    services.add(service);
                }
                signature.append(m.string("method", "")).append(' ').append(m.string("path", "")).append(' ').append(m.string("rpc", ""))
                        .append(" body=").append(m.string("body", null)).append(" response-body=").append(m.string("response-body", null));
                if (m.has("query")) {
                    ConfigNode q = m.child("query");
                    for (String k : q.keys()) {
                        signature.append(' ').append(k).append('=').append(q.string(k, ""));
                    }
                }
                signature.append('\n');
            }
            if (!g.has("mappings")) {
                for (String n : g.stringList("services")) {
                    services.add(n.strip());
                }
                signature.append("services=").append(services);
            }
            GrpcRouteSpec.Binder binder = new GrpcRouteSpec.Binder() {
                @Override
                public List<HttpBinding> bind(DescriptorSet descriptors) {
                    return bindings(g, descriptors);
                }

                @Override
                public ConfigException error(String problem, String fix) {
                    return g.errorAt("reflection", problem, fix);
                }
            };
            return new GrpcRouteSpec(null, List.of(), passthrough, channel, preserve, ignoreUnknown, offset,
                    new GrpcRouteSpec.Reflection(services, reflectionTimeout, signature.toString(), binder), web);
        }
        DescriptorSet ds = null;
        if (file != null) {
            try {
                ds = DescriptorSet.load(Path.of(file.strip()));
            } catch (IllegalArgumentException e) {
                throw g.errorAt("descriptor-set", e.getMessage(), "write the set with: protoc --include_imports --descriptor_set_out="
                        + file.strip() + " -I. your_service.proto (a path relative to the router's working directory)");
            }
        }
        List<HttpBinding> bindings = ds == null ? List.of() : bindings(g, ds);
        return new GrpcRouteSpec(ds, bindings, passthrough, channel, preserve, ignoreUnknown, offset, null, web);
    }

    /** {@code reflection: true | false | {timeout: 5s}}: the fetch's deadline, or null when the block does not use reflection. */
    private static java.time.Duration reflection(ConfigNode g) {
        if (!g.has("reflection")) {
            return null;
        }
        if (scalarOrNull(g, "reflection") != null) {
            return g.bool("reflection", false) ? GrpcRouteSpec.DEFAULT_REFLECTION_TIMEOUT : null;
        }
        ConfigNode r = g.child("reflection").requireOnly("timeout");
        java.time.Duration d = r.duration("timeout", GrpcRouteSpec.DEFAULT_REFLECTION_TIMEOUT);
        if (d.toMillis() < 1 || d.compareTo(java.time.Duration.ofMinutes(5)) > 0) {
            throw r.errorAt("timeout", "reflection timeout " + d.toMillis() + " ms is outside 1ms..5m", "write e.g. timeout: 5s");
        }
        return d;
    }

    /** The block's bindings against {@code ds}: its mappings, or the annotations of its (selected) services; no duplicates. */
    private static List<HttpBinding> bindings(ConfigNode g, DescriptorSet ds) {
        List<HttpBinding> bindings = new ArrayList<>();
        if (g.has("mappings")) {
            for (ConfigNode m : g.list("mappings")) {
                bindings.add(mapping(m, ds));
            }
        } else {
            bindings.addAll(annotated(g, ds));
        }
        Set<String> seen = new HashSet<>();
        for (HttpBinding b : bindings) {
            String key = b.httpMethod() + " " + b.template().toString().replaceAll("\\{([^}=]*)}", "*").replaceAll("\\{[^}]*=([^}]*)}", "$1");
            if (!seen.add(key)) {
                throw g.error("two bindings take " + b.httpMethod() + " " + b.template() + " (the second: " + b.method().getFullName() + ")",
                        "give each method its own HTTP method and path");
            }
        }
        return bindings;
    }

    /** Checks what a mapping says without descriptors (keys, method, template, rpc form); its rpc's service. */
    private static String mappingShape(ConfigNode m) {
        m.requireOnly("method", "path", "rpc", "body", "response-body", "query");
        String verb = m.requireString("method", "write method: GET (or POST, PUT, PATCH, DELETE)").strip().toUpperCase(Locale.ROOT);
        if (!verb.matches("[!#$%&'*+.^_`|~0-9A-Z-]+")) {
            throw m.errorAt("method", "'" + verb + "' is not an HTTP method", "write e.g. GET");
        }
        String path = m.requireString("path", "write path: /v1/shelves/{shelf}/books/{id}");
        try {
            PathTemplate.parse(path);
        } catch (IllegalArgumentException e) {
            throw m.errorAt("path", e.getMessage(), "write e.g. /v1/shelves/{shelf}/books/{id}: literal segments, {field} or "
                    + "{field=literal/*} variables, * and a final **, then an optional :verb");
        }
        String rpc = m.requireString("rpc", "write rpc: package.Service/Method").strip();
        int cut = rpc.indexOf('/');
        if (cut < 0) {
            cut = rpc.lastIndexOf('.');
        }
        if (cut <= 0 || cut == rpc.length() - 1) {
            throw m.errorAt("rpc", "'" + rpc + "' names no method of a service", "write rpc: package.Service/Method");
        }
        return rpc.substring(0, cut).replaceFirst("^\\.", "");
    }

    /** {@code {method: GET, path: /v1/books/{id}, rpc: pkg.Library/GetBook, body: "*", response-body: f, query: {q: filter}}}. */
    private static HttpBinding mapping(ConfigNode m, DescriptorSet ds) {
        mappingShape(m);
        String verb = m.requireString("method", "").strip().toUpperCase(Locale.ROOT);
        String path = m.requireString("path", "");
        String rpc = m.requireString("rpc", "");
        Descriptors.MethodDescriptor md = ds.method(rpc.strip());
        if (md == null) {
            throw m.errorAt("rpc", "no method " + rpc + " in " + ds.source(), "use one of " + methods(ds));
        }
        String body = m.string("body", null);
        if (body != null && !body.equals("*")) {
            try {
                HttpBinding.fieldPath(md.getInputType(), body);
            } catch (IllegalArgumentException e) {
                throw m.errorAt("body", e.getMessage(), "write body: \"*\" for the whole request message, or the name of one of its fields");
            }
        }
        String responseBody = m.string("response-body", null);
        if (responseBody != null) {
            try {
                HttpBinding.fieldPath(md.getOutputType(), responseBody);
            } catch (IllegalArgumentException e) {
                throw m.errorAt("response-body", e.getMessage(), "name a field of " + md.getOutputType().getFullName()
                        + ", or remove response-body to answer with the whole message");
            }
        }
        Map<String, String> query = new LinkedHashMap<>();
        if (m.has("query")) {
            ConfigNode q = m.child("query");
            for (String k : q.keys()) {
                String field = q.requireString(k, "write " + k + ": field_name");
                try {
                    HttpBinding.fieldPath(md.getInputType(), field);
                } catch (IllegalArgumentException e) {
                    throw q.errorAt(k, e.getMessage(), "map the query parameter to a field of " + md.getInputType().getFullName());
                }
                query.put(k, field);
            }
        }
        try {
            return HttpBinding.of(verb, path, md, body, responseBody, query, m.location());
        } catch (IllegalArgumentException e) {
            if (md.isClientStreaming() && body == null) {
                throw m.errorAt("rpc", e.getMessage(), "write body: \"*\" (each JSON message of the stream is a whole "
                        + md.getInputType().getFullName() + ") or body: FIELD (each fills that field)");
            }
            throw m.errorAt("path", e.getMessage(), "name fields of " + md.getInputType().getFullName()
                    + " " + md.getInputType().getFields().stream().map(Descriptors.FieldDescriptor::getName).toList());
        }
    }

    /** The bindings of the {@code google.api.http} annotations of the (selected) services. */
    private static List<HttpBinding> annotated(ConfigNode g, DescriptorSet ds) {
        List<String> names = g.stringList("services");
        for (String n : names) {
            if (!ds.services().containsKey(n)) {
                throw g.errorAt("services", "no service " + n + " in " + ds.source(), "use some of " + ds.services().keySet());
            }
        }
        List<HttpBinding> out = new ArrayList<>();
        for (Descriptors.ServiceDescriptor s : ds.services().values()) {
            if (!names.isEmpty() && !names.contains(s.getFullName())) {
                continue;
            }
            for (Descriptors.MethodDescriptor m : s.getMethods()) {
                try {
                    HttpRule rule = DescriptorSet.httpRule(m);
                    if (rule != null) {
                        out.addAll(HttpBinding.of(rule, m, ds.source()));
                    }
                } catch (IllegalArgumentException e) {
                    throw g.errorAt("descriptor-set", e.getMessage(), "fix the method's option (google.api.http) and rebuild the set, "
                            + "or write grpc.mappings instead of using the annotations");
                }
            }
        }
        if (out.isEmpty()) {
            throw g.errorAt("descriptor-set", "no method of " + (names.isEmpty() ? ds.services().keySet() : names)
                    + " in " + ds.source() + " has a google.api.http annotation", "annotate the methods, e.g. option (google.api.http) = "
                    + "{get: \"/v1/books/{id}\"}, or write grpc.mappings: [{method: GET, path: /v1/books/{id}, rpc: pkg.Library/GetBook}]");
        }
        return out;
    }

    /**
     * {@code web: true | false | {cors-origins: [...], expose-headers: [...], max-age: 10m, allow-credentials: false}}:
     * gRPC-Web on the route, or null when off.
     */
    private static GrpcRouteSpec.Web web(ConfigNode g) {
        if (!g.has("web")) {
            return null;
        }
        String scalar = scalarOrNull(g, "web");
        if (scalar != null) {
            return g.bool("web", false) ? GrpcRouteSpec.Web.SAME_ORIGIN : null;
        }
        ConfigNode w = g.child("web").requireOnly("cors-origins", "expose-headers", "max-age", "allow-credentials");
        List<String> origins = new ArrayList<>();
        for (String o : w.stringList("cors-origins")) {
            String origin = o.strip().toLowerCase(Locale.ROOT);
            if (!origin.equals("*") && !origin.matches("https?://([a-z0-9.-]+|\\[[0-9a-f:.]+])(:[0-9]{1,5})?")) {
                throw w.errorAt("cors-origins", "'" + o + "' is not an origin",
                        "write origins as the browser sends them, scheme://host[:port] without a path (https://app.example.com, "
                                + "http://localhost:8080), or * for any");
            }
            if (!origins.contains(origin)) {
                origins.add(origin);
            }
        }
        if (origins.contains("*") && origins.size() > 1) {
            throw w.errorAt("cors-origins", "* already allows every origin, and other origins are listed", "keep * alone, or list the origins");
        }
        List<String> expose = new ArrayList<>();
        for (String h : w.stringList("expose-headers")) {
            String name = h.strip().toLowerCase(Locale.ROOT);
            if (!name.matches("[a-z0-9!#$%&'*+.^_`|~-]+")) {
                throw w.errorAt("expose-headers", "'" + h + "' is not a header name", "write header names, e.g. [x-cost, x-request-id]");
            }
            expose.add(name);
        }
        if (!w.has("cors-origins") && (w.has("expose-headers") || w.has("max-age") || w.has("allow-credentials"))) {
            throw w.error("expose-headers, max-age and allow-credentials are CORS settings, and no cors-origins are listed",
                    "add cors-origins: [https://app.example.com] (the pages' origins), or write web: true for same-origin pages");
        }
        java.time.Duration maxAge = w.duration("max-age", GrpcRouteSpec.Web.DEFAULT_MAX_AGE);
        if (maxAge.isNegative() || maxAge.compareTo(java.time.Duration.ofDays(1)) > 0) {
            throw w.errorAt("max-age", "max-age " + maxAge.toSeconds() + " s is outside 0..24h", "write e.g. 10m (browsers cap it at 2h or 24h)");
        }
        boolean credentials = w.bool("allow-credentials", false);
        if (credentials && origins.contains("*")) {
            throw w.errorAt("allow-credentials", "allow-credentials with cors-origins [*]: browsers refuse credentials for any origin",
                    "list the origins that may send credentials instead of *");
        }
        return new GrpcRouteSpec.Web(origins, expose, maxAge, credentials);
    }

    private static java.time.Duration deadlineOffset(ConfigNode g) {
        java.time.Duration d = g.duration("deadline-offset", GrpcRouteSpec.DEFAULT_DEADLINE_OFFSET);
        if (d.isNegative() || d.compareTo(java.time.Duration.ofSeconds(10)) > 0) {
            throw g.errorAt("deadline-offset", "deadline-offset " + d.toMillis() + " ms is outside 0..10s", "write e.g. 100ms (0: none)");
        }
        return d;
    }

    private static List<String> methods(DescriptorSet ds) {
        List<String> out = new ArrayList<>();
        for (Descriptors.ServiceDescriptor s : ds.services().values()) {
            for (Descriptors.MethodDescriptor m : s.getMethods()) {
                if (out.size() == 20) {
                    out.add("...");
                    return out;
                }
                out.add(s.getFullName() + "/" + m.getName());
            }
        }
        return out;
    }

    private static String scalarOrNull(ConfigNode parent, String key) {
        try {
            return parent.string(key, null);
        } catch (ConfigException notScalar) {
            return null;
        }
    }
}
