package io.headroom.router.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.Metadata;
import io.grpc.Status;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.ServerResponse;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * JSON translation of client-streaming and bidirectional methods (docs/grpc.md, "Streaming requests"): the request
 * body is a stream of JSON messages, newline-delimited ({@code application/x-ndjson}) or one JSON array
 * ({@code application/json}), each message translated and sent to the member as soon as it has been read, never the
 * whole body; the answer is one JSON object (client streaming), or the member's messages as NDJSON lines or JSON array
 * elements written and flushed one by one (bidirectional).
 */
final class JsonStream {
    private JsonStream() {
    }

    /** How the request body separates its messages. */
    enum Framing {
        /** One JSON value per line (any whitespace between values is taken). */
        NDJSON,
        /** {@code application/json}: a top-level array whose elements are the messages, or a single value: one message. */
        JSON
    }

    /** How the answer is written. */
    enum Shape {
        /** One JSON object (client streaming): sent whole once the call has ended. */
        OBJECT,
        /** One message per line, {@code application/x-ndjson}. */
        NDJSON,
        /** One JSON array, {@code application/json}. */
        ARRAY
    }

    /** The request framing of a content-type; null when it is neither JSON nor NDJSON. No content-type: JSON. */
    static Framing framing(String contentType) {
        if (contentType == null) {
            return Framing.JSON;
        }
        String ct = mediaType(contentType);
        return switch (ct) {
            case "application/x-ndjson", "application/ndjson", "application/jsonl", "application/x-jsonlines", "application/jsonlines" ->
                    Framing.NDJSON;
            case "application/json" -> Framing.JSON;
            default -> null;
        };
    }

    /**
     * The shape of a bidirectional answer: what {@code Accept} asks for (NDJSON, or {@code application/json}: an
     * array), else the request's own framing.
     */
    static Shape streamShape(String accept, Framing request) {
        if (accept != null) {
            String a = accept.toLowerCase(Locale.ROOT);
            if (a.contains("ndjson") || a.contains("application/jsonl") || a.contains("jsonlines")) {
                return Shape.NDJSON;
            }
            if (a.contains("application/json")) {
                return Shape.ARRAY;
            }
        }
        return request == Framing.NDJSON ? Shape.NDJSON : Shape.ARRAY;
    }

