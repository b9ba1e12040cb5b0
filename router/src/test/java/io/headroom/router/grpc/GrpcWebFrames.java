package io.headroom.router.grpc;

import com.google.protobuf.DynamicMessage;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The client's side of gRPC-Web for the tests, written here independently of the router's code: length-prefixed
 * frames, the request as a gRPC-Web client sends it, and an answer's frames read as they come (binary, or base64 in
 * 4-character groups).
 */
final class GrpcWebFrames {
    private GrpcWebFrames() {
    }

    /** A length-prefixed frame. */
    static byte[] frame(int flag, byte[] payload) {
        byte[] f = new byte[5 + payload.length];
        f[0] = (byte) flag;
        f[1] = (byte) (payload.length >>> 24);
        f[2] = (byte) (payload.length >>> 16);
        f[3] = (byte) (payload.length >>> 8);
        f[4] = (byte) payload.length;
        System.arraycopy(payload, 0, f, 5, payload.length);
        return f;
    }

    /** A message frame of {@code m} as protobuf. */
    static byte[] frame(DynamicMessage m) {
        return frame(0, m.toByteArray());
    }

    /** A message frame of {@code json}, UTF-8 (the {@code +json} codec). */
    static byte[] frame(String json) {
        return frame(0, json.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * POST {@code body} to {@code /headroom.test.Library/METHOD} of the fixture's router with {@code client}, as a
     * gRPC-Web client sends it ({@code x-grpc-web: 1}, {@code x-user-agent}), with header name/value pairs; the answer's
     * body as it comes.
     */
    static HttpResponse<InputStream> post(GrpcFixture f, HttpClient client, String method, String contentType, byte[] body, String... headers)
            throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(f.uri("/headroom.test.Library/" + method))
                .timeout(Duration.ofSeconds(30))
                .header("content-type", contentType)
                .header("x-grpc-web", "1")
                .header("x-user-agent", "grpc-web-javascript/0.1");
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return client.send(r.POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** {@link #post(GrpcFixture, HttpClient, String, String, byte[], String...)} over HTTP/1.1. */
    static HttpResponse<InputStream> post(GrpcFixture f, String method, String contentType, byte[] body, String... headers) throws Exception {
        return post(f, f.http, method, contentType, body, headers);
    }

    /**
     * A CORS preflight of {@code /headroom.test.Library/GetBook} from {@code origin}, for POST with the headers a gRPC-Web
     * client and its metadata ({@code x-tenant}) need, with more header name/value pairs.
     */
    static HttpResponse<String> preflight(GrpcFixture f, String origin, String... headers) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(f.uri("/headroom.test.Library/GetBook"))
                .timeout(Duration.ofSeconds(30))
                .header("Origin", origin)
                .header("Access-Control-Request-Method", "POST")
                .header("Access-Control-Request-Headers", "content-type,x-grpc-web,x-user-agent,x-tenant");
        for (int i = 0; i < headers.length; i += 2) {
            r.header(headers[i], headers[i + 1]);
        }
        return f.http.send(r.method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A frame of the answer. */
    record Frame(int flag, byte[] payload) {
        Map<String, String> trailers() {
            Map<String, String> t = new LinkedHashMap<>();
            for (String line : new String(payload, StandardCharsets.US_ASCII).split("\r\n")) {
                int colon = line.indexOf(':');
                t.put(line.substring(0, colon), line.substring(colon + 1).strip());
            }
            return t;
        }

        /** The payload as UTF-8 text (a {@code +json} message). */
        String text() {
            return new String(payload, StandardCharsets.UTF_8);
        }

        DynamicMessage book() throws Exception {
            return DynamicMessage.parseFrom(LibraryServer.type("Book"), payload);
        }
    }

    /** Reads an answer's frames as they come: binary, or base64 in 4-character groups (each padded chunk on its own). */
    static final class Frames {
        private final InputStream in;
        private final boolean text;

        Frames(InputStream in, boolean text) {
            this.in = in;
            this.text = text;
        }

        private byte[] bytes(int n) throws IOException {
            if (!text) {
                byte[] b = in.readNBytes(n);
                if (b.length < n) {
                    throw new IOException("the answer ended inside a frame");
                }
                return b;
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (out.size() < n) {
                byte[] group = in.readNBytes(4);
                if (group.length < 4) {
                    throw new IOException("the answer ended inside a base64 group");
                }
                out.writeBytes(Base64.getDecoder().decode(group));
            }
            byte[] b = out.toByteArray();
            if (b.length != n) {
                throw new IOException("a base64 chunk ran over a frame boundary"); // the router pads each frame
            }
            return b;
        }

        /** The next frame, or null at the end of the answer. */
        Frame next() throws IOException {
            byte[] prefix;
            if (!text) {
                prefix = in.readNBytes(5);
                if (prefix.length == 0) {
                    return null;
                }
                if (prefix.length < 5) {
                    throw new IOException("the answer ended inside a frame prefix");
                }
                int len = ((prefix[1] & 0xff) << 24) | ((prefix[2] & 0xff) << 16) | ((prefix[3] & 0xff) << 8) | (prefix[4] & 0xff);
                return new Frame(prefix[0] & 0xff, bytes(len));
            }
            // base64: a frame is one padded chunk; decode groups until its prefix and payload are complete
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            while (true) {
                byte[] group = in.readNBytes(4);
                if (group.length == 0 && out.size() == 0) {
                    return null;
                }
                if (group.length < 4) {
                    throw new IOException("the answer ended inside a base64 group");
                }
                out.writeBytes(Base64.getDecoder().decode(group));
                byte[] b = out.toByteArray();
                if (b.length >= 5) {
                    int len = ((b[1] & 0xff) << 24) | ((b[2] & 0xff) << 16) | ((b[3] & 0xff) << 8) | (b[4] & 0xff);
                    if (b.length == 5 + len) {
                        return new Frame(b[0] & 0xff, java.util.Arrays.copyOfRange(b, 5, b.length));
                    }
                    if (b.length > 5 + len) {
                        throw new IOException("a base64 chunk ran over a frame boundary"); // the router pads each frame
                    }
                }
            }
        }

        List<Frame> all() throws IOException {
            List<Frame> frames = new ArrayList<>();
            for (Frame f; (f = next()) != null; ) {
                frames.add(f);
            }
            return frames;
        }
    }

    static String header(HttpResponse<?> r, String name) {
        return r.headers().firstValue(name).orElse(null);
    }

    static String b64(byte[] b) {
        return Base64.getEncoder().encodeToString(b);
    }
}
