package io.headroom.router.grpc;

import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.grpc.Metadata;
import io.grpc.Status;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.zip.GZIPInputStream;

/**
 * gRPC-Web (grpc/grpc doc/PROTOCOL-WEB.md) on a gRPC route: the request body's length-prefixed messages, binary or
 * base64 ({@code -text}), are checked and decoded whole (gRPC-Web has no client streaming, so a request is one message,
 * bounded by the route's max-message-size), then go to a member as a gRPC call with the passthrough's machinery; the
 * answer's messages go back as data frames, each written and flushed as it arrives, and the status and trailers as the
 * final trailer frame (flag 0x80, {@code name: value\r\n} lines), or in the headers when the call ended before any
 * message (trailers-only). Messages are protobuf ({@code +proto}, relayed as bytes) or JSON ({@code +json}, the proto3
 * JSON mapping, translated both ways by the route's descriptors: {@link JsonCodec}). Also the route's CORS: preflights
 * answered, and the headers a browser's script needs exposed.
 */
final class GrpcWeb {
    static final HeaderName ORIGIN = HeaderNames.create("Origin");
    static final HeaderName REQUEST_METHOD = HeaderNames.create("Access-Control-Request-Method");
    static final HeaderName REQUEST_HEADERS = HeaderNames.create("Access-Control-Request-Headers");
    static final HeaderName ALLOW_ORIGIN = HeaderNames.create("Access-Control-Allow-Origin");
    static final HeaderName ALLOW_METHODS = HeaderNames.create("Access-Control-Allow-Methods");
    static final HeaderName ALLOW_HEADERS = HeaderNames.create("Access-Control-Allow-Headers");
    static final HeaderName ALLOW_CREDENTIALS = HeaderNames.create("Access-Control-Allow-Credentials");
    static final HeaderName EXPOSE_HEADERS = HeaderNames.create("Access-Control-Expose-Headers");
    static final HeaderName MAX_AGE = HeaderNames.create("Access-Control-Max-Age");
    private static final HeaderName GRPC_STATUS = HeaderNames.create("grpc-status");
    private static final HeaderName GRPC_MESSAGE = HeaderNames.create("grpc-message");
    private static final HeaderName TRAILER = HeaderNames.create("Trailer");
    /** Request headers a gRPC-Web client sends besides its metadata; allowed by every preflight. */
    private static final String CLIENT_HEADERS = "content-type, x-grpc-web, x-user-agent, grpc-timeout";
    /** Slack over one message for a request body: further (empty) frames, and the padding of base64 chunks. */
    private static final int BODY_SLACK = 4096;

    /** The encoding of a gRPC-Web request and its answer: binary or base64 ({@code -text}), protobuf or JSON messages. */
    enum Kind {
        BINARY("application/grpc-web+proto", false, false),
        TEXT("application/grpc-web-text+proto", true, false),
        BINARY_JSON("application/grpc-web+json", false, true),
        TEXT_JSON("application/grpc-web-text+json", true, true);

        /** The answer's content-type: the family and the message codec the client sent. */
        final String contentType;
        /** The body is base64. */
        final boolean text;
        /** The messages are JSON (proto3 JSON mapping), translated by the route's descriptors. */
        final boolean json;

        Kind(String contentType, boolean text, boolean json) {
            this.contentType = contentType;
            this.text = text;
            this.json = json;
        }
    }

    private final String route;
    private final GrpcRouteSpec.Web settings;
    private final String expose;

    GrpcWeb(String route, GrpcRouteSpec.Web settings) {
        this.route = route;
        this.settings = settings;
        StringBuilder sb = new StringBuilder("grpc-status, grpc-message, grpc-status-details-bin");
        for (String h : settings.exposeHeaders()) {
            sb.append(", ").append(h);
        }
        this.expose = sb.toString();
    }

    /**
     * Whether {@code ct} (lower case or not, with parameters or not) is a gRPC-Web content-type: {@code application/grpc-web}
     * or {@code application/grpc-web-text}, bare or with a {@code +codec} suffix.
     */
    static boolean isWeb(String ct) {
        return ct != null && ct.regionMatches(true, 0, "application/grpc-web", 0, 20)
                && (ct.length() == 20 || ct.charAt(20) == '+' || ct.charAt(20) == ';' || ct.charAt(20) == '-');
    }

