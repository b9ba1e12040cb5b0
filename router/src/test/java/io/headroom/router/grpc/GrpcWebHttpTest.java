package io.headroom.router.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.grpc.Metadata;
import io.grpc.Status;
import io.headroom.router.auth.ApiKeyStore;
import io.headroom.router.grpc.GrpcWebFrames.Frame;
import io.headroom.router.grpc.GrpcWebFrames.Frames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import static io.headroom.router.grpc.GrpcWebFrames.b64;
import static io.headroom.router.grpc.GrpcWebFrames.frame;
import static io.headroom.router.grpc.GrpcWebFrames.header;
import static io.headroom.router.grpc.GrpcWebFrames.post;
import static io.headroom.router.grpc.GrpcWebFrames.preflight;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * gRPC-Web through the real router on 127.0.0.1 against a real grpc-java server, with the JDK HttpClient speaking
 * gRPC-Web (frames encoded and decoded here, independently of the router's code): unary binary and text (a base64 body
 * in two padded chunks), server streaming seen message by message, errors in the trailer frame and trailers-only,
 * metadata both ways, the client's deadline, malformed requests, CORS (preflight before authentication), retries of a
 * refused member, the access log, and HTTP/2.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class GrpcWebHttpTest {
    private static final String ORIGIN = "https://app.example.com";
    private GrpcFixture f;
    private LibraryServer member;

    @BeforeAll
    void start() throws Exception {
        f = new GrpcFixture("grpc-web", "a");
        member = f.member("a");
        f.start("""
                router:
                  listen: 127.0.0.1:0
                  access-log: {enabled: true, fields: [route, path, status, grpc_status], file: ${log}}
                  auth:
                    api-keys: {keys: [{consumer: alice, sha256: ${alice}}]}
                  pools:
                    library:
                      backends: [${a}]
                      request-timeout: 5m   # longer than any wait here: a call that ends early was ended by the router
                    half-dead: {backends: [${dead}, ${a}], ${retry-refused}}
                    dead:
                      backends: [${dead}]
                  routes:
                    - name: web-keyed
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: keyed}
                      pool: library
                      auth: {methods: [api-key]}
                      grpc:
                        web: {cors-origins: ["${origin}"]}
                    - name: web-half
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: half}
                      pool: half-dead
                      grpc: {web: true}
                    - name: web-dead
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: dead}
                      pool: dead
                      grpc: {web: true}
                    - name: web
                      path-prefix: /headroom.test.Library/
                      pool: library
                      grpc:
                        passthrough: true
                        max-message-size: 1KB
                        web:
                          cors-origins: ["${origin}"]
                          expose-headers: [x-cost, x-served-by]
                          max-age: 5m
                """, "alice", ApiKeyStore.hashHex("alice-key"), "origin", ORIGIN);
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    // ---- request messages ---------------------------------------------------------------------------------------------

    private static DynamicMessage getBook(String shelf, String id) {
        Descriptors.Descriptor t = LibraryServer.type("GetBookRequest");
        return DynamicMessage.newBuilder(t).setField(t.findFieldByName("shelf"), shelf).setField(t.findFieldByName("id"), id).build();
    }

    private static DynamicMessage listBooks(String shelf, int count) {
        Descriptors.Descriptor t = LibraryServer.type("ListBooksRequest");
        return DynamicMessage.newBuilder(t).setField(t.findFieldByName("shelf"), shelf).setField(t.findFieldByName("count"), count).build();
    }

    private static DynamicMessage failRequest(Status.Code code, String message) {
        Descriptors.Descriptor t = LibraryServer.type("FailRequest");
        return DynamicMessage.newBuilder(t).setField(t.findFieldByName("code"), code.value())
                .setField(t.findFieldByName("message"), message).build();
    }

    private static DynamicMessage sleep(int millis) {
        Descriptors.Descriptor t = LibraryServer.type("SleepRequest");
        return DynamicMessage.newBuilder(t).setField(t.findFieldByName("millis"), millis).build();
    }

    // ---- calls ----------------------------------------------------------------------------------------------------------

    @Test
    void unaryBinaryCallWithMetadataBothWays() throws Exception {
        HttpResponse<InputStream> r = post(f, "GetBook", "application/grpc-web+proto", frame(getBook("s1", "7")),
                "x-tenant", "acme", "x-trace-bin", b64(new byte[]{0, 1, (byte) 0xff}));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "content-type")).isEqualTo("application/grpc-web+proto");
        assertThat(header(r, "x-served-by")).isEqualTo("a"); // the member's response metadata, as headers
        assertThat(r.headers().allValues("x-trace-id")).singleElement().satisfies(v -> assertThat(v).matches("[0-9a-f]{32}"));
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(frames).hasSize(2);
        assertThat(frames.get(0).flag()).isZero();
        assertThat(LibraryServer.field(frames.get(0).book(), "title")).isEqualTo("Title of 7");
        assertThat(frames.get(1).flag()).isEqualTo(0x80);
        Map<String, String> trailers = frames.get(1).trailers();
        assertThat(trailers).containsEntry("grpc-status", "0").containsEntry("x-cost", "3")
                .containsEntry("x-digest-bin", Base64.getEncoder().withoutPadding().encodeToString(new byte[]{1, 2, (byte) 0xfe}));
        assertThat(trailers.keySet()).allMatch(k -> k.equals(k.toLowerCase(java.util.Locale.ROOT)));
        // the request's metadata reached the member; the gRPC-Web marker did not, the client's x-user-agent did
        Metadata got = member.lastHeaders.get();
        assertThat(got.get(Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("acme");
        assertThat(got.get(Metadata.Key.of("x-trace-bin", Metadata.BINARY_BYTE_MARSHALLER))).containsExactly(0, 1, 0xff);
        assertThat(got.get(Metadata.Key.of("x-user-agent", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("grpc-web-javascript/0.1");
        assertThat(got.containsKey(Metadata.Key.of("x-grpc-web", Metadata.ASCII_STRING_MARSHALLER))).isFalse();
        assertThat(got.get(Metadata.Key.of("x-forwarded-for", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("127.0.0.1");
    }

    @Test
    void unaryTextCallWithABodyInTwoPaddedChunks() throws Exception {
        byte[] whole = frame(getBook("s2", "text"));
        // two base64 chunks, each padded, one after the other (as a client that encodes as it writes sends them)
        int cut = 4; // 4 bytes: the first chunk ends with "=="
        String body = b64(java.util.Arrays.copyOf(whole, cut)) + b64(java.util.Arrays.copyOfRange(whole, cut, whole.length));
        assertThat(body.substring(0, 8)).endsWith("==");
        HttpResponse<InputStream> r = post(f, "GetBook", "application/grpc-web-text", body.getBytes(StandardCharsets.US_ASCII),
                "accept", "application/grpc-web-text");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "content-type")).isEqualTo("application/grpc-web-text+proto");
        List<Frame> frames = new Frames(r.body(), true).all();
        assertThat(frames).hasSize(2);
        assertThat(LibraryServer.field(frames.get(0).book(), "title")).isEqualTo("Title of text");
        assertThat(frames.get(1).trailers()).containsEntry("grpc-status", "0").containsEntry("x-cost", "3");
    }

    @Test
    void serverStreamingMessagesArriveBeforeTheStreamEnds() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        member.gates.put("gated", gate);
        try {
            HttpResponse<InputStream> r = post(f, "ListBooks", "application/grpc-web+proto", frame(listBooks("gated", 3)));
            assertThat(r.statusCode()).isEqualTo(200);
            Frames frames = new Frames(r.body(), false);
            Frame first = frames.next();
            // the member holds the rest of the stream until the gate opens: the first message came while the call goes on
            assertThat(gate.getCount()).isEqualTo(1);
            assertThat(first.flag()).isZero();
            assertThat(LibraryServer.field(first.book(), "title")).isEqualTo("Book 0");
            gate.countDown();
            List<Frame> rest = frames.all();
            assertThat(rest).hasSize(3);
            assertThat(LibraryServer.field(rest.get(1).book(), "title")).isEqualTo("Book 2");
            assertThat(rest.get(2).trailers()).containsEntry("grpc-status", "0");
        } finally {
            gate.countDown();
            member.gates.remove("gated");
        }
        // the same in text, 50 messages, each frame its own padded base64 chunk
        HttpResponse<InputStream> r = post(f, "ListBooks", "application/grpc-web-text+proto",
                b64(frame(listBooks("many", 50))).getBytes(StandardCharsets.US_ASCII));
        List<Frame> frames = new Frames(r.body(), true).all();
        assertThat(frames).hasSize(51);
        assertThat(LibraryServer.field(frames.get(49).book(), "title")).isEqualTo("Book 49");
        assertThat(frames.get(50).trailers()).containsEntry("grpc-status", "0");
    }

    @Test
    void aClientThatGoesAwayMidStreamCancelsTheCall() throws Exception {
        int before = member.cancelled.get();
        HttpResponse<InputStream> r = post(f, "ListBooks", "application/grpc-web+proto", frame(listBooks("endless", 0)));
        Frames frames = new Frames(r.body(), false);
        for (int i = 0; i < 3; i++) {
            assertThat(LibraryServer.field(frames.next().book(), "title")).isEqualTo("Book " + i);
        }
        r.body().close(); // the browser's tab closes: the router's next writes fail, and it cancels the call at the member
        // (long before the pool's 5-minute deadline would)
        await().atMost(Duration.ofSeconds(60)).until(() -> member.cancelled.get() > before);
        String cancelled = "{\"route\":\"web\",\"path\":\"/headroom.test.Library/ListBooks\",\"status\":499,\"grpc_status\":1}";
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(f.log) && Files.readString(f.log).contains(cancelled));
    }

    @Test
    void anErrorAfterMessagesEndsWithItsStatusInTheTrailerFrame() throws Exception {
        HttpResponse<InputStream> r = post(f, "ListBooks", "application/grpc-web+proto", frame(listBooks("short", -2)));
        assertThat(r.statusCode()).isEqualTo(200);
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(frames).hasSize(3);
        assertThat(frames.get(2).flag()).isEqualTo(0x80);
        assertThat(frames.get(2).trailers()).containsEntry("grpc-status", Integer.toString(Status.Code.OUT_OF_RANGE.value()))
                .containsEntry("grpc-message", "shelf short ends after 2 books").containsEntry("x-cost", "3");
    }

    @Test
    void anErrorBeforeAnyMessageIsTrailersOnly() throws Exception {
        HttpResponse<InputStream> r = post(f, "Fail", "application/grpc-web+proto", frame(failRequest(Status.Code.NOT_FOUND, "no such book: 100%")));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "grpc-status")).isEqualTo("5");
        assertThat(header(r, "grpc-message")).isEqualTo("no such book: 100%25");
        assertThat(header(r, "grpc-status-details-bin")).isNotEmpty();
        assertThat(header(r, "x-cost")).isEqualTo("3");
        assertThat(header(r, "content-type")).isEqualTo("application/grpc-web+proto");
        assertThat(r.body().readAllBytes()).isEmpty();
        // text: the same, in the headers
        HttpResponse<InputStream> t = post(f, "GetBook", "application/grpc-web-text", b64(frame(getBook("s", "missing"))).getBytes(StandardCharsets.US_ASCII));
        assertThat(header(t, "grpc-status")).isEqualTo("5");
        assertThat(header(t, "content-type")).isEqualTo("application/grpc-web-text+proto");
        assertThat(t.body().readAllBytes()).isEmpty();
    }

    @Test
    void theClientsDeadlineEndsTheCall() throws Exception {
        HttpResponse<InputStream> r = post(f, "Sleep", "application/grpc-web+proto", frame(sleep(5_000)), "grpc-timeout", "300m");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "grpc-status")).isEqualTo(Integer.toString(Status.Code.DEADLINE_EXCEEDED.value()));
        r.body().readAllBytes();
    }

    @Test
    void aRefusedMemberIsRetriedAndNoMemberIsUnavailable() throws Exception {
        for (int i = 0; i < 4; i++) { // round robin: half of these go to the dead member first
            HttpResponse<InputStream> r = post(f, "GetBook", "application/grpc-web", frame(getBook("s", "r" + i)), "x-route", "half");
            List<Frame> frames = new Frames(r.body(), false).all();
            assertThat(frames.get(frames.size() - 1).trailers()).containsEntry("grpc-status", "0");
        }
        HttpResponse<InputStream> r = post(f, "GetBook", "application/grpc-web", frame(getBook("s", "x")), "x-route", "dead");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "grpc-status")).isEqualTo(Integer.toString(Status.Code.UNAVAILABLE.value()));
        r.body().readAllBytes();
    }

    // ---- malformed requests -----------------------------------------------------------------------------------------

    private void refused(int http, Status.Code code, String messagePart, String method, String contentType, byte[] body,
                         String... headers) throws Exception {
        int calls = member.calls.get();
        HttpResponse<InputStream> r = post(f, method, contentType, body, headers);
        r.body().readAllBytes();
        assertThat(r.statusCode()).as(messagePart).isEqualTo(http);
        assertThat(header(r, "grpc-status")).as(messagePart).isEqualTo(Integer.toString(code.value()));
        assertThat(java.net.URLDecoder.decode(header(r, "grpc-message").replace("+", "%2B"), StandardCharsets.UTF_8)).contains(messagePart);
        assertThat(member.calls.get()).as("the member is not called").isEqualTo(calls);
    }

    @Test
    void malformedRequestsAreRefusedWithWhatIsWrong() throws Exception {
        byte[] ok = frame(getBook("s", "1"));
        byte[] badFlag = ok.clone();
        badFlag[0] = 2;
        refused(400, Status.Code.INVALID_ARGUMENT, "message flag 0x2 at byte 0", "GetBook", "application/grpc-web", badFlag);
        byte[] trailer = frame(0x80, "grpc-status: 0\r\n".getBytes(StandardCharsets.US_ASCII));
        refused(400, Status.Code.INVALID_ARGUMENT, "a trailer frame (flag 0x80) in a request", "GetBook", "application/grpc-web", trailer);
        refused(400, Status.Code.INVALID_ARGUMENT, "the body ends inside a message prefix: 3 of its 5 bytes", "GetBook",
                "application/grpc-web", java.util.Arrays.copyOf(ok, 3));
        refused(400, Status.Code.INVALID_ARGUMENT, "the body ends inside a message: 2 of its " + (ok.length - 5) + " bytes", "GetBook",
                "application/grpc-web", java.util.Arrays.copyOf(ok, 7));
        refused(400, Status.Code.INVALID_ARGUMENT, "the body holds no message", "GetBook", "application/grpc-web", new byte[0]);
        refused(400, Status.Code.INVALID_ARGUMENT, "bad base64: byte 0x2a at offset 3 is not a base64 character", "GetBook",
                "application/grpc-web-text", "AAA*AAAA".getBytes(StandardCharsets.US_ASCII));
        refused(400, Status.Code.INVALID_ARGUMENT, "bad base64: the body ends with 1 character of a 4-character group", "GetBook",
                "application/grpc-web-text", (b64(ok) + "Q").getBytes(StandardCharsets.US_ASCII));
        refused(400, Status.Code.INVALID_ARGUMENT, "a compressed message (flag 1) without grpc-encoding: gzip", "GetBook",
                "application/grpc-web", frame(1, new byte[]{1, 2, 3}));
        // max-message-size: 1KB
        refused(413, Status.Code.RESOURCE_EXHAUSTED, "a request message of 2000 bytes is over the route's max-message-size of 1024 bytes",
                "GetBook", "application/grpc-web", frame(0, new byte[2000]));
        refused(415, Status.Code.UNIMPLEMENTED, "route web has no descriptors to translate JSON messages to protobuf with", "GetBook",
                "application/grpc-web+json", frame(0, "{}".getBytes(StandardCharsets.US_ASCII)));
        refused(415, Status.Code.UNIMPLEMENTED, "the router takes protobuf and JSON messages only", "GetBook", "application/grpc-web+thrift",
                ok);
        refused(400, Status.Code.INVALID_ARGUMENT, "malformed grpc-timeout 5 parsecs", "GetBook", "application/grpc-web", ok,
                "grpc-timeout", "5 parsecs");
        refused(404, Status.Code.UNIMPLEMENTED, "not a gRPC method path", "GetBook/extra", "application/grpc-web", ok);
        refused(415, Status.Code.UNIMPLEMENTED, "grpc-encoding br is not supported", "GetBook", "application/grpc-web", ok,
                "grpc-encoding", "br");
        // a gzip-compressed message is taken with grpc-encoding: gzip
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        try (var gz = new java.util.zip.GZIPOutputStream(z)) {
            gz.write(getBook("s", "zipped").toByteArray());
        }
        HttpResponse<InputStream> r = post(f, "GetBook", "application/grpc-web", frame(1, z.toByteArray()), "grpc-encoding", "gzip");
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(LibraryServer.field(frames.get(0).book(), "title")).isEqualTo("Title of zipped");
    }

    @Test
    void callsAndRefusalsAreCountedInTheRoutesTelemetry() throws Exception {
        f.freshWindows();
        post(f, "GetBook", "application/grpc-web", new byte[]{9}).body().readAllBytes(); // malformed: refused by the router
        post(f, "GetBook", "application/grpc-web", frame(0, new byte[5000])).body().readAllBytes(); // over max-message-size
        post(f, "Fail", "application/grpc-web", frame(failRequest(Status.Code.INTERNAL, "broken"))).body().readAllBytes();
        String memberAddress = "127.0.0.1:" + member.port();
        f.awaitWindows(windows -> {
            long rejected = 0;
            long serverErrors = 0;
            for (var w : windows) {
                if (w.route().equals("web")) {
                    for (var b : w.backends()) {
                        if (b.backend().equals("-")) {
                            rejected += b.rejections();
                        } else if (b.backend().equals(memberAddress)) {
                            serverErrors += b.status5xx();
                        }
                    }
                }
            }
            assertThat(rejected).isEqualTo(2);
            assertThat(serverErrors).as("INTERNAL is the HTTP 500 of a gRPC status").isEqualTo(1);
        });
    }

    // ---- CORS -------------------------------------------------------------------------------------------------------

    @Test
    void corsPreflightsAreAnsweredAndAnswersExposeTheGrpcHeaders() throws Exception {
        HttpResponse<String> p = preflight(f, ORIGIN);
        assertThat(p.statusCode()).isEqualTo(204);
        assertThat(header(p, "access-control-allow-origin")).isEqualTo(ORIGIN);
        assertThat(header(p, "access-control-allow-methods")).isEqualTo("POST");
        assertThat(header(p, "access-control-allow-headers")).isEqualTo("content-type,x-grpc-web,x-user-agent,x-tenant");
        assertThat(header(p, "access-control-max-age")).isEqualTo("300");
        assertThat(p.headers().allValues("vary")).contains("Origin");
        HttpResponse<String> other = preflight(f, "https://evil.example");
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.body()).contains("origin https://evil.example is not in the cors-origins of route web");
        assertThat(header(other, "access-control-allow-origin")).isNull();
        // the call itself: the browser's script may read grpc-status, grpc-message and the listed headers
        HttpResponse<InputStream> r = post(f, "GetBook", "application/grpc-web", frame(getBook("s", "c")), "Origin", ORIGIN);
        r.body().readAllBytes();
        assertThat(header(r, "access-control-allow-origin")).isEqualTo(ORIGIN);
        assertThat(header(r, "access-control-expose-headers"))
                .isEqualTo("grpc-status, grpc-message, grpc-status-details-bin, x-cost, x-served-by");
        HttpResponse<InputStream> stranger = post(f, "GetBook", "application/grpc-web", frame(getBook("s", "c")), "Origin", "https://evil.example");
        stranger.body().readAllBytes();
        assertThat(header(stranger, "access-control-allow-origin")).isNull();
        // a route behind an API key: the preflight (no credentials) is answered; the call without a key is a 401 the
        // script can still read, with the key it goes through
        HttpResponse<String> keyed = preflight(f, ORIGIN, "x-route", "keyed");
        assertThat(keyed.statusCode()).isEqualTo(204);
        assertThat(header(keyed, "access-control-max-age")).isEqualTo("600");
        HttpResponse<InputStream> noKey = post(f, "GetBook", "application/grpc-web", frame(getBook("s", "k")), "Origin", ORIGIN, "x-route", "keyed");
        noKey.body().readAllBytes();
        assertThat(noKey.statusCode()).isEqualTo(401);
        assertThat(header(noKey, "access-control-allow-origin")).isEqualTo(ORIGIN);
        assertThat(header(noKey, "access-control-expose-headers")).isEqualTo("grpc-status, grpc-message, grpc-status-details-bin");
        HttpResponse<InputStream> withKey = post(f, "GetBook", "application/grpc-web", frame(getBook("s", "k")), "Origin", ORIGIN,
                "x-route", "keyed", "x-api-key", "alice-key");
        List<Frame> frames = new Frames(withKey.body(), false).all();
        assertThat(frames.get(1).trailers()).containsEntry("grpc-status", "0");
        assertThat(member.lastHeaders.get().containsKey(Metadata.Key.of("x-api-key", Metadata.ASCII_STRING_MARSHALLER))).isFalse();
    }

    // ---- HTTP/2, and the access log ----------------------------------------------------------------------------------

    @Test
    void overHttp2() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
        // the JDK client upgrades a cleartext connection (Upgrade: h2c) on a request without a body; later ones are HTTP/2
        h2.send(HttpRequest.newBuilder(f.uri("/headroom.test.Library/GetBook"))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.discarding());
        HttpResponse<InputStream> r = post(f, h2, "ListBooks", "application/grpc-web+proto", frame(listBooks("h2", 3)));
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(frames).hasSize(4);
        assertThat(frames.get(3).trailers()).containsEntry("grpc-status", "0");
        HttpResponse<InputStream> e = post(f, h2, "GetBook", "application/grpc-web-text", b64(frame(getBook("s", "missing"))).getBytes(StandardCharsets.US_ASCII));
        assertThat(header(e, "grpc-status")).isEqualTo("5");
        e.body().readAllBytes();
    }

    @Test
    void theAccessLogRecordsTheGrpcStatusOfWebCalls() throws Exception {
        post(f, "GetBook", "application/grpc-web", frame(getBook("s", "logged")), "x-route", "dead").body().readAllBytes();
        post(f, "Fail", "application/grpc-web", frame(failRequest(Status.Code.PERMISSION_DENIED, "no"))).body().readAllBytes();
        post(f, "GetBook", "application/grpc-web", frame(0x80, new byte[0])).body().readAllBytes();
        String dead = "{\"route\":\"web-dead\",\"path\":\"/headroom.test.Library/GetBook\",\"status\":503,\"grpc_status\":14}";
        String denied = "{\"route\":\"web\",\"path\":\"/headroom.test.Library/Fail\",\"status\":403,\"grpc_status\":7}";
        String malformed = "{\"route\":\"web\",\"path\":\"/headroom.test.Library/GetBook\",\"status\":400,\"grpc_status\":3}";
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(f.log) && Files.readString(f.log).contains(malformed));
        String lines = Files.readString(f.log);
        assertThat(lines).contains(dead, denied, malformed);
    }
}
