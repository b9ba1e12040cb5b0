package io.headroom.router.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCalls;
import io.headroom.router.Router;
import io.headroom.router.analytics.UsageAnalytics;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * What the access log and usage analytics record of a gRPC route's call: the HTTP status of its gRPC status (a
 * passthrough call answers HTTP 200 whatever its outcome) and the gRPC status itself ({@code grpc_status}), for calls
 * the member failed, calls the router failed (no member), and JSON translation.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(120)
class GrpcCallOutcomeHttpTest {
    private GrpcFixture f;
    private Router router;
    private ManagedChannel client;

    @BeforeAll
    void start() throws Exception {
        f = new GrpcFixture("grpc-outcome", "a");
        router = f.start("""
                router:
                  listen: 127.0.0.1:0
                  access-log: {enabled: true, fields: [route, path, status, grpc_status], file: ${log}}
                  pools:
                    library:
                      backends: [${a}]
                    dead:
                      backends: [${dead}]
                  routes:
                    - name: json
                      path-prefix: /v1
                      pool: library
                      grpc: {descriptor-set: ${set}}
                    - name: native-dead
                      path-prefix: /headroom.test.Library/
                      headers: {x-route: dead}
                      pool: dead
                      grpc: {passthrough: true}
                    - name: native
                      path-prefix: /headroom.test.Library/
                      pool: library
                      grpc: {passthrough: true}
                """);
        client = f.channel();
    }

    @AfterAll
    void stop() throws Exception {
        f.close();
    }

    private static DynamicMessage fail(Status.Code code) {
        Descriptors.Descriptor t = LibraryServer.type("FailRequest");
        return DynamicMessage.newBuilder(t).setField(t.findFieldByName("code"), code.value())
                .setField(t.findFieldByName("message"), "failed as asked").build();
    }

    private void failedCall(io.grpc.Channel ch, Status.Code code, Status.Code expected) {
        assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(ch, LibraryServer.method("Fail"), CallOptions.DEFAULT
                        .withDeadlineAfter(20, java.util.concurrent.TimeUnit.SECONDS), fail(code)))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> assertThat(e.getStatus().getCode()).isEqualTo(expected));
    }

    @Test
    void passthroughAndTranslatedCallsAreLoggedAndCountedWithTheirGrpcStatus() throws Exception {
        // passthrough: OK, NOT_FOUND and UNAVAILABLE from the member, UNAVAILABLE from the router (no live member)
        Descriptors.Descriptor req = LibraryServer.type("GetBookRequest");
        DynamicMessage get = DynamicMessage.newBuilder(req).setField(req.findFieldByName("shelf"), "s").setField(req.findFieldByName("id"), "1").build();
        ClientCalls.blockingUnaryCall(client, LibraryServer.method("GetBook"), CallOptions.DEFAULT.withDeadlineAfter(20,
                java.util.concurrent.TimeUnit.SECONDS), get);
        failedCall(client, Status.Code.NOT_FOUND, Status.Code.NOT_FOUND);
        failedCall(client, Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE);
        failedCall(f.channel("x-route", "dead"), Status.Code.OK, Status.Code.UNAVAILABLE);
        // JSON translation: the HTTP status was already the mapped one; the gRPC status is logged too
        HttpResponse<String> r = f.post("/v1/fail", "application/json", "{\"code\": 7, \"message\": \"no\"}");
        assertThat(r.statusCode()).isEqualTo(403);

        await().atMost(Duration.ofSeconds(30)).until(() -> Files.exists(f.log) && Files.readAllLines(f.log).size() >= 5);
        assertThat(Files.readAllLines(f.log)).containsExactly(
                "{\"route\":\"native\",\"path\":\"/headroom.test.Library/GetBook\",\"status\":200,\"grpc_status\":0}",
                "{\"route\":\"native\",\"path\":\"/headroom.test.Library/Fail\",\"status\":404,\"grpc_status\":5}",
                "{\"route\":\"native\",\"path\":\"/headroom.test.Library/Fail\",\"status\":503,\"grpc_status\":14}",
                "{\"route\":\"native-dead\",\"path\":\"/headroom.test.Library/Fail\",\"status\":503,\"grpc_status\":14}",
                "{\"route\":\"json\",\"path\":\"/v1/fail\",\"status\":403,\"grpc_status\":7}");

        UsageAnalytics.Report today = router.usage().today();
        UsageAnalytics.Usage nativeUsage = today.byRoute().get("native");
        assertThat(nativeUsage.requests()).isEqualTo(3);
        assertThat(nativeUsage.clientErrors()).isEqualTo(1);
        assertThat(nativeUsage.serverErrors()).isEqualTo(1);
        assertThat(today.byRoute().get("native-dead").serverErrors()).isEqualTo(1);
        assertThat(today.byRoute().get("json").clientErrors()).isEqualTo(1);
    }
}