    private static String mediaType(String contentType) {
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    /** Makes the protobuf bytes of request message {@code index} (from 0) out of its JSON. */
    @FunctionalInterface
    interface Translator {
        byte[] toProto(String json, int index) throws Upload.BadMessage;
    }

    /**
     * Reads JSON messages from the request body one at a time: finds where each value ends (brackets, strings and
     * escapes tracked, nothing parsed), bounded by the route's max-message-size, and hands it to the translator. Reads
     * only as far as the end of the current message, so a message goes to the member while the client is still
     * sending the next.
     */
    static final class Reader implements Upload.Source {
        private enum State { START, ARRAY, SINGLE, DONE }

        private final InputStream in;
        private final Framing framing;
        private final int max;
        private final Translator translator;
        private final ByteArrayOutputStream value = new ByteArrayOutputStream(256);
        private State state = State.START;
        private int index;
        private long bytes;
        private int pushedBack = -2;

        Reader(InputStream in, Framing framing, int maxMessage, Translator translator) {
            // read() on a BufferedInputStream returns what one read of the body gave: it does not wait to fill its buffer
            this.in = new BufferedInputStream(in, 8192);
            this.framing = framing;
            this.max = maxMessage;
            this.translator = translator;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public byte[] next() throws IOException, Upload.BadMessage {
            if (framing == Framing.NDJSON) {
                int c = skipWhitespace();
                return c < 0 ? null : translator.toProto(value(c), index++);
            }
            switch (state) {
                case START -> {
                    int c = skipWhitespace();
                    if (c < 0) {
                        state = State.DONE;
                        return null;
                    }
                    if (c != '[') {
                        state = State.SINGLE; // application/json with one message that is not an array
                        return translator.toProto(value(c), index++);
                    }
                    state = State.ARRAY;
                    c = skipWhitespace();
                    if (c == ']') {
                        return endOfArray();
                    }
                    return translator.toProto(value(c), index++);
                }
                case ARRAY -> {
                    int c = skipWhitespace();
                    if (c == ']') {
                        return endOfArray();
                    }
                    if (c != ',') {
                        throw malformed(c < 0 ? "the body ends before the array's closing ]"
                                : "expected , or ] after message " + (index - 1) + ", got " + describe(c));
                    }
                    return translator.toProto(value(skipWhitespace()), index++);
                }
                case SINGLE -> {
                    int c = skipWhitespace();
                    if (c >= 0) {
                        throw malformed("more after the body's one message (" + describe(c) + "): send several messages as a JSON "
                                + "array, or as application/x-ndjson with one message per line");
                    }
                    state = State.DONE;
                    return null;
                }
                default -> {
                    return null;
                }
            }
        }

        private byte[] endOfArray() throws IOException, Upload.BadMessage {
            int c = skipWhitespace();
            if (c >= 0) {
                throw malformed("more after the array's closing ] (" + describe(c) + ")");
            }
            state = State.DONE;
            return null;
        }

        /** One JSON value starting with {@code c}, as text, bounded by max-message-size. */
        private String value(int c) throws IOException, Upload.BadMessage {
            value.reset();
            if (c < 0) {
                throw malformed("the body ends where message " + index + " should begin");
            }
            if (c == '{' || c == '[' || c == '"') {
                int depth = 0;
                StringBuilder open = new StringBuilder(); // the brackets open, innermost last
                boolean string = false;
                boolean escape = false;
                while (true) {
                    if (c < 0) {
                        throw malformed("the body ends inside message " + index);
                    }
                    append(c);
                    if (string) {
                        if (escape) {
                            escape = false;
                        } else if (c == '\\') {
                            escape = true;
                        } else if (c == '"') {
                            string = false;
                            if (depth == 0) {
                                break; // a string message (body: a string field)
                            }
                        }
                    } else if (c == '"') {
                        string = true;
                    } else if (c == '{' || c == '[') {
                        depth++;
                        open.append((char) c);
                    } else if (c == '}' || c == ']') {
                        char opened = open.charAt(open.length() - 1);
                        if ((c == '}') != (opened == '{')) {
                            throw malformed("'" + (char) c + "' closes a '" + opened + "' in message " + index);
                        }
                        open.setLength(open.length() - 1);
                        if (--depth == 0) {
                            break;
                        }
                    }
                    c = read();
                }
            } else if (c == ']' || c == '}' || c == ',') {
                throw malformed("expected message " + index + ", got " + describe(c));
            } else {
                // a number, true, false or null (body: a scalar field): up to the next separator
                while (c >= 0 && !whitespace(c) && c != ',' && c != ']') {
                    append(c);
                    c = read();
                }
                pushedBack = c;
            }
            return value.toString(StandardCharsets.UTF_8);
        }

        private void append(int c) throws Upload.BadMessage {
            if (value.size() >= max) {
                throw new Upload.BadMessage(Status.INVALID_ARGUMENT.withDescription("request message " + index + " is longer than the "
                        + "route's max-message-size of " + max + " bytes"), 413);
            }
            value.write(c);
        }

        private int skipWhitespace() throws IOException {
            int c;
            do {
                c = read();
            } while (c >= 0 && whitespace(c));
            return c;
        }

        private int read() throws IOException {
            if (pushedBack != -2) {
                int c = pushedBack;
                pushedBack = -2;
                return c;
            }
            int c = in.read();
            if (c >= 0) {
                bytes++;
            }
            return c;
        }

        private static boolean whitespace(int c) {
            return c == ' ' || c == '\n' || c == '\r' || c == '\t';
        }

        private static String describe(int c) {
            return c >= 0x20 && c < 0x7f ? "'" + (char) c + "'" : String.format("byte 0x%02x", c);
        }

        private Upload.BadMessage malformed(String why) {
            return new Upload.BadMessage(Status.INVALID_ARGUMENT.withDescription("malformed request stream at message " + index + ": "
                    + why), 400);
        }
    }

    /**
     * A streamed answer cut after it began: the client must not take it for a complete one. Helidon closes the
     * connection (HTTP/1.1: without the last chunk; HTTP/2: the stream is reset) and logs it only at FINE.
     */
    static final class Cut extends CloseConnectionException {
        Cut(String message) {
            super(message);
        }
    }

    /**
     * Writes the answer of a translated client-streaming or bidirectional call, relayed by {@link GrpcRoute}'s
     * {@code call}: nothing is committed before the first answer message (or the end), so an error before it is a
     * plain JSON error with its HTTP status.
     */
    static final class Answer implements GrpcRoute.Wire {
        private static final OutputStream UNCOMMITTED = OutputStream.nullOutputStream();
        private final GrpcRoute route;
        private final HttpBinding binding;
        private final Descriptors.Descriptor type;
        private final Shape shape;
        private final Upload upload;
        private final boolean http1;
        private final boolean trailers;
        private ServerResponse res;
        private GrpcRoute.Exchange x;
        private Metadata headers;
        private OutputStream out;
        private String single;
        private String broken;
        private int sent;

        Answer(GrpcRoute route, HttpBinding binding, Shape shape, Upload upload, boolean http1, boolean trailers) {
            this.trailers = trailers;
            this.route = route;
            this.binding = binding;
            this.type = binding.method().getOutputType();
            this.shape = shape;
            this.upload = upload;
            this.http1 = http1;
        }

        @Override
        public OutputStream begin(ServerResponse res, GrpcRoute.Exchange x, Metadata headers) {
            this.res = res;
            this.x = x;
            if (headers != null) {
                this.headers = headers;
            }
            return UNCOMMITTED;
        }

        @Override
        public long message(OutputStream ignored, byte[] msg) throws IOException {
            String json;
            try {
                json = route.responseJson(DynamicMessage.parseFrom(type, msg), binding);
            } catch (InvalidProtocolBufferException e) {
                String why = "answer message " + sent + " is not a " + type.getFullName() + ": " + e.getMessage();
                if (out == null) {
                    broken = why; // answered at the end, as a 502
                    return 0;
                }
                writeError(Status.Code.INTERNAL, why, null);
                throw new Cut(why);
            }
            sent++;
            if (shape == Shape.OBJECT) {
                if (single == null) {
                    single = json;
                }
                return json.length();
            }
            byte[] b = json.getBytes(StandardCharsets.UTF_8);
            long written = b.length + 1;
            if (out == null) {
                commit();
                if (shape == Shape.ARRAY) {
                    out.write('[');
                }
            } else if (shape == Shape.ARRAY) {
                out.write(',');
            }
            out.write(b);
            if (shape == Shape.NDJSON) {
                out.write('\n');
            }
            out.flush();
            return written;
        }

        @Override
        public void end(ServerResponse res, OutputStream ignored, Status s, Metadata trailers) throws IOException {
            if (out == null) {
                unstarted(res, s, trailers);
                return;
            }
            if (s.isOk()) {
                if (shape == Shape.ARRAY) {
                    out.write(']');
                }
                if (this.trailers) {
                    GrpcRoute.endTrailers(res, trailers);
                }
                out.close();
                return;
            }
            // the answer has begun with 200: its last element says what went wrong, and the stream is cut so that no
            // client takes it for a complete answer
            String why = s.getDescription() == null ? s.getCode().name() : s.getDescription();
            writeError(s.getCode(), why, trailers);
            throw new Cut("the call failed after " + sent + " answer messages: " + s.getCode() + ": " + why);
        }

        @Override
        public void trailersOnly(ServerResponse res, GrpcRoute.Exchange x, Status s, Metadata trailers) {
            this.res = res;
            this.x = x;
            unstarted(res, s, trailers);
        }

        /** The whole answer, nothing having been sent yet: the message (or the empty stream), or the error. */
        private void unstarted(ServerResponse res, Status s, Metadata trailers) {
            closeIfUnread(res);
            if (!s.isOk()) {
                int http = upload.failure() != null && upload.failureHttp() != 0 ? upload.failureHttp()
                        : GrpcStatuses.httpStatus(s.getCode());
                route.jsonError(res, http, s.getCode(), s.getDescription() == null ? s.getCode().name() : s.getDescription(), trailers, x);
                return;
            }
            if (broken != null || (shape == Shape.OBJECT && single == null)) {
                String why = broken != null ? broken : "the member ended a client-streaming call without an answer message";
                if (x.log() != null) {
                    x.log().statusOverride = 502;
                    x.log().grpcStatus = Status.Code.INTERNAL.value();
                }
                route.jsonError(res, 502, Status.Code.INTERNAL, why, null, x);
                return;
            }
            GrpcRoute.begin(res, x, headers);
            if (shape == Shape.NDJSON) {
                res.headers().set(HeaderNames.CONTENT_TYPE, "application/x-ndjson");
            }
            GrpcRoute.trailersAsHeaders(res, trailers, x.traceHeader());
            String body = switch (shape) {
                case OBJECT -> single;
                case ARRAY -> "[]";
                case NDJSON -> "";
            };
            res.send(body.getBytes(StandardCharsets.UTF_8));
        }

        /** Status 200 and the head, with the first answer message. */
        private void commit() {
            closeIfUnread(res);
            out = GrpcRoute.beginStream(res, x, headers, trailers);
            if (shape == Shape.NDJSON) {
                res.headers().set(HeaderNames.CONTENT_TYPE, "application/x-ndjson");
            }
        }

        /**
         * {@code Connection: close} on an HTTP/1.1 answer given before the request body was read to its end (a bidi
         * member answering while the client still sends, an error mid-stream): the rest of the body is never read, so
         * the connection cannot carry another request.
         */
        private void closeIfUnread(ServerResponse res) {
            if (http1 && !upload.ended()) {
                res.headers().set(HeaderNames.CONNECTION, "close");
            }
        }

        private void writeError(Status.Code code, String message, Metadata trailers) throws IOException {
            String error = "{\"error\":" + route.errorJson(code, message, trailers) + "}";
            if (shape == Shape.ARRAY) {
                out.write(',');
            }
            out.write(error.getBytes(StandardCharsets.UTF_8));
            if (shape == Shape.NDJSON) {
                out.write('\n');
            }
            out.flush();
        }
    }
}
