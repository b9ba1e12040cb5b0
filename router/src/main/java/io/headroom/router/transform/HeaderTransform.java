package io.headroom.router.transform;

import io.headroom.router.auth.Identity;
import io.headroom.router.config.AuthConfig;
import io.headroom.router.config.RouteConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * A route's header changes, resolved once into arrays the proxy scans while it copies headers (no map, no regex, no
 * allocation per request beyond the identity values).
 *
 * <p>Request: headers in {@link #requestDrops()} are not forwarded as they came; a renamed one is written under its new
 * name instead; then the {@code set} headers and the identity headers are written. The identity headers
 * ({@code router.auth.identity-headers}) are dropped from every client request, on every route, so that a client cannot
 * claim to be someone; on a route with auth they are set from the authenticated consumer. Response: the same with the
 * backend's response headers, before they go to the client.
 */
public final class HeaderTransform {
    /** Where headers are written (an upstream connection's {@code writeHeader}, or a list). */
    @FunctionalInterface
    public interface Sink {
        void header(String name, String value) throws IOException;
    }

    public static final HeaderTransform NONE = new HeaderTransform(RouteConfig.Transform.NONE, AuthConfig.IdentityHeaders.NONE, null);

    private final String[] requestDrops;
    private final String[] requestRenameFrom;
    private final String[] requestRenameTo;
    private final String[] requestSet;
    private final String consumerHeader;
    private final String scopesHeader;
    private final String methodHeader;
    private final String clientSubjectHeader;
    private final String clientSanHeader;
    private final String[] responseDrops;
    private final String[] responseRenameFrom;
    private final String[] responseRenameTo;
    private final String[] responseSet;

    private HeaderTransform(RouteConfig.Transform t, AuthConfig.IdentityHeaders id, io.headroom.router.config.TlsConfig.ClientCertificates client) {
        List<String> drops = new ArrayList<>(drops(t.request()));
        for (String n : id.names()) {
            drops.add(n.toLowerCase(Locale.ROOT));
        }
        if (client != null) {
            drops.addAll(client.headerNames()); // a client can never present a certificate subject of its own choosing
        }
        this.clientSubjectHeader = client == null ? null : client.subjectHeader();
        this.clientSanHeader = client == null ? null : client.sanHeader();
        this.requestDrops = new TreeSet<>(drops).toArray(new String[0]);
        this.requestRenameFrom = lower(t.request().rename().keySet());
        this.requestRenameTo = t.request().rename().values().toArray(new String[0]);
        this.requestSet = pairs(t.request().set());
        this.consumerHeader = id.consumer();
        this.scopesHeader = id.scopes();
        this.methodHeader = id.method();
        this.responseDrops = new TreeSet<>(drops(t.response())).toArray(new String[0]);
        this.responseRenameFrom = lower(t.response().rename().keySet());
        this.responseRenameTo = t.response().rename().values().toArray(new String[0]);
        this.responseSet = pairs(t.response().set());
    }

    /** The transformation of a route, with the router's identity headers. */
    public static HeaderTransform of(RouteConfig.Transform transform, AuthConfig.IdentityHeaders identity) {
        return of(transform, identity, null);
    }

    /**
     * As {@link #of(RouteConfig.Transform, AuthConfig.IdentityHeaders)}, with the headers that carry a verified client
     * certificate ({@code router.tls.client-*-header}; null without client certificates): dropped from every client
     * request, then set from the connection's certificate.
     */
    public static HeaderTransform of(RouteConfig.Transform transform, AuthConfig.IdentityHeaders identity,
                                     io.headroom.router.config.TlsConfig.ClientCertificates client) {
        if (transform.request().isEmpty() && transform.response().isEmpty() && identity.names().isEmpty() && client == null) {
            return NONE;
        }
        return new HeaderTransform(transform, identity, client);
    }

    private static List<String> drops(RouteConfig.HeaderOps ops) {
        List<String> out = new ArrayList<>();
        ops.set().keySet().forEach(n -> out.add(n.toLowerCase(Locale.ROOT)));
        ops.remove().forEach(n -> out.add(n.toLowerCase(Locale.ROOT)));
        ops.rename().forEach((from, to) -> {
            out.add(from.toLowerCase(Locale.ROOT));
            out.add(to.toLowerCase(Locale.ROOT));
        });
        return out;
    }

    private static String[] lower(java.util.Set<String> names) {
        return names.stream().map(n -> n.toLowerCase(Locale.ROOT)).toArray(String[]::new);
    }

    private static String[] pairs(Map<String, String> m) {
        String[] out = new String[m.size() * 2];
        int i = 0;
        for (Map.Entry<String, String> e : m.entrySet()) {
            out[i++] = e.getKey();
            out[i++] = e.getValue();
        }
        return out;
    }

    /** Lower-case names of request headers not forwarded as they came (removed, set, renamed either way, identity). */
    public String[] requestDrops() {
        return requestDrops;
    }

    /** The new name of a dropped request header that is renamed, or null. */
    public String requestRename(String lower) {
        return find(requestRenameFrom, requestRenameTo, lower);
    }

    /**
     * As {@link #requestExtras(Identity, Sink)}, then the client certificate's subject and subject alternative names,
     * and {@code X-Forwarded-Client-Cert} when configured, when the connection has a verified one ({@code certificate}
     * non-null).
     */
    public void requestExtras(Identity identity, io.headroom.router.tls.ClientCertificate certificate, Sink out) throws IOException {
        requestExtras(identity, out);
        if (certificate != null && clientSubjectHeader != null) {
            out.header(clientSubjectHeader, certificate.subject());
            if (!certificate.san().isEmpty()) {
                out.header(clientSanHeader, certificate.san());
            }
            if (certificate.xfcc() != null) {
                out.header(io.headroom.router.config.TlsConfig.XFCC_HEADER, certificate.xfcc());
            }
        }
    }

    /** Writes the {@code set} headers, then the identity headers when the request was authenticated. */
    public void requestExtras(Identity identity, Sink out) throws IOException {
        for (int i = 0; i < requestSet.length; i += 2) {
            out.header(requestSet[i], requestSet[i + 1]);
        }
        if (identity == null || identity == Identity.ANONYMOUS || identity.method().equals("none")) {
            return;
        }
        if (consumerHeader != null) {
            out.header(consumerHeader, headerSafe(identity.consumer()));
        }
        if (scopesHeader != null && !identity.scopes().isEmpty()) {
            StringBuilder b = new StringBuilder();
            for (String s : new TreeSet<>(identity.scopes())) {
                if (!b.isEmpty()) {
                    b.append(' ');
                }
                b.append(headerSafe(s));
            }
            out.header(scopesHeader, b.toString());
        }
        if (methodHeader != null) {
            out.header(methodHeader, identity.method());
        }
    }

    /** Whether a backend response header is not passed on as it came. */
    public boolean responseDrops(String lower) {
        for (String d : responseDrops) {
            if (d.equals(lower)) {
                return true;
            }
        }
        return false;
    }

    /** The new name of a dropped response header that is renamed, or null. */
    public String responseRename(String lower) {
        return find(responseRenameFrom, responseRenameTo, lower);
    }

    /** Writes the response's {@code set} headers. */
    public void responseExtras(Sink out) throws IOException {
        for (int i = 0; i < responseSet.length; i += 2) {
            out.header(responseSet[i], responseSet[i + 1]);
        }
    }

    /** Whether anything happens to responses (the proxy skips the checks otherwise). */
    public boolean touchesResponses() {
        return responseDrops.length > 0 || responseSet.length > 0;
    }

    private static String find(String[] from, String[] to, String lower) {
        for (int i = 0; i < from.length; i++) {
            if (from[i].equals(lower)) {
                return to[i];
            }
        }
        return null;
    }

    /**
     * A value that cannot break the request head: printable ASCII stays as it is, anything else (control characters,
     * non-ASCII, and {@code %} itself) is percent-encoded as UTF-8. A consumer id comes from a token's claim, which
     * the client's issuer controls, so a CR or LF in it must never reach the backend raw.
     */
    public static String headerSafe(String v) {
        boolean clean = true;
        for (int i = 0; i < v.length() && clean; i++) {
            char c = v.charAt(i);
            clean = c >= 0x20 && c <= 0x7e && c != '%';
        }
        if (clean) {
            return v;
        }
        StringBuilder b = new StringBuilder(v.length() + 16);
        for (byte x : v.getBytes(StandardCharsets.UTF_8)) {
            int c = x & 0xff;
            if (c >= 0x20 && c <= 0x7e && c != '%') {
                b.append((char) c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
            }
        }
        return b.toString();
    }
}
