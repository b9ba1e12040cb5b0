package io.headroom.router.grpc;

import io.grpc.Metadata;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.Base64;
import java.util.Locale;

/** HTTP headers to gRPC metadata and back, for both kinds of gRPC route. */
final class GrpcMetadata {
    private GrpcMetadata() {
    }

    /**
     * The request's headers as call metadata: end-to-end headers less those gRPC sets itself (content-type, te,
     * user-agent, grpc-timeout, grpc-encoding...), less credentials and the route's drops; then the route's set and
     * identity headers, {@code traceparent} and {@code x-forwarded-for}.
     */
    static Metadata fromRequest(ServerRequest req, GrpcRoute.Exchange x) {
        Metadata md = new Metadata();
        String xff = null;
        boolean off = x.forwarding() == io.headroom.router.config.Forwarding.OFF;
        boolean append = x.forwarding() == io.headroom.router.config.Forwarding.APPEND;
        for (Header h : req.headers()) {
            String lower = h.headerName().lowerCase();
            switch (lower) {
                case "host", "connection", "keep-alive", "te", "trailer", "transfer-encoding", "upgrade", "content-length",
                     "content-type", "user-agent", "expect", "http2-settings", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
                     "traceparent", "accept-encoding", "accept", "x-grpc-web" -> {
                    continue;
                }
                case "x-forwarded-proto", "x-forwarded-host" -> {
                    if (!off) {
                        continue; // x-forwarded-proto is this hop's (below)
                    }
                }
                case "forwarded" -> {
                    if (!off && !append) {
                        continue; // replace: a client's own is dropped (the call carries x-forwarded-for)
                    }
                }
                case "x-forwarded-for" -> {
                    if (!off) {
                        xff = append ? h.values() : null;
                        continue;
                    }
                }
                default -> {
                    if (lower.startsWith("proxy-") || lower.startsWith(":")) {
                        continue;
                    }
                    if (listed(x.strip(), lower)) {
                        String renamed = x.transform().requestRename(lower);
                        if (renamed != null) {
                            for (String v : h.allValues()) {
                                putMetadata(md, renamed.toLowerCase(Locale.ROOT), v);
                            }
                        }
                        continue;
                    }
                }
            }
            for (String v : h.allValues()) {
                putMetadata(md, lower, v);
            }
        }
        try {
            x.transform().requestExtras(x.identity(), x.certificate(), (n, v) -> putMetadata(md, n.toLowerCase(Locale.ROOT), v));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // metadata does not throw
        }
        putMetadata(md, "traceparent", x.trace().traceparent());
        String client = req.remotePeer().address() instanceof InetSocketAddress isa && isa.getAddress() != null
                ? isa.getAddress().getHostAddress() : "unknown";
        if (!off) {
            putMetadata(md, "x-forwarded-for", xff == null ? client : xff + ", " + client);
            putMetadata(md, "x-forwarded-proto", req.isSecure() ? "https" : "http");
        }
        return md;
    }

    static void putMetadata(Metadata md, String lower, String value) {
        try {
            if (lower.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                md.put(Metadata.Key.of(lower, Metadata.BINARY_BYTE_MARSHALLER), Base64.getDecoder().decode(pad(value.strip())));
            } else {
                for (int i = 0; i < value.length(); i++) {
                    char c = value.charAt(i);
                    if (c < 0x20 || c > 0x7e) {
                        return; // not a valid metadata value: gRPC would refuse the whole call
                    }
                }
                md.put(Metadata.Key.of(lower, Metadata.ASCII_STRING_MARSHALLER), value);
            }
        } catch (IllegalArgumentException e) {
            // a header name gRPC does not allow as a key, or bad base64 in a -bin header: not forwarded
        }
    }

    static String pad(String b64) {
        int r = b64.length() % 4;
        return r == 0 ? b64 : b64 + "==".substring(0, 4 - r);
    }

    /** The member's metadata as headers, less what the router sets (content-type) or gRPC manages. */
    static void copy(Metadata md, java.util.function.BiConsumer<String, String> out) {
        if (md == null) {
            return;
        }
        for (String k : md.keys()) {
            if (k.startsWith(":")) {
                // an HTTP/2 pseudo-header grpc-java left in the metadata (it strips them on the usual paths): not metadata,
                // and Metadata.Key.of refuses the name
                continue;
            }
            switch (k) {
                case "content-type", "grpc-encoding", "grpc-accept-encoding", "grpc-status", "grpc-message", "te", "trailer",
                     "transfer-encoding", "connection", "keep-alive", "upgrade", "content-length" -> {
                    continue;
                }
                default -> {
                }
            }
            if (k.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                for (byte[] v : md.getAll(Metadata.Key.of(k, Metadata.BINARY_BYTE_MARSHALLER))) {
                    out.accept(k, Base64.getEncoder().withoutPadding().encodeToString(v));
                }
            } else {
                for (String v : md.getAll(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER))) {
                    out.accept(k, v);
                }
            }
        }
    }

    /**
     * The member's metadata added to the response's headers, less a header of the name {@code skip} (lower case, or
     * null): the router's own trace header, already on the response, which the member's must not join.
     */
    static void toHeaders(ServerResponse res, Metadata md, String skip) {
        copy(md, (n, v) -> {
            if (!n.equals(skip)) {
                res.headers().add(HeaderNames.create(n), v);
            }
        });
    }

    static boolean listed(String[] names, String lower) {
        if (names == null) {
            return false;
        }
        for (String n : names) {
            if (n.equals(lower)) {
                return true;
            }
        }
        return false;
    }
}
