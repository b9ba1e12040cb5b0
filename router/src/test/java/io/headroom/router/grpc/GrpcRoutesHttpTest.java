package io.headroom.router.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * gRPC routes through the real router on 127.0.0.1 against real grpc-java servers: JSON translation (annotations and
 * explicit mappings, path variables, query, body, server streaming, every status mapping, deadlines, a dead member)
 * and native gRPC passthrough with a grpc-java client (unary, server streaming, metadata, trailers, deadline).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class GrpcRoutesHttpTest {
    private GrpcFixture f;
    private LibraryServer a;
    private LibraryServer b;
    private ManagedChannel client;

    @BeforeAll
    void start() throws Exception {
        f = new GrpcFixture("grpc-routes", "a", "b");
        a = f.member("a");
        b = f.member("b");
        f.start("""
                router:
                  listen: 127.0.0.1:0
                  pools:
                    library:
                      backends: [${a}, ${b}]
                      request-timeout: 10s
                    slow:
                      backends: [${a}]
                      request-timeout: 300ms
                    half-dead: {backends: [${dead}, ${a}], ${retry-refused}}
                    dead:
                      backends: [${dead}]
                  routes:
                    - name: library-json
                      path-prefix: /v1
                      pool: library
                      grpc: {descriptor-set: ${set}}
                    - name: sleepy
                      path-prefix: /slow
                      pool: slow
                      grpc:
                        descriptor-set: ${set}
                        mappings: [{method: GET, path: "/slow/{millis}", rpc: headroom.test.Library/Sleep}]
                    - name: half
                      path-prefix: /half
                      pool: half-dead
                      grpc:
                        descriptor-set: ${set}
                        preserve-proto-field-names: true
                        mappings:
                          - {method: GET, path: "/half/{shelf}/books/{id}", rpc: headroom.test.Library.GetBook, query: {v: view}}
                    - name: dead
                      path-prefix: /dead
                      pool: dead
                      grpc:
                        descriptor-set: ${set}
                        mappings: [{method: GET, path: "/dead/{id}", rpc: headroom.test.Library/GetBook}]
                    - name: native
                      path-prefix: /headroom.test.Library/
                      pool: library
                      grpc: {passthrough: true}
                    - name: native-half
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: half}
                      pool: half-dead
                      grpc: {passthrough: true}
                """);
        client = f.channel();
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        return f.get(path, headers);
    }

    private HttpResponse<String> send(String method, String path, String body) throws Exception {
        return f.send(method, path, "application/json", body);
    }

    // ---- translation --------------------------------------------------------------------------------------------

    @Test
    void getWithPathVariablesAndQuery() throws Exception {
        HttpResponse<String> r = get("/v1/shelves/fiction/books/42?view=full", "X-Tenant", "acme");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(r.body()).isEqualTo("{\"id\":\"42\",\"shelf\":\"fiction\",\"title\":\"Title of 42 (full)\",\"pageCount\":102}");
        assertThat(r.headers().firstValue("x-served-by").orElseThrow()).isIn("a", "b");
        // the member's trailers come back as headers of the (unary) JSON answer
        assertThat(r.headers().allValues("x-cost")).containsExactly("3");
        assertThat(r.headers().allValues("x-digest-bin")).containsExactly("AQL+");
        assertThat(r.headers().map()).doesNotContainKey("grpc-status");
        // the member sends an x-trace-id header and trailer of its own: the client gets the router's trace id alone
        assertThat(r.headers().allValues("x-trace-id")).singleElement().satisfies(v -> assertThat(v).matches("[0-9a-f]{32}"));
        LibraryServer served = r.headers().firstValue("x-served-by").get().equals("a") ? a : b;
        Metadata md = served.lastHeaders.get();
        assertThat(md.get(Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("acme");
        assertThat(md.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER))).startsWith("00-");
        // percent-encoded variables are decoded into the field
        HttpResponse<String> enc = get("/v1/shelves/sci%20fi/books/a%2Bb");
        assertThat(enc.body()).contains("\"shelf\":\"sci fi\"", "\"id\":\"a+b\"");
    }

    @Test
    void postWithBodyField() throws Exception {
        HttpResponse<String> r = send("POST", "/v1/shelves/fiction/books", "{\"title\":\"Dune\",\"pageCount\":412,\"tags\":[\"sf\",\"classic\"]}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("{\"id\":\"created-Dune\",\"shelf\":\"fiction\",\"title\":\"Dune\",\"pageCount\":412,"
                + "\"tags\":[\"sf\",\"classic\"]}");
        // proto field names are accepted too
        HttpResponse<String> p = send("POST", "/v1/shelves/x/books", "{\"title\":\"T\",\"page_count\":7}");
        assertThat(p.body()).contains("\"pageCount\":7");
    }

    @Test
    void serverStreamingBecomesAJsonArray() throws Exception {
        HttpResponse<String> r = get("/v1/shelves/s/books?count=3");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).isEqualTo("[{\"id\":\"b0\",\"shelf\":\"s\",\"title\":\"Book 0\"},"
                + "{\"id\":\"b1\",\"shelf\":\"s\",\"title\":\"Book 1\",\"pageCount\":1},"
                + "{\"id\":\"b2\",\"shelf\":\"s\",\"title\":\"Book 2\",\"pageCount\":2}]");
        assertThat(get("/v1/shelves/s/books?count=0").body()).isEqualTo("[]");
    }

    @Test
    void grpcStatusesMapToHttpStatuses() throws Exception {
        Map<Integer, Integer> expected = new java.util.LinkedHashMap<>();
        expected.put(Status.Code.INVALID_ARGUMENT.value(), 400);
        expected.put(Status.Code.FAILED_PRECONDITION.value(), 400);
        expected.put(Status.Code.OUT_OF_RANGE.value(), 400);
        expected.put(Status.Code.UNAUTHENTICATED.value(), 401);
        expected.put(Status.Code.PERMISSION_DENIED.value(), 403);
        expected.put(Status.Code.NOT_FOUND.value(), 404);
        expected.put(Status.Code.ALREADY_EXISTS.value(), 409);
        expected.put(Status.Code.ABORTED.value(), 409);
        expected.put(Status.Code.RESOURCE_EXHAUSTED.value(), 429);
        expected.put(Status.Code.CANCELLED.value(), 499);
        expected.put(Status.Code.UNIMPLEMENTED.value(), 501);
        expected.put(Status.Code.UNAVAILABLE.value(), 503);
        expected.put(Status.Code.DEADLINE_EXCEEDED.value(), 504);
        expected.put(Status.Code.INTERNAL.value(), 500);
        expected.put(Status.Code.UNKNOWN.value(), 500);
        expected.put(Status.Code.DATA_LOSS.value(), 500);
        for (Map.Entry<Integer, Integer> e : expected.entrySet()) {
            HttpResponse<String> r = send("POST", "/v1/fail", "{\"code\":" + e.getKey() + ",\"message\":\"failed with " + e.getKey() + "\"}");
            assertThat(r.statusCode()).as("gRPC code %d", e.getKey()).isEqualTo(e.getValue());
            assertThat(r.body()).as("gRPC code %d", e.getKey()).isEqualTo("{\"code\":" + e.getKey() + ",\"message\":\"failed with "
                    + e.getKey() + "\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"TEST_REASON\","
                    + "\"domain\":\"headroom.test\"}]}");
            // the failed call's custom trailers as headers; its status details are the body's, not repeated
            assertThat(r.headers().allValues("x-cost")).as("gRPC code %d", e.getKey()).containsExactly("3");
            assertThat(r.headers().map()).doesNotContainKeys("grpc-status-details-bin", "grpc-status", "grpc-message");
        }
        HttpResponse<String> missing = get("/v1/shelves/fiction/books/missing");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).isEqualTo("{\"code\":5,\"message\":\"no book missing on shelf fiction\",\"details\":[]}");
    }

    @Test
    void requestsThatFitNoMessageAre400AndUnboundPaths404Or405() throws Exception {
        HttpResponse<String> notJson = send("POST", "/v1/shelves/x/books", "{not json");
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(notJson.body()).startsWith("{\"code\":3,\"message\":\"the request does not fit headroom.test.CreateBookRequest");
        HttpResponse<String> wrongType = send("POST", "/v1/shelves/x/books", "{\"pageCount\":\"many\"}");
        assertThat(wrongType.statusCode()).isEqualTo(400);
        HttpResponse<String> unknownQuery = get("/v1/shelves/x/books/1?colour=red");
        assertThat(unknownQuery.statusCode()).isEqualTo(400);
        assertThat(unknownQuery.body()).contains("query parameter 'colour' names no field");
        HttpResponse<String> badNumber = get("/slow/abc");
        assertThat(badNumber.statusCode()).isEqualTo(400);
        HttpResponse<String> unbound = get("/v1/nothing/here");
        assertThat(unbound.statusCode()).isEqualTo(404);
        assertThat(unbound.body()).startsWith("{\"code\":5,");
        HttpResponse<String> wrongMethod = send("DELETE", "/v1/shelves/x/books/1", "");
        assertThat(wrongMethod.statusCode()).isEqualTo(405);
        assertThat(wrongMethod.body()).startsWith("{\"code\":12,");
    }

    @Test
    void aPassthroughOnlyRouteTurnsAwayJsonAndHttp1Grpc() throws Exception {
        HttpResponse<String> json = get("/headroom.test.Library/GetBook");
        assertThat(json.statusCode()).isEqualTo(415);
        assertThat(json.body()).startsWith("{\"code\":3,\"message\":\"route native serves native gRPC only");
        HttpResponse<String> http1 = f.http.send(HttpRequest.newBuilder(f.uri("/headroom.test.Library/GetBook"))
                .header("Content-Type", "application/grpc").POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5])).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(http1.statusCode()).isEqualTo(505);
        assertThat(http1.body()).contains("gRPC needs HTTP/2");
    }

    @Test
    void theDeadlineOfThePoolBecomes504() throws Exception {
        HttpResponse<String> r = get("/slow/3000");
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(r.body()).startsWith("{\"code\":4,");
        assertThat(get("/slow/1").statusCode()).isEqualTo(200);
    }

    @Test
    void aRefusedConnectionIsRetriedOnAnotherMember() throws Exception {
        for (int i = 0; i < 8; i++) {
            HttpResponse<String> r = get("/half/s/books/" + i + "?v=brief");
            assertThat(r.statusCode()).as("request %d: %s", i, r.body()).isEqualTo(200);
            // preserve-proto-field-names: page_count, not pageCount
            assertThat(r.body()).contains("\"title\":\"Title of " + i + " (brief)\"", "\"page_count\":");
        }
    }

    @Test
    void aPoolWithNoLiveMemberAnswers503() throws Exception {
        HttpResponse<String> r = get("/dead/1");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.body()).startsWith("{\"code\":14,");
    }

    // ---- passthrough --------------------------------------------------------------------------------------------

    private static DynamicMessage message(String type, Object... fieldsAndValues) {
        Descriptors.Descriptor t = LibraryServer.type(type);
        DynamicMessage.Builder m = DynamicMessage.newBuilder(t);
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
            m.setField(t.findFieldByName((String) fieldsAndValues[i]), fieldsAndValues[i + 1]);
        }
        return m.build();
    }

    @Test
    void passthroughUnaryWithMetadataBothWays() {
        Metadata out = new Metadata();
        out.put(Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER), "globex");
        out.put(Metadata.Key.of("x-blob-bin", Metadata.BINARY_BYTE_MARSHALLER), new byte[]{0, 1, (byte) 0xff});
        AtomicReference<Metadata> headers = new AtomicReference<>();
        AtomicReference<Metadata> trailers = new AtomicReference<>();
        var channel = ClientInterceptors.intercept(client, MetadataUtils.newAttachHeadersInterceptor(out),
                MetadataUtils.newCaptureMetadataInterceptor(headers, trailers));
        DynamicMessage book = ClientCalls.blockingUnaryCall(channel, LibraryServer.method("GetBook"), CallOptions.DEFAULT,
                message("GetBookRequest", "shelf", "poetry", "id", "7"));
        assertThat(LibraryServer.field(book, "title")).isEqualTo("Title of 7");
        assertThat(LibraryServer.field(book, "shelf")).isEqualTo("poetry");
        String servedBy = headers.get().get(Metadata.Key.of("x-served-by", Metadata.ASCII_STRING_MARSHALLER));
        assertThat(servedBy).isIn("a", "b");
        // the router's trace id, not beside the member's own x-trace-id header
        assertThat(headers.get().getAll(Metadata.Key.of("x-trace-id", Metadata.ASCII_STRING_MARSHALLER)))
                .singleElement().satisfies(v -> assertThat(v).matches("[0-9a-f]{32}"));
        Metadata seen = (servedBy.equals("a") ? a : b).lastHeaders.get();
        assertThat(seen.get(Metadata.Key.of("x-tenant", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("globex");
        assertThat(seen.get(Metadata.Key.of("x-blob-bin", Metadata.BINARY_BYTE_MARSHALLER))).containsExactly(0, 1, 0xff);
        assertThat(seen.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER))).startsWith("00-");
        // the member's trailers pass through as trailers
        assertThat(trailers.get().get(Metadata.Key.of("x-cost", Metadata.ASCII_STRING_MARSHALLER))).isEqualTo("3");
        assertThat(trailers.get().get(Metadata.Key.of("x-digest-bin", Metadata.BINARY_BYTE_MARSHALLER))).containsExactly(1, 2, 0xfe);
    }

    @Test
    void passthroughServerStreaming() {
        Iterator<DynamicMessage> it = ClientCalls.blockingServerStreamingCall(client, LibraryServer.method("ListBooks"), CallOptions.DEFAULT,
                message("ListBooksRequest", "shelf", "s", "count", 50));
        List<String> ids = new ArrayList<>();
        it.forEachRemaining(m -> ids.add((String) LibraryServer.field(m, "id")));
        assertThat(ids).hasSize(50).startsWith("b0", "b1").endsWith("b49");
        Iterator<DynamicMessage> none = ClientCalls.blockingServerStreamingCall(client, LibraryServer.method("ListBooks"), CallOptions.DEFAULT,
                message("ListBooksRequest", "shelf", "s", "count", 0));
        assertThat(none.hasNext()).isFalse();
    }

    @Test
    void passthroughErrorsKeepStatusMessageAndDetails() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(client, LibraryServer.method("Fail"), CallOptions.DEFAULT,
                message("FailRequest", "code", Status.Code.PERMISSION_DENIED.value(), "message", "not yours: ü%")))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                    assertThat(e.getStatus().getDescription()).isEqualTo("not yours: ü%");
                    com.google.rpc.Status details = StatusProto.fromThrowable(e);
                    assertThat(details).isNotNull();
                    assertThat(details.getDetails(0).getTypeUrl()).isEqualTo("type.googleapis.com/google.rpc.ErrorInfo");
                });
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(client, LibraryServer.method("GetBook"), CallOptions.DEFAULT,
                message("GetBookRequest", "shelf", "s", "id", "missing")))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }

    @Test
    void passthroughBidirectionalStreamingInterleaves() throws Exception {
        java.util.concurrent.LinkedBlockingQueue<Object> replies = new java.util.concurrent.LinkedBlockingQueue<>();
        io.grpc.stub.StreamObserver<DynamicMessage> requests = ClientCalls.asyncBidiStreamingCall(
                client.newCall(LibraryServer.method("Echo"), CallOptions.DEFAULT), new io.grpc.stub.StreamObserver<>() {
                    @Override
                    public void onNext(DynamicMessage m) {
                        replies.add(LibraryServer.field(m, "title"));
                    }

                    @Override
                    public void onError(Throwable t) {
                        replies.add(t);
                    }

                    @Override
                    public void onCompleted() {
                        replies.add("done");
                    }
                });
        // each message waits for its echo before the next is sent: only a relay that streams both ways at once answers
        for (int i = 0; i < 5; i++) {
            requests.onNext(LibraryServer.book("s", "e" + i, "msg" + i, i));
            assertThat(replies.poll(20, TimeUnit.SECONDS)).isEqualTo("echo " + i + ": msg" + i);
        }
        requests.onCompleted();
        assertThat(replies.poll(20, TimeUnit.SECONDS)).isEqualTo("done");
    }

    @Test
    void passthroughTakesGzipCompressedRequests() {
        DynamicMessage book = ClientCalls.blockingUnaryCall(client, LibraryServer.method("GetBook"), CallOptions.DEFAULT.withCompression("gzip"),
                message("GetBookRequest", "shelf", "zipped", "id", "9"));
        assertThat(LibraryServer.field(book, "shelf")).isEqualTo("zipped");
    }

    @Test
    void passthroughRetriesARefusedConnectionOnAnotherMember() {
        var channel = GrpcFixture.withHeaders(client, "x-route", "half");
        for (int i = 0; i < 6; i++) {
            DynamicMessage book = ClientCalls.blockingUnaryCall(channel, LibraryServer.method("GetBook"), CallOptions.DEFAULT,
                    message("GetBookRequest", "shelf", "half", "id", "h" + i));
            assertThat(LibraryServer.field(book, "id")).isEqualTo("h" + i);
        }
    }

    @Test
    void passthroughHonoursTheClientsDeadline() {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(client, LibraryServer.method("Sleep"),
                CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS), message("SleepRequest", "millis", 10_000)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED));
        DynamicMessage ok = ClientCalls.blockingUnaryCall(client, LibraryServer.method("Sleep"),
                CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), message("SleepRequest", "millis", 1));
        assertThat(ok).isNotNull();
    }
}
