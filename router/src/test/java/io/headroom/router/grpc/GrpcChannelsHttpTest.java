package io.headroom.router.grpc;

import com.google.protobuf.Descriptors;
import com.google.protobuf.DynamicMessage;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCalls;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.router.Router;
import io.headroom.router.control.ControlPlanStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** One channel per member, opened on use and shut down when the member leaves the pool (an autoscaler plan here). */
@Timeout(60)
class GrpcChannelsHttpTest {
    private static ControlPlan members(long epoch, List<String> members) {
        long now = System.currentTimeMillis();
        return new ControlPlan("pool:dyn", ControlPlan.SOURCE_AUTOSCALER, epoch, now, now + 600_000, Map.of(), List.of(), members, "test");
    }

    private static DynamicMessage get(ManagedChannel c, String id) {
        Descriptors.Descriptor t = LibraryServer.type("GetBookRequest");
        return ClientCalls.blockingUnaryCall(c, LibraryServer.method("GetBook"), CallOptions.DEFAULT,
                DynamicMessage.newBuilder(t).setField(t.findFieldByName("shelf"), "s").setField(t.findFieldByName("id"), id).build());
    }

    @Test
    void aMemberThatLeavesHasItsChannelShutDown() throws Exception {
        try (GrpcFixture f = new GrpcFixture("grpc-channels", "a", "b")) {
            LibraryServer a = f.member("a");
            LibraryServer b = f.member("b");
            Router router = f.start("""
                    router:
                      listen: 127.0.0.1:0
                      pools:
                        dyn: {backends: [], balancer: {type: round-robin}}
                      routes:
                        - {name: native, path-prefix: /, pool: dyn, grpc: {passthrough: true}}
                    """);
            ManagedChannel client = f.channel();
            assertThat(router.controlPlans().apply(members(1, List.of("127.0.0.1:" + a.port(), "127.0.0.1:" + b.port()))))
                    .isEqualTo(ControlPlanStore.Outcome.APPLIED);
            for (int i = 0; i < 4; i++) {
                get(client, "x" + i);
            }
            assertThat(a.calls.get()).isEqualTo(2);
            assertThat(b.calls.get()).isEqualTo(2);
            assertThat(router.grpcChannels().open()).isEqualTo(2);

            assertThat(router.controlPlans().apply(members(2, List.of("127.0.0.1:" + a.port()))))
                    .isEqualTo(ControlPlanStore.Outcome.APPLIED);
            for (int i = 0; i < 3; i++) {
                assertThat(LibraryServer.field(get(client, "y" + i), "id")).isEqualTo("y" + i);
            }
            assertThat(a.calls.get()).isEqualTo(5);
            assertThat(b.calls.get()).isEqualTo(2);
            assertThat(router.grpcChannels().open()).isEqualTo(1);

            client.shutdownNow();
            router.stop();
            assertThat(router.grpcChannels().open()).isZero();
        }
    }
}