    /**
     * The kind of a gRPC-Web content-type, or null when it names a codec other than proto and json ({@code +thrift}...):
     * the router's channels speak {@code application/grpc}, whose messages members read as protobuf, and only JSON has a
     * translation to protobuf (by the route's descriptors).
     */
    static Kind kind(String ct) {
        String t = ct.toLowerCase(Locale.ROOT);
        int semi = t.indexOf(';');
        t = (semi < 0 ? t : t.substring(0, semi)).strip();
        return switch (t) {
            case "application/grpc-web", "application/grpc-web+proto" -> Kind.BINARY;
            case "application/grpc-web-text", "application/grpc-web-text+proto" -> Kind.TEXT;
            case "application/grpc-web+json" -> Kind.BINARY_JSON;
            case "application/grpc-web-text+json" -> Kind.TEXT_JSON;
            default -> null;
        };
    }

    // ---- CORS ----------------------------------------------------------------------------------------------------

    /**
     * The route's CORS, before authentication (a browser's preflight carries no credentials): answers a preflight
     * ({@code OPTIONS} with {@code Access-Control-Request-Method}) and returns true; for any other request from an
     * allowed origin sets the CORS answer headers (so that the router's own 401, 429 or 503 reach the script too) and
     * returns false.
     */
    boolean cors(ServerRequest req, ServerResponse res) {
        if (settings.corsOrigins().isEmpty()) {
            return false;
        }
        var h = req.headers();
        if (!h.contains(ORIGIN)) {
            return false;
        }
        String origin = h.get(ORIGIN).get().strip();
        boolean allowed = allowed(origin);
        if (req.prologue().method() == Method.OPTIONS && h.contains(REQUEST_METHOD)) {
            if (!allowed) {
                res.status(403);
                res.headers().set(HeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
                res.send(("origin " + origin + " is not in the cors-origins of route " + route + " (grpc.web.cors-origins)\n")
                        .getBytes(StandardCharsets.UTF_8));
                return true;
            }
            allowOrigin(res, origin);
            res.headers().set(ALLOW_METHODS, "POST");
            String asked = h.contains(REQUEST_HEADERS) ? h.get(REQUEST_HEADERS).get() : null;
            // the metadata a client sends are its headers, so any header it asks for is allowed (the origin is the check)
            res.headers().set(ALLOW_HEADERS, asked != null && tokenList(asked) ? asked.strip() : CLIENT_HEADERS);
            res.headers().set(MAX_AGE, Long.toString(settings.maxAge().toSeconds()));
            res.status(204);
            res.send();
            return true;
        }
        if (allowed) {
            allowOrigin(res, origin);
            res.headers().set(EXPOSE_HEADERS, expose);
        }
        return false;
    }

    private boolean allowed(String origin) {
        List<String> origins = settings.corsOrigins();
        return origins.contains("*") || origins.contains(origin.toLowerCase(Locale.ROOT));
    }

    private void allowOrigin(ServerResponse res, String origin) {
        if (settings.corsOrigins().contains("*")) {
            res.headers().set(ALLOW_ORIGIN, "*");
        } else {
            res.headers().set(ALLOW_ORIGIN, origin);
            res.headers().add(HeaderNames.VARY, "Origin");
        }
        if (settings.allowCredentials()) {
            res.headers().set(ALLOW_CREDENTIALS, "true");
        }
    }

    /** Whether {@code v} is a comma-separated list of header names (what a preflight may echo back). */
    private static boolean tokenList(String v) {
        if (v.isBlank() || v.length() > 4096) {
            return false;
        }
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
                    || c == ',' || c == ' ')) {
                return false;
            }
        }
        return true;
    }

    // ---- request -------------------------------------------------------------------------------------------------

    /** A request the router cannot make a call of: the HTTP status of the answer and the gRPC status it carries. */
    static final class Malformed extends Exception {
        final int http;
        final Status status;

        Malformed(int http, Status status) {
            super(status.getDescription(), null, false, false);
            this.http = http;
            this.status = status;
        }
    }

    /** The messages of a request body, and its length as it came. */
    record Request(List<byte[]> messages, long bytes) {
    }

    /**
     * Reads and checks a gRPC-Web request body: base64 for a {@code -text} kind (several padded chunks may follow one
     * another), then length-prefixed messages, each with flag 0 (or 1, compressed, with {@code grpc-encoding: gzip}).
     *
     * @throws Malformed 400 (INVALID_ARGUMENT) for bad base64, a bad flag, a trailer frame, a truncated frame or no
     *                   message; 413 (RESOURCE_EXHAUSTED) for a message over {@code maxMessage} bytes
     */
    static Request read(InputStream in, Kind kind, boolean gzip, int maxMessage) throws IOException, Malformed {
        int binaryLimit = maxMessage + 5 + BODY_SLACK;
        int rawLimit = kind.text ? (binaryLimit / 3 + 1) * 4 + BODY_SLACK : binaryLimit;
        byte[] raw = in.readNBytes(rawLimit + 1);
        boolean over = raw.length > rawLimit;
        byte[] body = kind.text ? base64(raw, over) : raw;
        List<byte[]> messages = new ArrayList<>(1);
        int pos = 0;
        while (pos < body.length) {
            if (body.length - pos < 5) {
                if (over) {
                    break;
                }
                throw bad("the body ends inside a message prefix: " + (body.length - pos) + " of its 5 bytes after "
                        + messages.size() + " message(s)");
            }
            int flag = body[pos] & 0xff;
            long len = ((body[pos + 1] & 0xffL) << 24) | ((body[pos + 2] & 0xff) << 16) | ((body[pos + 3] & 0xff) << 8)
                    | (body[pos + 4] & 0xff);
            if ((flag & 0x80) != 0) {
                throw bad("a trailer frame (flag 0x" + Integer.toHexString(flag) + ") in a request: gRPC-Web requests carry messages only");
            }
            if (flag > 1) {
                throw bad("message flag 0x" + Integer.toHexString(flag) + " at byte " + pos + " (expected 0, or 1 for a compressed message)");
            }
            if (len > maxMessage) {
                throw new Malformed(413, Status.RESOURCE_EXHAUSTED.withDescription("a request message of " + len
                        + " bytes is over the route's max-message-size of " + maxMessage + " bytes"));
            }
            if (body.length - pos - 5 < len) {
                if (over) {
                    break;
                }
                throw bad("the body ends inside a message: " + (body.length - pos - 5) + " of its " + len + " bytes");
            }
            byte[] msg = java.util.Arrays.copyOfRange(body, pos + 5, pos + 5 + (int) len);
            if (flag == 1) {
                if (!gzip) {
                    throw bad("a compressed message (flag 1) without grpc-encoding: gzip");
                }
                try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(msg))) {
                    msg = z.readNBytes(maxMessage + 1);
                } catch (IOException e) {
                    throw bad("a compressed message is not gzip: " + e.getMessage());
                }
                if (msg.length > maxMessage) {
                    throw new Malformed(413, Status.RESOURCE_EXHAUSTED.withDescription("a request message is over the route's "
                            + "max-message-size of " + maxMessage + " bytes uncompressed"));
                }
            }
            messages.add(msg);
            pos += 5 + (int) len;
        }
        if (over) {
            throw new Malformed(413, Status.RESOURCE_EXHAUSTED.withDescription("the request body is over " + rawLimit
                    + " bytes: gRPC-Web carries one request message, and the route's max-message-size is " + maxMessage + " bytes"));
        }
        if (messages.isEmpty()) {
            throw bad("the body holds no message (a gRPC-Web request carries its one request message, 5 bytes at least)");
        }
        return new Request(messages, raw.length);
    }

    private static Malformed bad(String why) {
        return new Malformed(400, Status.INVALID_ARGUMENT.withDescription("malformed gRPC-Web request: " + why));
    }

    /**
     * Base64 (standard alphabet) of a {@code -text} body: groups of 4 characters, where a padded group may be followed by
     * another chunk; a last group of 2 or 3 characters may come without its padding. {@code cut}: the body was cut at the
     * size limit, so an incomplete last group is not an error.
     */
    static byte[] base64(byte[] raw, boolean cut) throws Malformed {
        byte[] out = new byte[raw.length / 4 * 3 + 3];
        int n = 0;
        int[] group = new int[4];
        int have = 0;
        int pad = 0;
        for (int i = 0; i < raw.length; i++) {
            int c = raw[i] & 0xff;
            int v;
            if (c == '=') {
                if (have < 2) {
                    throw bad("bad base64: '=' at offset " + i + " is padding where data is expected");
                }
                pad++;
                v = 0;
            } else {
                v = c >= 'A' && c <= 'Z' ? c - 'A' : c >= 'a' && c <= 'z' ? c - 'a' + 26 : c >= '0' && c <= '9' ? c - '0' + 52
                        : c == '+' ? 62 : c == '/' ? 63 : -1;
                if (v < 0) {
                    throw bad("bad base64: byte 0x" + Integer.toHexString(c) + " at offset " + i + " is not a base64 character");
                }
                if (pad > 0) {
                    throw bad("bad base64: data at offset " + i + " after padding inside a 4-character group");
                }
            }
            group[have++] = v;
            if (have == 4) {
                int bits = group[0] << 18 | group[1] << 12 | group[2] << 6 | group[3];
                out[n++] = (byte) (bits >> 16);
                if (pad < 2) {
                    out[n++] = (byte) (bits >> 8);
                }
                if (pad < 1) {
                    out[n++] = (byte) bits;
                }
                have = 0;
                pad = 0;
            }
        }
        if (have == 1 && !cut) {
            throw bad("bad base64: the body ends with 1 character of a 4-character group");
        }
        if (have >= 2 && pad == 0) {
            int bits = group[0] << 18 | group[1] << 12 | (have == 3 ? group[2] << 6 : 0);
            out[n++] = (byte) (bits >> 16);
            if (have == 3) {
                out[n++] = (byte) (bits >> 8);
            }
        } else if (have >= 2 && !cut) {
            throw bad("bad base64: the body ends inside a padded group");
        }
        return java.util.Arrays.copyOf(out, n);
    }

    // ---- the +json codec --------------------------------------------------------------------------------------

    /**
     * The {@code +json} codec of one method, as Connect's and grpc-web's JSON clients use it: each request frame holds
     * a JSON object in the proto3 JSON mapping, which becomes the protobuf message the member reads, and each answer
     * message becomes its JSON, by the route's descriptors and JSON settings (the parser and printer of its REST/JSON
     * translation: unknown fields refused, {@code preserve-proto-field-names} honoured, defaults left out).
     */
    static final class JsonCodec {
        private final Descriptors.MethodDescriptor method;
        private final JsonFormat.Parser parser;
        private final JsonFormat.Printer printer;
        private int answered;

        JsonCodec(Descriptors.MethodDescriptor method, JsonFormat.Parser parser, JsonFormat.Printer printer) {
            this.method = method;
            this.parser = parser;
            this.printer = printer;
        }

        /**
         * The request's JSON messages as protobuf messages of the method's input type.
         *
         * @throws Malformed 400 (INVALID_ARGUMENT) for a message that is not JSON or does not fit the type; 413
         *                   (RESOURCE_EXHAUSTED) for one over {@code maxMessage} bytes as protobuf
         */
        List<byte[]> requests(List<byte[]> messages, int maxMessage) throws Malformed {
            Descriptors.Descriptor in = method.getInputType();
            List<byte[]> out = new ArrayList<>(messages.size());
            for (int i = 0; i < messages.size(); i++) {
                byte[] proto;
                try {
                    JsonElement parsed = JsonParser.parseString(new String(messages.get(i), StandardCharsets.UTF_8));
                    if (!parsed.isJsonObject()) {
                        throw new Malformed(400, Status.INVALID_ARGUMENT.withDescription("request message " + i + " does not fit "
                                + in.getFullName() + ": a message must be a JSON object"));
                    }
                    DynamicMessage.Builder b = DynamicMessage.newBuilder(in);
                    parser.merge(parsed.toString(), b);
                    proto = b.build().toByteArray();
                } catch (JsonParseException | InvalidProtocolBufferException | IllegalArgumentException e) {
                    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
                    throw new Malformed(400, Status.INVALID_ARGUMENT.withDescription("request message " + i + " does not fit "
                            + in.getFullName() + ": " + why));
                }
                if (proto.length > maxMessage) {
                    throw new Malformed(413, Status.RESOURCE_EXHAUSTED.withDescription("request message " + i + " is " + proto.length
                            + " bytes as protobuf, over the route's max-message-size of " + maxMessage + " bytes"));
                }
                out.add(proto);
            }
            return out;
        }

        /**
         * One answer message of the method's output type as JSON.
         *
         * @throws GrpcRoute.Unrelayable INTERNAL when the member's message is not of that type (or holds an {@code Any}
         *                               of a type the descriptors do not know)
         */
        byte[] answer(byte[] proto) throws GrpcRoute.Unrelayable {
            Descriptors.Descriptor type = method.getOutputType();
            try {
                byte[] json = printer.print(DynamicMessage.parseFrom(type, proto)).getBytes(StandardCharsets.UTF_8);
                answered++;
                return json;
            } catch (InvalidProtocolBufferException e) {
                throw new GrpcRoute.Unrelayable(Status.INTERNAL.withDescription("answer message " + answered + " of "
                        + method.getFullName() + " cannot be written as JSON: it is not a " + type.getFullName()
                        + " of the route's descriptors: " + e.getMessage()));
            }
        }
    }

    // ---- answer --------------------------------------------------------------------------------------------------

    /** The answer side of gRPC-Web for one request: data frames, the trailer frame, trailers-only, the router's errors. */
    static final class Wire implements GrpcRoute.Wire {
        private final Kind kind;
        private final JsonCodec json;

        /** {@code json}: the method's JSON codec for a {@code +json} kind, else null (messages relayed as they come). */
        Wire(Kind kind, JsonCodec json) {
            this.kind = kind;
            this.json = json;
        }

        @Override
        public OutputStream begin(ServerResponse res, GrpcRoute.Exchange x, Metadata headers) {
            res.status(200);
            GrpcMetadata.toHeaders(res, headers, x.traceHeader());
            res.headers().set(HeaderNames.CONTENT_TYPE, kind.contentType);
            GrpcRoute.limitHeaders(res, x.limitHeaders());
            OutputStream out = res.outputStream();
            // Helidon adds "Trailer: stream-result" for a request with "TE: trailers" and would send an HTTP trailer: the
            // gRPC-Web status is in the body
            res.headers().remove(TRAILER);
            return out;
        }

        @Override
        public long message(OutputStream out, byte[] msg) throws IOException, GrpcRoute.Unrelayable {
            return frame(out, 0, json == null ? msg : json.answer(msg));
        }

        @Override
        public void end(ServerResponse res, OutputStream out, Status s, Metadata trailers) throws IOException {
            StringBuilder sb = new StringBuilder(64);
            sb.append("grpc-status: ").append(s.getCode().value()).append("\r\n");
            if (s.getDescription() != null) {
                sb.append("grpc-message: ").append(GrpcRoute.percentEncode(s.getDescription())).append("\r\n");
            }
            GrpcMetadata.copy(trailers, (n, v) -> sb.append(n).append(": ").append(v).append("\r\n"));
            frame(out, 0x80, sb.toString().getBytes(StandardCharsets.US_ASCII));
            out.close();
        }

        /** One frame, base64 on its own (padded) for {@code -text}, flushed so that the client has it now. */
        private long frame(OutputStream out, int flag, byte[] payload) throws IOException {
            byte[] prefix = {(byte) flag, (byte) (payload.length >>> 24), (byte) (payload.length >>> 16), (byte) (payload.length >>> 8),
                    (byte) payload.length};
            long written;
            if (kind.text) {
                byte[] f = new byte[5 + payload.length];
                System.arraycopy(prefix, 0, f, 0, 5);
                System.arraycopy(payload, 0, f, 5, payload.length);
                byte[] b64 = Base64.getEncoder().encode(f);
                out.write(b64);
                written = b64.length;
            } else {
                out.write(prefix);
                out.write(payload);
                written = 5 + payload.length;
            }
            out.flush();
            return written;
        }

        @Override
        public void trailersOnly(ServerResponse res, GrpcRoute.Exchange x, Status s, Metadata trailers) {
            reject(res, x, 200, s, trailers);
        }

        /**
         * An answer without messages, the status in its headers: a gRPC trailers-only answer (HTTP 200), or the router's
         * refusal of a malformed request with a 4xx status that says the same as its grpc-status.
         */
        void reject(ServerResponse res, GrpcRoute.Exchange x, int http, Status s, Metadata trailers) {
            GrpcRoute.outcome(x, s.getCode());
            if (http != 200 && x.log() != null) {
                x.log().statusOverride = http;
            }
            res.status(http);
            res.headers().set(HeaderNames.CONTENT_TYPE, kind.contentType);
            GrpcMetadata.toHeaders(res, trailers, x.traceHeader()); // a trailers-only answer: the trailers are its headers
            res.headers().set(GRPC_STATUS, Integer.toString(s.getCode().value()));
            if (s.getDescription() != null) {
                res.headers().set(GRPC_MESSAGE, GrpcRoute.percentEncode(s.getDescription()));
            }
            GrpcRoute.limitHeaders(res, x.limitHeaders());
            res.send();
        }
    }
}
