package io.headroom.router.grpc;

import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.headroom.router.grpc.GrpcWebFrames.Frame;
import io.headroom.router.grpc.GrpcWebFrames.Frames;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.io.InputStream;
import java.net.URLDecoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static io.headroom.router.grpc.GrpcWebFrames.b64;
import static io.headroom.router.grpc.GrpcWebFrames.frame;
import static io.headroom.router.grpc.GrpcWebFrames.header;
import static io.headroom.router.grpc.GrpcWebFrames.post;
import static io.headroom.router.grpc.GrpcWebFrames.preflight;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * gRPC-Web's {@code +json} codec through the real router on 127.0.0.1 against real grpc-java servers, frames written
 * and read by the test: each request frame's JSON (proto3 JSON mapping) reaches the member as protobuf and each answer
 * message comes back as JSON, by the route's descriptor set or by server reflection; unary, server streaming (message
 * by message), client streaming (several request frames), {@code -text}, trailers-only errors and errors in the trailer
 * frame; bad JSON, an unknown field and a wrong type refused with INVALID_ARGUMENT before any member is called; a
 * route without descriptors, a method they do not hold, an unknown codec; max-message-size; a member whose answer is
 * not of the method's type (INTERNAL in the trailer frame); CORS; the access log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class GrpcWebJsonHttpTest {
    private static final String ORIGIN = "https://app.example.com";
    private static final String JSON = "application/grpc-web+json";
    private GrpcFixture f;
    private LibraryServer member;
    /** A grpc-java server whose GetBook answers bytes that are no Book (a cut length-delimited field). */
    private Server broken;

    @BeforeAll
    void start() throws Exception {
        f = new GrpcFixture("grpc-web-json", "a");
        member = f.member("a");
        f.add(new LibraryServer("reflected", LibraryServer.Reflection.V1));
        MethodDescriptor<byte[], byte[]> getBook = MethodDescriptor.newBuilder(GrpcRoute.BYTES, GrpcRoute.BYTES).setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(LibraryServer.SERVICE + "/GetBook").build();
        broken = Grpc.newServerBuilderForPort(0, InsecureServerCredentials.create())
                .addService(ServerServiceDefinition.builder(LibraryServer.SERVICE)
                        .addMethod(getBook, ServerCalls.asyncUnaryCall((req, out) -> {
                            out.onNext(new byte[]{0x0a, 0x7f, 'x'}); // field 1, 127 bytes long, of which 1 came
                            out.onCompleted();
                        })).build())
                .build().start();
        f.start("""
                router:
                  listen: 127.0.0.1:0
                  access-log: {enabled: true, fields: [route, path, status, grpc_status], file: ${log}}
                  pools:
                    library: {backends: [${a}], request-timeout: 5m}
                    reflected: {backends: [${reflected}]}
                    broken: {backends: [${broken}]}
                  routes:
                    - name: web-bare
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: bare}
                      pool: library
                      grpc: {web: true}
                    - name: web-proto-names
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: proto-names}
                      pool: library
                      grpc: {descriptor-set: ${set}, preserve-proto-field-names: true, web: true}
                    - name: web-reflected
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: reflected}
                      pool: reflected
                      grpc: {reflection: true, services: [headroom.test.Library], web: true}
                    - name: web-broken
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: broken}
                      pool: broken
                      grpc: {descriptor-set: ${set}, web: true}
                    - name: web
                      path-prefix: /headroom.test.Library/
                      pool: library
                      grpc:
                        descriptor-set: ${set}
                        max-message-size: 1KB
                        web: {cors-origins: ["${origin}"], expose-headers: [x-served-by]}
                """, "broken", "127.0.0.1:" + broken.getPort(), "origin", ORIGIN);
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
        broken.shutdownNow().awaitTermination(5, java.util.concurrent.TimeUnit.SECONDS);
    }

    /** The grpc-message of an answer, percent-decoded. */
    private static String message(HttpResponse<?> r) {
        return URLDecoder.decode(header(r, "grpc-message").replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    // ---- calls ----------------------------------------------------------------------------------------------------------

    @Test
    void unaryJsonInJsonOut() throws Exception {
        HttpResponse<InputStream> r = post(f, "GetBook", JSON, frame("{\"shelf\":\"s1\",\"id\":\"7\",\"view\":\"full\"}"),
                "x-tenant", "acme");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "content-type")).isEqualTo("application/grpc-web+json");
        assertThat(header(r, "x-served-by")).isEqualTo("a");
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(frames).hasSize(2);
        assertThat(frames.get(0).flag()).isZero();
        // the member read the protobuf (its answer names the id, shelf and view), and its Book comes back as proto3 JSON:
        // JSON names, fields at their defaults left out
        assertThat(frames.get(0).text()).isEqualTo("{\"id\":\"7\",\"shelf\":\"s1\",\"title\":\"Title of 7 (full)\",\"pageCount\":101}");
        assertThat(frames.get(1).flag()).isEqualTo(0x80);
        assertThat(frames.get(1).trailers()).containsEntry("grpc-status", "0").containsEntry("x-cost", "3");
        assertThat(member.lastHeaders.get().get(io.grpc.Metadata.Key.of("x-tenant", io.grpc.Metadata.ASCII_STRING_MARSHALLER)))
                .isEqualTo("acme");
        // requests take proto names too; preserve-proto-field-names answers with them
        HttpResponse<InputStream> p = post(f, "GetBook", JSON, frame("{\"shelf\":\"s\",\"id\":\"42\"}"), "x-route", "proto-names");
        assertThat(new Frames(p.body(), false).next().text()).isEqualTo("{\"id\":\"42\",\"shelf\":\"s\",\"title\":\"Title of 42\",\"page_count\":102}");
        // the content-type may carry parameters
        HttpResponse<InputStream> c = post(f, "GetBook", "application/grpc-web+json; charset=utf-8", frame("{\"id\":\"1\"}"));
        assertThat(header(c, "content-type")).isEqualTo("application/grpc-web+json");
        assertThat(new Frames(c.body(), false).next().text()).isEqualTo("{\"id\":\"1\",\"title\":\"Title of 1\",\"pageCount\":101}");
    }

    @Test
    void serverStreamingMessagesArriveAsJsonBeforeTheStreamEnds() throws Exception {
        CountDownLatch gate = new CountDownLatch(1);
        member.gates.put("gated-json", gate);
        try {
            HttpResponse<InputStream> r = post(f, "ListBooks", JSON, frame("{\"shelf\":\"gated-json\",\"count\":3}"));
            assertThat(r.statusCode()).isEqualTo(200);
            Frames frames = new Frames(r.body(), false);
            Frame first = frames.next();
            // the member holds the rest of the stream until the gate opens: the first message came while the call goes on
            assertThat(gate.getCount()).isEqualTo(1);
            assertThat(first.text()).isEqualTo("{\"id\":\"b0\",\"shelf\":\"gated-json\",\"title\":\"Book 0\"}");
            gate.countDown();
            List<Frame> rest = frames.all();
            assertThat(rest).hasSize(3);
            assertThat(rest.get(1).text()).isEqualTo("{\"id\":\"b2\",\"shelf\":\"gated-json\",\"title\":\"Book 2\",\"pageCount\":2}");
            assertThat(rest.get(2).trailers()).containsEntry("grpc-status", "0");
        } finally {
            gate.countDown();
            member.gates.remove("gated-json");
        }
        // an error after two messages: in the trailer frame
        HttpResponse<InputStream> r = post(f, "ListBooks", JSON, frame("{\"shelf\":\"short\",\"count\":-2}"));
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(frames).hasSize(3);
        assertThat(frames.get(1).text()).isEqualTo("{\"id\":\"b1\",\"shelf\":\"short\",\"title\":\"Book 1\",\"pageCount\":1}");
        assertThat(frames.get(2).trailers()).containsEntry("grpc-status", "11").containsEntry("grpc-message", "shelf short ends after 2 books");
    }

    @Test
    void clientStreamingTakesOneJsonMessagePerFrame() throws Exception {
        byte[] a = frame("{\"shelf\":\"s\",\"title\":\"a\"}");
        byte[] b = frame("{\"title\":\"b\",\"tags\":[\"x\"]}");
        byte[] body = new byte[a.length + b.length];
        System.arraycopy(a, 0, body, 0, a.length);
        System.arraycopy(b, 0, body, a.length, b.length);
        HttpResponse<InputStream> r = post(f, "Collect", JSON, body);
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(frames.get(0).text()).isEqualTo("{\"count\":2,\"titles\":[\"s/a\",\"/b\"]}");
        assertThat(frames.get(1).trailers()).containsEntry("grpc-status", "0");
    }

    @Test
    void textJsonIsBase64OfTheSameFrames() throws Exception {
        byte[] f1 = frame("{\"shelf\":\"t\",\"count\":2}");
        HttpResponse<InputStream> r = post(f, "ListBooks", "application/grpc-web-text+json", b64(f1).getBytes(StandardCharsets.US_ASCII),
                "accept", "application/grpc-web-text+json");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "content-type")).isEqualTo("application/grpc-web-text+json");
        List<Frame> frames = new Frames(r.body(), true).all();
        assertThat(frames).hasSize(3);
        assertThat(frames.get(0).text()).isEqualTo("{\"id\":\"b0\",\"shelf\":\"t\",\"title\":\"Book 0\"}");
        assertThat(frames.get(1).text()).isEqualTo("{\"id\":\"b1\",\"shelf\":\"t\",\"title\":\"Book 1\",\"pageCount\":1}");
        assertThat(frames.get(2).trailers()).containsEntry("grpc-status", "0").containsEntry("x-cost", "3");
    }

    @Test
    void anErrorBeforeAnyMessageIsTrailersOnlyInTheClientsCodec() throws Exception {
        HttpResponse<InputStream> r = post(f, "Fail", JSON, frame("{\"code\":5,\"message\":\"no such book\"}"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(header(r, "content-type")).isEqualTo("application/grpc-web+json");
        assertThat(header(r, "grpc-status")).isEqualTo("5");
        assertThat(message(r)).isEqualTo("no such book");
        assertThat(header(r, "grpc-status-details-bin")).isNotEmpty();
        assertThat(r.body().readAllBytes()).isEmpty();
    }

    @Test
    void descriptorsByServerReflectionServeTheCodecToo() throws Exception {
        HttpResponse<InputStream> r = post(f, "GetBook", JSON, frame("{\"shelf\":\"r\",\"id\":\"9\"}"), "x-route", "reflected");
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(frames.get(0).text()).isEqualTo("{\"id\":\"9\",\"shelf\":\"r\",\"title\":\"Title of 9\",\"pageCount\":101}");
        assertThat(header(r, "x-served-by")).isEqualTo("reflected");
    }

    // ---- refusals ---------------------------------------------------------------------------------------------------

    private void refused(int http, Status.Code code, String messagePart, String method, String contentType, byte[] body,
                         String... headers) throws Exception {
        int calls = member.calls.get();
        HttpResponse<InputStream> r = post(f, method, contentType, body, headers);
        r.body().readAllBytes();
        assertThat(r.statusCode()).as(messagePart).isEqualTo(http);
        assertThat(header(r, "grpc-status")).as(messagePart).isEqualTo(Integer.toString(code.value()));
        assertThat(message(r)).contains(messagePart);
        assertThat(member.calls.get()).as("the member is not called").isEqualTo(calls);
        if (contentType.contains("json")) {
            assertThat(header(r, "content-type")).isEqualTo(contentType.contains("-text") ? "application/grpc-web-text+json"
                    : "application/grpc-web+json");
        }
    }

    @Test
    void malformedJsonIsInvalidArgumentNamingTheProblem() throws Exception {
        refused(400, Status.Code.INVALID_ARGUMENT, "request message 0 does not fit headroom.test.GetBookRequest: ", "GetBook", JSON,
                frame("{\"shelf\": \"s\", \"id\": "));
        refused(400, Status.Code.INVALID_ARGUMENT, "request message 0 does not fit headroom.test.ListBooksRequest: Not an int32 value: \"many\"",
                "ListBooks", JSON, frame("{\"shelf\":\"s\",\"count\":\"many\"}"));
        refused(400, Status.Code.INVALID_ARGUMENT, "request message 0 does not fit headroom.test.GetBookRequest: a message must be a JSON object",
                "GetBook", JSON, frame("[1, 2]"));
        refused(400, Status.Code.INVALID_ARGUMENT, "request message 0 does not fit headroom.test.GetBookRequest: a message must be a JSON object",
                "GetBook", JSON, frame(""));
        // an unknown field is refused, as the route's REST/JSON translation refuses it
        refused(400, Status.Code.INVALID_ARGUMENT, "request message 0 does not fit headroom.test.GetBookRequest: Cannot find field: colour "
                + "in message headroom.test.GetBookRequest", "GetBook", JSON, frame("{\"id\":\"1\",\"colour\":\"red\"}"));
        // the index of the bad message among several
        byte[] ok = frame("{\"title\":\"a\"}");
        byte[] bad = frame("{\"pageCount\":\"x\"}");
        byte[] two = new byte[ok.length + bad.length];
        System.arraycopy(ok, 0, two, 0, ok.length);
        System.arraycopy(bad, 0, two, ok.length, bad.length);
        refused(400, Status.Code.INVALID_ARGUMENT, "request message 1 does not fit headroom.test.Book: ", "Collect", JSON, two);
        // text: the same, behind base64
        refused(400, Status.Code.INVALID_ARGUMENT, "request message 0 does not fit headroom.test.GetBookRequest: a message must be a JSON object",
                "GetBook", "application/grpc-web-text+json", b64(frame("42")).getBytes(StandardCharsets.US_ASCII));
        // framing errors are the binary path's
        refused(400, Status.Code.INVALID_ARGUMENT, "the body ends inside a message", "GetBook", JSON,
                java.util.Arrays.copyOf(frame("{\"id\":\"1\"}"), 8));
    }

    @Test
    void theCodecNeedsTheMethodsDescriptorsAndTheSizeLimitHolds() throws Exception {
        refused(415, Status.Code.UNIMPLEMENTED, "content-type application/grpc-web+json: route web-bare has no descriptors to translate "
                + "JSON messages to protobuf with: set grpc.descriptor-set (or grpc.reflection: true) on the route, or send "
                + "application/grpc-web+proto", "GetBook", JSON, frame("{}"), "x-route", "bare");
        refused(404, Status.Code.UNIMPLEMENTED, "method headroom.test.Library/Nope is not in the descriptors of route web (", "Nope",
                JSON, frame("{}"));
        refused(415, Status.Code.UNIMPLEMENTED, "content-type application/grpc-web+thrift: the router takes protobuf and JSON messages only",
                "GetBook", "application/grpc-web+thrift", frame("{}"));
        // max-message-size (1KB) bounds each JSON message as it came, as it bounds a protobuf one
        String big = "{\"id\":\"" + "x".repeat(2000) + "\"}";
        refused(413, Status.Code.RESOURCE_EXHAUSTED, "a request message of " + big.length() + " bytes is over the route's max-message-size "
                + "of 1024 bytes", "GetBook", JSON, frame(big));
    }

    @Test
    void anAnswerThatIsNotOfTheMethodsTypeEndsTheCallWithInternal() throws Exception {
        HttpResponse<InputStream> r = post(f, "GetBook", JSON, frame("{\"id\":\"1\"}"), "x-route", "broken");
        assertThat(r.statusCode()).isEqualTo(200);
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(frames).hasSize(1);
        assertThat(frames.get(0).flag()).isEqualTo(0x80);
        assertThat(frames.get(0).trailers()).containsEntry("grpc-status", "13");
        assertThat(URLDecoder.decode(frames.get(0).trailers().get("grpc-message").replace("+", "%2B"), StandardCharsets.UTF_8))
                .startsWith("answer message 0 of headroom.test.Library.GetBook cannot be written as JSON: it is not a headroom.test.Book "
                        + "of the route's descriptors: ");
        String logged = "{\"route\":\"web-broken\",\"path\":\"/headroom.test.Library/GetBook\",\"status\":500,\"grpc_status\":13}";
        await().atMost(Duration.ofSeconds(20)).until(() -> Files.exists(f.log) && Files.readString(f.log).contains(logged));
    }

    // ---- CORS -------------------------------------------------------------------------------------------------------

    @Test
    void corsPreflightAndAnswerHeadersAreTheSameForJson() throws Exception {
        HttpResponse<String> p = preflight(f, ORIGIN);
        assertThat(p.statusCode()).isEqualTo(204);
        assertThat(header(p, "access-control-allow-origin")).isEqualTo(ORIGIN);
        assertThat(header(p, "access-control-allow-headers")).isEqualTo("content-type,x-grpc-web,x-user-agent,x-tenant");
        HttpResponse<InputStream> r = post(f, "GetBook", JSON, frame("{\"id\":\"c\"}"), "Origin", ORIGIN);
        List<Frame> frames = new Frames(r.body(), false).all();
        assertThat(frames.get(0).text()).contains("\"title\":\"Title of c\"");
        assertThat(header(r, "access-control-allow-origin")).isEqualTo(ORIGIN);
        assertThat(header(r, "access-control-expose-headers")).isEqualTo("grpc-status, grpc-message, grpc-status-details-bin, x-served-by");
        // a refused JSON call from the page carries them too, so its script can read the grpc-message
        HttpResponse<InputStream> bad = post(f, "GetBook", JSON, frame("{\"nope\":1}"), "Origin", ORIGIN);
        bad.body().readAllBytes();
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(header(bad, "access-control-allow-origin")).isEqualTo(ORIGIN);
    }
}
