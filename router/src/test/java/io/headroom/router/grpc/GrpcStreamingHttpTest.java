package io.headroom.router.grpc;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * JSON translation of client-streaming and bidirectional methods through the real router on 127.0.0.1 against real
 * grpc-java servers: NDJSON and JSON-array bodies, messages at the member while the request body is still open (the
 * test waits for the member to hold message k before it sends message k+1: no timing), bidirectional answers read
 * before the request ends (over a raw HTTP/1.1 socket whose chunks the test writes and reads itself), a malformed
 * message at index k before and after the answer began, a message over max-message-size, the pool's deadline, a
 * refused member retried, a member lost after the first message not retried; and the router's refusals of malformed
 * native gRPC requests in the route's telemetry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class GrpcStreamingHttpTest {
    private GrpcFixture f;
    private LibraryServer a;
    private LibraryServer c;

    @BeforeAll
    void start() throws Exception {
        f = new GrpcFixture("grpc-streams", "a", "c");
        a = f.member("a");
        c = f.member("c");
        f.start("""
                router:
                  listen: 127.0.0.1:0
                  access-log: {enabled: true, fields: [route, path, status, grpc_status, bytes_in], file: ${log}}
                  pools:
                    library:
                      backends: [${a}]
                      request-timeout: 5m   # longer than any wait here: a call that ends early was ended by something else
                    slow:
                      backends: [${a}]
                      request-timeout: 300ms
                    half-dead: {backends: [${dead}, ${a}], ${retry-refused}}
                    losing: {backends: [${c}, ${a}], ${retry-refused}}
                  routes:
                    - name: native
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: native}
                      pool: library
                      grpc: {passthrough: true}
                    - {name: json-only, path-prefix: /headroom.test.Library/, pool: library, grpc: {descriptor-set: ${set},
                        mappings: [{method: POST, path: "/headroom.test.Library/Collect", rpc: headroom.test.Library/Collect, body: "*"}]}}
                    - {name: small, path-prefix: /small, pool: library, grpc: {descriptor-set: ${set}, max-message-size: 1KB,
                        mappings: [{method: POST, path: "/small/collect", rpc: headroom.test.Library/Collect, body: "*"}]}}
                    - {name: slow, path-prefix: /slow, pool: slow, grpc: {descriptor-set: ${set},
                        mappings: [{method: POST, path: "/slow/collect", rpc: headroom.test.Library/Collect, body: "*"}]}}
                    - {name: half, path-prefix: /half, pool: half-dead, grpc: {descriptor-set: ${set},
                        mappings: [{method: POST, path: "/half/{shelf}", rpc: headroom.test.Library/Collect, body: "*"}]}}
                    - {name: losing, path-prefix: /losing, pool: losing, grpc: {descriptor-set: ${set},
                        mappings: [{method: POST, path: "/losing", rpc: headroom.test.Library/Collect, body: "*"}]}}
                    - name: library-json
                      path-prefix: /v1
                      pool: library
                      grpc: {descriptor-set: ${set}}
                """);
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    /** Collect's messages the member has not yet been asked about, dropped. */
    private void drain(LibraryServer s) {
        s.collected.clear();
    }

    private String nextCollected(LibraryServer s) throws InterruptedException {
        String m = s.collected.poll(30, TimeUnit.SECONDS);
        assertThat(m).as("a message at member %s", s.name).isNotNull();
        return m;
    }

    /** Collect's messages at the member up to the cancellation of its call. */
    private List<String> untilCancelled(LibraryServer s) throws InterruptedException {
        List<String> seen = new java.util.ArrayList<>();
        for (String m = nextCollected(s); !m.equals("cancelled"); m = nextCollected(s)) {
            seen.add(m);
        }
        return seen;
    }

    // ---- client streaming ---------------------------------------------------------------------------------------

    @Test
    void clientStreamingTakesNdjsonAndJsonArrayBodies() throws Exception {
        // the path variable fills the first message only (as Envoy's transcoder weaves bindings into the first message)
        HttpResponse<String> nd = f.post("/v1/shelves/fiction/books:collect", "application/x-ndjson",
                "{\"title\":\"A\"}\n{\"title\":\"B\",\"pageCount\":2}\n\n{\"title\":\"C\",\"shelf\":\"own\"}\n");
        assertThat(nd.statusCode()).as(nd.body()).isEqualTo(200);
        assertThat(nd.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(nd.body()).isEqualTo("{\"count\":3,\"titles\":[\"fiction/A\",\"/B\",\"own/C\"]}");
        // the member's trailers come back as headers of the one JSON answer, as for a unary call
        assertThat(nd.headers().allValues("x-cost")).containsExactly("3");
        HttpResponse<String> array = f.post("/v1/shelves/poetry/books:collect", "application/json",
                " [ {\"title\":\"x\"} , {\"title\":\"y, ]\\\"z\"} ] ");
        assertThat(array.statusCode()).as(array.body()).isEqualTo(200);
        assertThat(array.body()).isEqualTo("{\"count\":2,\"titles\":[\"poetry/x\",\"/y, ]\\\"z\"]}");
        // application/json with one object: a stream of one message; an empty array: a stream of none
        assertThat(f.post("/v1/shelves/s/books:collect", "application/json", "{\"title\":\"one\"}").body())
                .isEqualTo("{\"count\":1,\"titles\":[\"s/one\"]}");
        assertThat(f.post("/v1/shelves/s/books:collect", "application/json", "[]").body()).isEqualTo("{}");
        HttpResponse<String> xml = f.post("/v1/shelves/s/books:collect", "application/xml", "<book/>");
        assertThat(xml.statusCode()).isEqualTo(415);
        assertThat(xml.body()).contains("application/x-ndjson (one message per line) or application/json (a JSON array of messages)");
    }

    @Test
    void messagesReachTheMemberBeforeTheRequestBodyEnds() throws Exception {
        drain(a);
        try (RawExchange x = new RawExchange(f.port(), "/v1/shelves/live/books:collect", "application/x-ndjson")) {
            for (int i = 0; i < 3; i++) {
                x.send("{\"title\":\"m" + i + "\"}\n");
                // message i is at the member while the request body is still open: only then is the next one sent
                assertThat(nextCollected(a)).isEqualTo((i == 0 ? "live" : "") + "/m" + i);
            }
            x.end();
            assertThat(x.status()).isEqualTo(200);
            assertThat(x.rest()).isEqualTo("{\"count\":3,\"titles\":[\"live/m0\",\"/m1\",\"/m2\"]}");
        }
    }

    @Test
    void aMalformedMessageCancelsTheCallAndSaysWhichMessage() throws Exception {
        drain(a);
        HttpResponse<String> r = f.post("/v1/shelves/s/books:collect", "application/x-ndjson",
                "{\"title\":\"ok0\"}\n{\"title\":\"ok1\"}\n{\"pageCount\":\"many\"}\n{\"title\":\"never\"}\n");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).startsWith("{\"code\":3,\"message\":\"request message 2 does not fit headroom.test.Book: ");
        assertThat(untilCancelled(a)).as("the member's call was cancelled, message 3 never sent").doesNotContain("/never");
        // framing errors too, with the index of the message where the stream broke
        HttpResponse<String> noComma = f.post("/v1/shelves/s/books:collect", "application/json", "[{\"title\":\"a\"} {\"title\":\"b\"}]");
        assertThat(noComma.statusCode()).isEqualTo(400);
        assertThat(noComma.body()).contains("malformed request stream at message 1: expected , or ] after message 0, got '{'");
        HttpResponse<String> cut = f.post("/v1/shelves/s/books:collect", "application/json", "[{\"title\":\"a\"}, {\"title\":");
        assertThat(cut.statusCode()).isEqualTo(400);
        assertThat(cut.body()).contains("malformed request stream at message 1: the body ends inside message 1");
        HttpResponse<String> notObject = f.post("/v1/shelves/s/books:collect", "application/x-ndjson", "{\"title\":\"a\"}\n42\n");
        assertThat(notObject.body()).contains("request message 1 does not fit headroom.test.Book: a message must be a JSON object");
        HttpResponse<String> brackets = f.post("/v1/shelves/s/books:collect", "application/x-ndjson", "{\"title\":\"a\"}\n{\"tags\":[}\n");
        assertThat(brackets.statusCode()).isEqualTo(400);
        assertThat(brackets.body()).contains("malformed request stream at message 1: '}' closes a '[' in message 1");
    }

    @Test
    void aMessageOverMaxMessageSizeIs413() throws Exception {
        drain(a);
        String big = "{\"title\":\"" + "x".repeat(2000) + "\"}";
        HttpResponse<String> r = f.post("/small/collect", "application/x-ndjson", "{\"title\":\"fits\"}\n" + big + "\n");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.body()).isEqualTo("{\"code\":3,\"message\":\"request message 1 is longer than the route's max-message-size of 1024 "
                + "bytes\",\"details\":[]}");
        assertThat(untilCancelled(a)).doesNotContain("/" + "x".repeat(2000));
    }

    @Test
    void thePoolsDeadlineEndsAStreamWhoseBodyNeverEnds() throws Exception {
        drain(a);
        try (RawExchange x = new RawExchange(f.port(), "/slow/collect", "application/x-ndjson")) {
            x.send("{\"title\":\"waiting\"}\n");
            assertThat(nextCollected(a)).isEqualTo("/waiting");
            // the body stays open: the pool's 300ms deadline ends the call
            assertThat(x.status()).isEqualTo(504);
            assertThat(x.headers.get("connection")).isEqualTo("close"); // the body was not read to its end
            assertThat(x.rest()).startsWith("{\"code\":4,");
        }
    }

    @Test
    void aRefusedMemberIsRetriedBeforeTheFirstMessage() throws Exception {
        // round robin over [dead, a]: every other call is refused by the dead member first, and goes to a
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = f.post("/half/h" + i, "application/x-ndjson", "{\"title\":\"t\"}\n{\"title\":\"u\"}\n");
            assertThat(r.statusCode()).as("call %d: %s", i, r.body()).isEqualTo(200);
            assertThat(r.body()).isEqualTo("{\"count\":2,\"titles\":[\"h" + i + "/t\",\"/u\"]}");
        }
    }

    @Test
    void aMemberLostAfterTheFirstMessageIsNotRetried() throws Exception {
        drain(a);
        drain(c);
        // round robin over [c, a]: the call that lands on c loses c once c holds its first message
        for (int attempt = 0; attempt < 2; attempt++) {
            try (RawExchange x = new RawExchange(f.port(), "/losing", "application/x-ndjson")) {
                x.send("{\"title\":\"first\"}\n");
                String at = null;
                while (at == null) { // the member that took the call has its first message: which one?
                    if (a.collected.poll(10, TimeUnit.MILLISECONDS) != null) {
                        at = "a";
                    } else if (c.collected.poll(10, TimeUnit.MILLISECONDS) != null) {
                        at = "c";
                    }
                }
                if (at.equals("a")) {
                    // this one went to a: finish it and try again
                    x.end();
                    assertThat(x.status()).isEqualTo(200);
                    x.rest();
                    drain(a);
                    continue;
                }
                c.server.shutdownNow(); // the member goes away with the call open
                // grpc-java's shutdownNow resets the member's streams (CANCELLED) or closes the connection (UNAVAILABLE)
                int status = x.status();
                assertThat(status).isIn(499, 503);
                assertThat(x.rest()).startsWith(status == 499 ? "{\"code\":1," : "{\"code\":14,");
                assertThat(a.collected).as("never replayed to a").isEmpty();
                return;
            }
        }
        throw new AssertionError("no call landed on c in two round-robin picks");
    }

    // ---- bidirectional --------------------------------------------------------------------------------------------

    @Test
    void bidirectionalAnswersStreamBeforeTheRequestEnds() throws Exception {
        try (RawExchange x = new RawExchange(f.port(), "/v1/shelves/duplex/books:echo", "application/x-ndjson")) {
            x.send("{\"title\":\"m0\"}\n");
            assertThat(x.status()).isEqualTo(200);
            assertThat(x.headers.get("content-type")).isEqualTo("application/x-ndjson");
            assertThat(x.headers.get("connection")).as("the body was still open when the answer began").isEqualTo("close");
            // each answer is read before the next request message is sent
            assertThat(x.line()).isEqualTo("{\"shelf\":\"duplex\",\"title\":\"echo 0: m0\"}");
            for (int i = 1; i < 4; i++) {
                x.send("{\"title\":\"m" + i + "\",\"pageCount\":" + i + "}\n");
                assertThat(x.line()).isEqualTo("{\"title\":\"echo " + i + ": m" + i + "\",\"pageCount\":" + i + "}");
            }
            x.end();
            assertThat(x.line()).as("the end of the answer").isNull();
            assertThat(x.cut).isFalse();
        }
    }

    @Test
    void bidirectionalAnswersAsAJsonArrayWhenAsked() throws Exception {
        HttpResponse<String> r = f.post("/v1/shelves/s/books:echo", "application/x-ndjson", "{\"title\":\"a\"}\n{\"title\":\"b\"}\n",
                "Accept", "application/json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body()).isEqualTo("[{\"shelf\":\"s\",\"title\":\"echo 0: a\"},{\"title\":\"echo 1: b\"}]");
        // an array body answers an array, an empty stream an empty array
        assertThat(f.post("/v1/shelves/s/books:echo", "application/json", "[{\"title\":\"c\"}]").body())
                .isEqualTo("[{\"shelf\":\"s\",\"title\":\"echo 0: c\"}]");
        assertThat(f.post("/v1/shelves/s/books:echo", "application/json", "[]").body()).isEqualTo("[]");
        HttpResponse<String> nd = f.post("/v1/shelves/s/books:echo", "application/json", "[{\"title\":\"d\"}]", "Accept", "application/x-ndjson");
        assertThat(nd.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        assertThat(nd.body()).isEqualTo("{\"shelf\":\"s\",\"title\":\"echo 0: d\"}\n");
    }

    @Test
    void aMalformedMessageAfterTheAnswerBeganEndsTheStreamWithTheError() throws Exception {
        try (RawExchange x = new RawExchange(f.port(), "/v1/shelves/s/books:echo", "application/x-ndjson")) {
            x.send("{\"title\":\"m0\"}\n");
            assertThat(x.status()).isEqualTo(200);
            assertThat(x.line()).isEqualTo("{\"shelf\":\"s\",\"title\":\"echo 0: m0\"}");
            x.send("{\"title\":\"m1\"}\n");
            assertThat(x.line()).isEqualTo("{\"title\":\"echo 1: m1\"}");
            x.send("{\"pageCount\":\"many\"}\n");
            String error = x.line();
            assertThat(error).startsWith("{\"error\":{\"code\":3,\"message\":\"request message 2 does not fit headroom.test.Book: ");
            assertThat(x.line()).isNull();
            assertThat(x.cut).as("the answer is cut, not ended: no client takes it for a complete one").isTrue();
        }
    }

    @Test
    void aServerStreamThatFailsAfterItsFirstMessageEndsWithTheErrorAndIsCut() throws Exception {
        try (RawExchange x = RawExchange.request(f.port(), "GET /v1/shelves/s/books?count=-2", "")) {
            assertThat(x.status()).isEqualTo(200);
            assertThat(x.rest()).isEqualTo("[{\"id\":\"b0\",\"shelf\":\"s\",\"title\":\"Book 0\"},"
                    + "{\"id\":\"b1\",\"shelf\":\"s\",\"title\":\"Book 1\",\"pageCount\":1},"
                    + "{\"error\":{\"code\":11,\"message\":\"shelf s ends after 2 books\",\"details\":[]}}");
            assertThat(x.cut).as("no closing ], no last chunk").isTrue();
        }
    }

    @Test
    void aServerStreamAnswersNdjsonWhenAsked() throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(f.uri("/v1/shelves/s/books?count=2"))
                .header("Accept", "application/x-ndjson");
        HttpResponse<String> nd = f.http.send(r.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(nd.statusCode()).isEqualTo(200);
        assertThat(nd.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        assertThat(nd.body()).isEqualTo("{\"id\":\"b0\",\"shelf\":\"s\",\"title\":\"Book 0\"}\n"
                + "{\"id\":\"b1\",\"shelf\":\"s\",\"title\":\"Book 1\",\"pageCount\":1}\n");
        try (RawExchange x = RawExchange.request(f.port(), "GET /v1/shelves/s/books?count=-1", "Accept: application/x-ndjson\r\n")) {
            assertThat(x.status()).isEqualTo(200);
            assertThat(x.line()).isEqualTo("{\"id\":\"b0\",\"shelf\":\"s\",\"title\":\"Book 0\"}");
            assertThat(x.line()).isEqualTo("{\"error\":{\"code\":11,\"message\":\"shelf s ends after 1 books\",\"details\":[]}}");
            assertThat(x.line()).isNull();
            assertThat(x.cut).isTrue();
        }
        HttpResponse<String> none = f.http.send(HttpRequest.newBuilder(f.uri("/v1/shelves/s/books?count=0"))
                .header("Accept", "application/x-ndjson").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(none.headers().firstValue("content-type")).hasValue("application/x-ndjson");
        assertThat(none.body()).isEmpty();
    }

    @Test
    void streamedAnswersEndWithTheMembersTrailersForAClientThatTakesThem() throws Exception {
        try (RawExchange x = new RawExchange(f.port(), "/v1/shelves/s/books:echo", "application/x-ndjson", "TE: trailers\r\n")) {
            x.send("{\"title\":\"m0\"}\n");
            assertThat(x.status()).isEqualTo(200);
            assertThat(x.headers).containsKey("trailer");
            assertThat(x.line()).isEqualTo("{\"shelf\":\"s\",\"title\":\"echo 0: m0\"}");
            x.end();
            assertThat(x.line()).isNull();
            assertThat(x.cut).isFalse();
            assertThat(x.trailers).containsEntry("grpc-status", "0").containsEntry("x-cost", "3").containsEntry("x-digest-bin", "AQL+");
        }
        // server streaming too
        try (RawExchange x = RawExchange.request(f.port(), "GET /v1/shelves/s/books?count=2", "TE: trailers\r\n")) {
            assertThat(x.status()).isEqualTo(200);
            assertThat(x.rest()).isEqualTo("[{\"id\":\"b0\",\"shelf\":\"s\",\"title\":\"Book 0\"},"
                    + "{\"id\":\"b1\",\"shelf\":\"s\",\"title\":\"Book 1\",\"pageCount\":1}]");
            assertThat(x.trailers).containsEntry("grpc-status", "0").containsEntry("x-cost", "3");
        }
        // without TE: trailers, no trailers (HTTP/1.1 clients that did not ask may not read them)
        try (RawExchange x = RawExchange.request(f.port(), "GET /v1/shelves/s/books?count=1", "")) {
            assertThat(x.status()).isEqualTo(200);
            x.rest();
            assertThat(x.headers).doesNotContainKey("trailer");
            assertThat(x.trailers).isEmpty();
        }
    }

    @Test
    void overHttp2() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).connectTimeout(Duration.ofSeconds(5)).build();
        // the JDK client upgrades a cleartext connection (Upgrade: h2c) on a request without a body; later ones are HTTP/2
        h2.send(HttpRequest.newBuilder(f.uri("/v1/shelves/s/books?count=0"))
                .timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.discarding());
        HttpResponse<String> collect = h2.send(HttpRequest.newBuilder(f.uri("/v1/shelves/h2/books:collect"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-ndjson").header("TE", "trailers")
                .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"a\"}\n{\"title\":\"b\"}\n")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(collect.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(collect.statusCode()).isEqualTo(200);
        assertThat(collect.body()).isEqualTo("{\"count\":2,\"titles\":[\"h2/a\",\"/b\"]}");
        // bidirectional (the JDK client hands over an answer only once its request body is sent: no overlap here)
        HttpResponse<String> echo = h2.send(HttpRequest.newBuilder(f.uri("/v1/shelves/h2/books:echo"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/x-ndjson").header("TE", "trailers")
                .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"m0\"}\n{\"title\":\"m1\"}\n")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(echo.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(echo.statusCode()).isEqualTo(200);
        assertThat(echo.headers().firstValue("connection")).isEmpty();
        assertThat(echo.body()).isEqualTo("{\"shelf\":\"h2\",\"title\":\"echo 0: m0\"}\n{\"title\":\"echo 1: m1\"}\n");
        HttpResponse<String> bad = h2.send(HttpRequest.newBuilder(f.uri("/v1/shelves/h2/books:collect"))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[{\"title\":1}, {\"pageCount\":\"many\"}]")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("request message 1 does not fit headroom.test.Book");
    }

    @Test
    void theAccessLogRecordsEachStreamsStatusAndBytes() throws Exception {
        String ok = "{\"title\":\"logged\"}\n";
        assertThat(f.post("/v1/shelves/log/books:collect", "application/x-ndjson", ok).statusCode()).isEqualTo(200);
        assertThat(f.post("/v1/shelves/log/books:echo", "application/x-ndjson", "{\"pageCount\":\"x\"}\n").statusCode()).isEqualTo(400);
        String collected = "{\"route\":\"library-json\",\"path\":\"/v1/shelves/log/books:collect\",\"status\":200,\"grpc_status\":0,"
                + "\"bytes_in\":" + ok.length() + "}";
        String malformed = "{\"route\":\"library-json\",\"path\":\"/v1/shelves/log/books:echo\",\"status\":400,\"grpc_status\":3,";
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(f.log) && Files.readString(f.log).contains(malformed));
        assertThat(Files.readString(f.log)).contains(collected, malformed);
    }

    // ---- telemetry of the router's refusals ------------------------------------------------------------------------

    @Test
    void nativeRefusalsAreCountedInTheRoutesTelemetry() throws Exception {
        f.freshWindows();
        // gRPC over HTTP/1.1 on the passthrough route: 505, no member
        HttpResponse<String> http1 = f.http.send(HttpRequest.newBuilder(f.uri("/headroom.test.Library/GetBook"))
                .header("Content-Type", "application/grpc").header("x-route", "native")
                .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5])).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(http1.statusCode()).isEqualTo(505);
        // a native call on a route that only translates: UNIMPLEMENTED, no member
        ManagedChannel ch = f.channel();
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, LibraryServer.method("GetBook"), CallOptions.DEFAULT,
                com.google.protobuf.DynamicMessage.getDefaultInstance(LibraryServer.type("GetBookRequest"))))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
        // and one call that reaches the member, for contrast
        ClientCalls.blockingUnaryCall(GrpcFixture.withHeaders(ch, "x-route", "native"), LibraryServer.method("GetBook"), CallOptions.DEFAULT,
                com.google.protobuf.DynamicMessage.getDefaultInstance(LibraryServer.type("GetBookRequest")));
        String member = "127.0.0.1:" + a.port();
        f.awaitWindows(windows -> {
            Map<String, Long> rejected = new TreeMap<>();
            long answered = 0;
            for (var w : windows) {
                for (var b : w.backends()) {
                    if (b.backend().equals("-")) {
                        rejected.merge(w.route(), b.rejections(), Long::sum);
                    } else if (w.route().equals("native") && b.backend().equals(member)) {
                        answered += b.status2xx();
                    }
                }
            }
            assertThat(rejected).containsEntry("native", 1L).containsEntry("json-only", 1L);
            assertThat(answered).isEqualTo(1);
        });
    }

    /**
     * One HTTP/1.1 exchange over a raw socket: the request body sent in chunks when the test says, the answer's head
     * and chunked body read as they come, and whether the answer was cut (the connection closed before its last chunk).
     */
    static final class RawExchange implements AutoCloseable {
        private final Socket socket;
        private final OutputStream out;
        private final InputStream in;
        final Map<String, String> headers = new TreeMap<>();
        /** The chunked body's trailers (lower-case names), once the body was read to its end. */
        final Map<String, String> trailers = new TreeMap<>();
        private int status = -1;
        private long remaining;
        private boolean chunked;
        private boolean first = true;
        private boolean done;
        boolean cut;

        RawExchange(int port, String path, String contentType, String... extraHeaders) throws IOException {
            this(port, "POST " + path, "Content-Type: " + contentType + "\r\nTransfer-Encoding: chunked\r\n" + String.join("", extraHeaders),
                    true);
        }

        /** {@code request}: method and path; {@code head}: header lines, each ending in CRLF. */
        static RawExchange request(int port, String request, String head) throws IOException {
            return new RawExchange(port, request, head, true);
        }

        private RawExchange(int port, String request, String head, boolean raw) throws IOException {
            socket = new Socket("127.0.0.1", port);
            socket.setSoTimeout(60_000); // a hang fails the test rather than the build
            socket.setTcpNoDelay(true);
            out = socket.getOutputStream();
            in = new BufferedInputStream(socket.getInputStream());
            out.write((request + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + head + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        void send(String data) throws IOException {
            byte[] b = data.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream chunk = new ByteArrayOutputStream(b.length + 16);
            chunk.write((Integer.toHexString(b.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            chunk.write(b);
            chunk.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(chunk.toByteArray()); // one write: with Nagle off, one segment per chunk
            out.flush();
        }

        void end() throws IOException {
            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
        }

        int status() throws IOException {
            if (status < 0) {
                String line = headLine();
                if (line == null) {
                    throw new EOFException("the connection closed before the answer's head");
                }
                status = Integer.parseInt(line.split(" ")[1]);
                for (String h = headLine(); h != null && !h.isEmpty(); h = headLine()) {
                    int colon = h.indexOf(':');
                    headers.put(h.substring(0, colon).strip().toLowerCase(Locale.ROOT), h.substring(colon + 1).strip());
                }
                chunked = "chunked".equalsIgnoreCase(headers.get("transfer-encoding"));
                remaining = chunked ? 0 : Long.parseLong(headers.getOrDefault("content-length", "0"));
            }
            return status;
        }

        /** The next line of the body, without its newline; null at the end of the body (or where it was cut). */
        String line() throws IOException {
            status();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = bodyByte()) >= 0 && c != '\n') {
                b.write(c);
            }
            return c < 0 && b.size() == 0 ? null : b.toString(StandardCharsets.UTF_8);
        }

        /** The rest of the body. */
        String rest() throws IOException {
            status();
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = bodyByte()) >= 0) {
                b.write(c);
            }
            return b.toString(StandardCharsets.UTF_8);
        }

        private int bodyByte() throws IOException {
            if (done) {
                return -1;
            }
            if (!chunked) {
                if (remaining == 0) {
                    done = true;
                    return -1;
                }
                remaining--;
                return rawByte();
            }
            if (remaining == 0) {
                if (!first) {
                    String crlf = headLine();
                    if (crlf == null) {
                        cut = true;
                        done = true;
                        return -1;
                    }
                    if (!crlf.isEmpty()) {
                        throw new IOException("no CRLF after a chunk");
                    }
                }
                first = false;
                String size = headLine();
                if (size == null) {
                    cut = true;
                    done = true;
                    return -1;
                }
                remaining = Long.parseLong(size.strip(), 16);
                if (remaining == 0) {
                    for (String t = headLine(); t != null && !t.isEmpty(); t = headLine()) {
                        int colon = t.indexOf(':');
                        trailers.put(t.substring(0, colon).strip().toLowerCase(Locale.ROOT), t.substring(colon + 1).strip());
                    }
                    done = true;
                    return -1;
                }
            }
            remaining--;
            return rawByte();
        }

        private int rawByte() throws IOException {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("the connection closed inside a chunk");
            }
            return c;
        }

        /** A CRLF-ended line of the head or of the chunk framing; null when the connection closed before it. */
        private String headLine() throws IOException {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            int c;
            while ((c = in.read()) >= 0 && c != '\n') {
                if (c != '\r') {
                    b.write(c);
                }
            }
            if (c < 0 && b.size() == 0) {
                return null;
            }
            return b.toString(StandardCharsets.US_ASCII);
        }

        @Override
        public void close() throws IOException {
            socket.close();
        }
    }
}
