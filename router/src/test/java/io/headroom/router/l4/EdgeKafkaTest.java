package io.headroom.router.l4;

import io.headroom.router.control.ControlPlanSubscriber;

import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.time.Ticker;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.headroom.router.l4.TcpTestServer.connect;
import static io.headroom.router.l4.TcpTestServer.readLine;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A gateway instance that the autoscaler announces on the real (embedded) broker joins the edge and gets connections. */
@Timeout(120)
class EdgeKafkaTest {

    @Test
    void anAutoscalerPlanAddsAGatewayThatThenReceivesNewConnections() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.startTemporary();
             TcpTestServer first = new TcpTestServer("first", TcpTestServer.Mode.GREET_ECHO);
             TcpTestServer added = new TcpTestServer("added", TcpTestServer.Mode.GREET_ECHO)) {
            KafkaClients clients = new KafkaClients(kafka.bootstrapServers(), "edge-test");
            try (Admin admin = clients.admin()) {
                Topics.DEFAULT.ensure(admin, 1, (short) 1);
            }
            EdgeConfig cfg = EdgeConfig.of("127.0.0.1:0", List.of(first.address()), EdgeConfig.BalancerType.LEAST_CONNECTIONS);
            EdgeMembership membership = new EdgeMembership(cfg.pool(), cfg.members(), cfg.balancer(), Clock.systemUTC(), 11);
            long now = System.currentTimeMillis();
            ControlPlan other = new ControlPlan("pool:api", ControlPlan.SOURCE_AUTOSCALER, 9, now, now + 60_000, Map.of(), List.of(),
                    List.of("127.0.0.1:1"), "another pool's plan");
            ControlPlan plan = new ControlPlan("pool:gateways", ControlPlan.SOURCE_AUTOSCALER, 3, now, now + 60_000, Map.of(),
                    List.of(), List.of(first.address(), added.address()), "scale-out to 2");
            try (EdgeServer edge = new EdgeServer(cfg, membership, Ticker.system());
                 KafkaProducer<String, ControlPlan> p = clients.producer("plans", Codecs.CONTROL.serializer());
                 ControlPlanSubscriber sub = EdgeMembership.subscribe(clients, Topics.DEFAULT.control(), membership)) {
                int port = edge.start();
                try (Socket one = connect(port)) {
                    assertThat(readLine(one.getInputStream())).isEqualTo("first");

                    p.send(new ProducerRecord<>(Topics.DEFAULT.control(), other.key(), other)).get();
                    p.send(new ProducerRecord<>(Topics.DEFAULT.control(), plan.key(), plan)).get();
                    await().atMost(Duration.ofSeconds(60)).until(() -> membership.snapshot().members().size() == 2);
                    assertThat(membership.snapshot().autoscalerEpoch()).isEqualTo(3);
                    await().atMost(Duration.ofSeconds(10)).until(() -> sub.appliedCount() == 1 && sub.ignoredCount() == 1);

                    // "first" holds one connection, the new gateway none: least connections sends the next ones there
                    try (Socket two = connect(port)) {
                        assertThat(readLine(two.getInputStream())).isEqualTo("added");
                    }
                }
                assertThat(edge.memberState(added.address()).connections()).isEqualTo(1);
            }
        }
    }
}
