package io.headroom.cli;

import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.KafkaConfigSection;
import io.headroom.ingest.kafka.Topics;
import io.headroom.router.config.HostPort;
import io.headroom.router.l4.EdgeConfig;
import io.headroom.router.control.ControlPlanSubscriber;
import io.headroom.router.l4.EdgeMembership;
import io.headroom.router.l4.EdgeServer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "edge", mixinStandardHelpOptions = true,
        description = {"The L4 (TCP) edge in front of a pool of gateway instances.",
                "One member per connection (least connections, or a consistent hash on",
                "the client IP), bytes spliced both ways: it carries any TCP protocol.",
                "With --kafka, autoscaler plans for pool:<pool> add members; when they",
                "expire the edge falls back to --members (fail static)."},
        footer = {"", "Examples:",
                "  headroom edge --listen 127.0.0.1:7000 \\",
                "      --members 127.0.0.1:8080,127.0.0.1:8081",
                "  headroom edge --listen 0.0.0.0:7000 --members 127.0.0.1:8080 \\",
                "      --balancer hash --max-connections 20000",
                "  headroom edge --members 127.0.0.1:8080 --kafka 127.0.0.1:9092 --pool gateways",
                "  headroom edge --config headroom.yaml   (edge: and kafka: sections;",
                "                                          flags given override them)",
                "", "In front of two gateways:",
                "  headroom proxy --listen 127.0.0.1:8080 --upstreams 127.0.0.1:9001 &",
                "  headroom proxy --listen 127.0.0.1:8081 --upstreams 127.0.0.1:9001 &",
                "  headroom edge --listen 127.0.0.1:7000 \\",
                "      --members 127.0.0.1:8080,127.0.0.1:8081",
                "", "Connections past --max-connections are closed at once and counted;",
                "a failed connect is retried on another member. Stop with Ctrl-C (open",
                "connections are closed). docs/edge.md describes every key."})
final class EdgeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-c", "--config"}, description = "A YAML file with an edge: section (and kafka: for the bootstrap servers).")
    Path config;

    @Option(names = "--listen", description = "host:port to accept on (default: " + EdgeConfig.DEFAULT_LISTEN + ").")
    String listen;

    @Option(names = "--members", split = ",", description = "Static members (gateway instances) as host:port, comma-separated; "
            + "the fail-static fallback.")
    String[] members;

    @Option(names = "--balancer", description = "least-connections (default) or hash (consistent hash on the client IP).")
    String balancer;

    @Option(names = "--max-connections", description = "Open client connections at most (default: "
            + EdgeConfig.DEFAULT_MAX_CONNECTIONS + ").")
    Integer maxConnections;

    @Option(names = "--idle-timeout", converter = DurationConverter.class,
            description = "Close a connection with no traffic either way for this long (default: 5m).")
    Duration idleTimeout;

    @Option(names = "--connect-timeout", converter = DurationConverter.class,
            description = "Timeout of one connect to a member (default: 1s).")
    Duration connectTimeout;

    @Option(names = "--kafka", description = "Bootstrap servers to read autoscaler control plans from.")
    String kafka;

    @Option(names = "--pool", description = "Pool whose autoscaler plans add members (default: " + EdgeConfig.DEFAULT_POOL + ").")
    String pool;

    @Override
    public Integer call() throws Exception {
        EdgeConfig cfg;
        String bootstrap = kafka;
        String controlTopic = Topics.DEFAULT.control();
        Map<String, String> clientProperties = Map.of();
        if (config != null) {
            ConfigNode root = ConfigNode.load(config);
            cfg = EdgeConfig.from(root);
            KafkaConfigSection k = KafkaConfigSection.from(root);
            controlTopic = k.topics().control();
            clientProperties = k.clientProperties();
            if (bootstrap == null && !k.embedded()) {
                bootstrap = k.bootstrapServers();
            }
        } else {
            if (members == null || members.length == 0) {
                throw new CommandLine.ParameterException(spec.commandLine(),
                        "Missing required option: '--members=<members>' (or --config FILE with an edge: section)");
            }
            cfg = EdgeConfig.of(listen == null ? EdgeConfig.DEFAULT_LISTEN : listen, Arrays.asList(members),
                    EdgeConfig.BalancerType.LEAST_CONNECTIONS);
        }
        cfg = override(cfg);
        String id = HeadroomConfig.defaultInstanceId();
        EdgeMembership membership = EdgeMembership.of(cfg);
        EdgeServer edge = new EdgeServer(cfg, membership);
        int port = edge.start();
        ControlPlanSubscriber subscriber = bootstrap == null ? null
                : EdgeMembership.subscribe(new KafkaClients(bootstrap, id, clientProperties), controlTopic, membership);
        System.out.println("edge listening on " + cfg.listen().host() + ":" + port + " -> pool " + cfg.pool() + " "
                + membership.snapshot().addresses() + " (" + cfg.balancer().yamlName() + ", max " + cfg.maxConnections()
                + " connections)" + (subscriber == null ? " (static members: pass --kafka for autoscaler plans)"
                : " (autoscaler plans for pool:" + cfg.pool() + " from " + bootstrap + ")"));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (subscriber != null) {
                subscriber.close();
            }
            edge.close();
            done.countDown();
        }));
        done.await();
        return ExitCodes.OK;
    }

    /** The flags given on the command line win over the file. */
    private EdgeConfig override(EdgeConfig c) {
        EdgeConfig out = c;
        if (config != null && listen != null) {
            HostPort hp = HostPort.parse(listen);
            out = new EdgeConfig(hp, out.pool(), out.members(), out.balancer(), out.maxConnections(), out.idleTimeout(),
                    out.connectTimeout(), out.connectAttempts(), out.downTime());
        }
        if (config != null && members != null && members.length > 0) {
            List<HostPort> ms = new ArrayList<>();
            for (String m : members) {
                ms.add(HostPort.parse(m));
            }
            out = new EdgeConfig(out.listen(), out.pool(), ms, out.balancer(), out.maxConnections(), out.idleTimeout(),
                    out.connectTimeout(), out.connectAttempts(), out.downTime());
        }
        if (balancer != null) {
            out = new EdgeConfig(out.listen(), out.pool(), out.members(), EdgeConfig.BalancerType.parse(balancer),
                    out.maxConnections(), out.idleTimeout(), out.connectTimeout(), out.connectAttempts(), out.downTime());
        }
        if (pool != null) {
            out = out.withPool(pool);
        }
        if (maxConnections != null) {
            out = out.withMaxConnections(maxConnections);
        }
        if (idleTimeout != null) {
            out = out.withIdleTimeout(idleTimeout);
        }
        if (connectTimeout != null) {
            out = out.withConnectTimeout(connectTimeout);
        }
        return out;
    }
}
