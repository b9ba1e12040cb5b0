package io.headroom.router.grpc;

import com.google.api.HttpRule;
import com.google.protobuf.Descriptors;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP method and path template bound to a gRPC method: which request fields the path variables, the body and the
 * query parameters fill, and which response field (or all of it) becomes the JSON answer. Built from a
 * {@code google.api.http} rule or from an explicit mapping, and checked against the descriptors when built.
 *
 * @param httpMethod   upper-case HTTP method
 * @param template     the path template
 * @param method       the gRPC method (any kind: a client-streaming or bidirectional one takes a stream of JSON messages
 *                     as its body, docs/grpc.md)
 * @param body         null: no body; {@code *}: the whole request message; else the dotted path of the field the body fills
 * @param responseBody null: the whole response message; else the dotted path of the response field sent as the answer
 * @param queryFields  query parameter to field path, for parameters named other than their field (the others are field
 *                     paths themselves)
 * @param origin       where the binding was declared, for messages
 */
public record HttpBinding(String httpMethod, PathTemplate template, Descriptors.MethodDescriptor method, String body,
                          String responseBody, Map<String, String> queryFields, String origin) {
    /** Most specific first: more literal segments, then no {@code **}, then more segments. */
    public static final Comparator<HttpBinding> PRECEDENCE = Comparator
            .comparingInt((HttpBinding b) -> -b.template.literalCount())
            .thenComparing(b -> b.template.hasTail())
            .thenComparingInt(b -> -b.template.segmentCount());

    public HttpBinding {
        queryFields = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(queryFields));
    }

    /**
     * Builds and checks a binding.
     *
     * @throws IllegalArgumentException naming the field, template or method that does not fit
     */
    public static HttpBinding of(String httpMethod, String template, Descriptors.MethodDescriptor method, String body,
                                 String responseBody, Map<String, String> queryFields, String origin) {
        if (method.isClientStreaming() && (body == null || body.isEmpty())) {
            throw new IllegalArgumentException(method.getFullName() + " is " + (method.isServerStreaming() ? "bidirectional" : "client-streaming")
                    + ": its request messages come from the body, and this binding takes no body");
        }
        PathTemplate t = PathTemplate.parse(template);
        Descriptors.Descriptor in = method.getInputType();
        for (PathTemplate.Variable v : t.variables()) {
            Descriptors.FieldDescriptor[] path = fieldPath(in, v.fieldPath());
            Descriptors.FieldDescriptor last = path[path.length - 1];
            if (last.isRepeated() || last.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
                throw new IllegalArgumentException("path variable {" + v.fieldPath() + "} of " + template + " is a "
                        + (last.isRepeated() ? "repeated" : "message") + " field of " + in.getFullName()
                        + "; a path variable fills a single scalar field");
            }
        }
        String b = body == null || body.isEmpty() ? null : body;
        if (b != null && !b.equals("*")) {
            fieldPath(in, b);
        }
        String rb = responseBody == null || responseBody.isEmpty() ? null : responseBody;
        if (rb != null) {
            fieldPath(method.getOutputType(), rb);
        }
        for (Map.Entry<String, String> q : queryFields.entrySet()) {
            if (q.getKey().isEmpty()) {
                throw new IllegalArgumentException("an empty query parameter name");
            }
            Descriptors.FieldDescriptor[] path = fieldPath(in, q.getValue());
            if (path[path.length - 1].getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE
                    && !path[path.length - 1].getMessageType().getFullName().startsWith("google.protobuf.")) {
                throw new IllegalArgumentException("query parameter " + q.getKey() + " maps to " + q.getValue()
                        + ", a message field of " + in.getFullName() + "; map it to a scalar field");
            }
        }
        return new HttpBinding(httpMethod.toUpperCase(Locale.ROOT), t, method, b, rb, queryFields, origin);
    }

    /** The bindings of a {@code google.api.http} rule and its additional bindings. */
    public static List<HttpBinding> of(HttpRule rule, Descriptors.MethodDescriptor method, String origin) {
        List<HttpBinding> out = new ArrayList<>();
        add(out, rule, method, origin);
        for (HttpRule extra : rule.getAdditionalBindingsList()) {
            add(out, extra, method, origin);
        }
        return out;
    }

    private static void add(List<HttpBinding> out, HttpRule r, Descriptors.MethodDescriptor m, String origin) {
        String verb;
        String path;
        switch (r.getPatternCase()) {
            case GET -> { verb = "GET"; path = r.getGet(); }
            case PUT -> { verb = "PUT"; path = r.getPut(); }
            case POST -> { verb = "POST"; path = r.getPost(); }
            case DELETE -> { verb = "DELETE"; path = r.getDelete(); }
            case PATCH -> { verb = "PATCH"; path = r.getPatch(); }
            case CUSTOM -> { verb = r.getCustom().getKind(); path = r.getCustom().getPath(); }
            default -> throw new IllegalArgumentException(m.getFullName() + ": its google.api.http rule names no HTTP method");
        }
        try {
            out.add(of(verb, path, m, r.getBody(), r.getResponseBody(), Map.of(), origin));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(m.getFullName() + " (google.api.http " + verb + " " + path + "): " + e.getMessage());
        }
    }

    /**
     * The fields along a dotted path ({@code book.author.name}), by proto name or JSON name.
     *
     * @throws IllegalArgumentException naming the first part that is not a field
     */
    public static Descriptors.FieldDescriptor[] fieldPath(Descriptors.Descriptor type, String path) {
        String[] parts = path.split("\\.", -1);
        Descriptors.FieldDescriptor[] out = new Descriptors.FieldDescriptor[parts.length];
        Descriptors.Descriptor t = type;
        for (int i = 0; i < parts.length; i++) {
            if (t == null) {
                throw new IllegalArgumentException("'" + path + "': " + parts[i - 1] + " is not a message field");
            }
            Descriptors.FieldDescriptor f = field(t, parts[i]);
            if (f == null) {
                throw new IllegalArgumentException("'" + parts[i] + "' is not a field of " + t.getFullName() + " (fields: "
                        + t.getFields().stream().map(Descriptors.FieldDescriptor::getName).toList() + ")");
            }
            if (i < parts.length - 1 && f.isRepeated()) {
                throw new IllegalArgumentException("'" + path + "': " + parts[i] + " is repeated and cannot be walked through");
            }
            out[i] = f;
            t = f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE ? f.getMessageType() : null;
        }
        return out;
    }

    /** A field by proto name or JSON name, or null. */
    static Descriptors.FieldDescriptor field(Descriptors.Descriptor t, String name) {
        Descriptors.FieldDescriptor f = t.findFieldByName(name);
        if (f != null) {
            return f;
        }
        for (Descriptors.FieldDescriptor c : t.getFields()) {
            if (c.getJsonName().equals(name)) {
                return c;
            }
        }
        return null;
    }

    /** {@code /pkg.Service/Method}, the gRPC path. */
    public String grpcPath() {
        return "/" + method.getService().getFullName() + "/" + method.getName();
    }

    @Override
    public String toString() {
        return httpMethod + " " + template + " -> " + method.getFullName();
    }
}
