package io.headroom.cli;

import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.router.Router;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.control.ControlPlanSubscriber;
import io.headroom.router.telemetry.KafkaTelemetrySink;
import io.headroom.router.telemetry.TelemetrySink;
import io.headroom.cli.stack.HeadroomConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "proxy", mixinStandardHelpOptions = true,
        description = {"Quick mode: a reverse proxy for one pool, no configuration file.",
                "Smooth weighted round robin over the upstreams, keep-alive upstream connections, 1-second telemetry windows."},
        footer = {"", "Examples:",
                "  headroom proxy --listen 127.0.0.1:8080 --upstreams 127.0.0.1:9001,127.0.0.1:9002",
                "  headroom proxy --listen 127.0.0.1:8080 --upstreams 127.0.0.1:9001 --kafka 127.0.0.1:9092",
                "", "With --kafka, telemetry goes to the telemetry topic and control plans are read from the control topic;",
                "without it windows are still aggregated but not published. Stop with Ctrl-C."})
final class ProxyCommand implements Callable<Integer> {
    @Option(names = "--listen", defaultValue = "127.0.0.1:8080", description = "host:port to accept on (default: ${DEFAULT-VALUE}).")
    String listen;

    @Option(names = "--upstreams", required = true, split = ",", description = "Backends as host:port, comma-separated.")
    String[] upstreams;

    @Option(names = "--kafka", description = "Bootstrap servers to publish telemetry to and read control plans from.")
    String kafka;

    @Option(names = "--forwarding", defaultValue = "append", paramLabel = "MODE",
            description = "The client's X-Forwarded-For, X-Forwarded-Proto, X-Forwarded-Host and Forwarded: append (extend"
                    + " them with this hop; default), replace (drop the client's, write this hop's) or off (pass the"
                    + " client's unchanged, add none).")
    String forwarding;

    @Override
    public Integer call() throws Exception {
        io.headroom.router.config.Forwarding mode = io.headroom.router.config.Forwarding.parse(forwarding);
        if (mode == null) {
            throw new IllegalArgumentException("--forwarding " + forwarding + ": not a forwarding mode; use append, replace or off");
        }
        RouterConfig config = RouterConfig.quick(listen, Arrays.asList(upstreams)).withForwarding(mode);
        String id = HeadroomConfig.defaultInstanceId();
        KafkaTelemetrySink sink = null;
        ControlPlanSubscriber subscriber = null;
        TelemetrySink target = TelemetrySink.DISCARD;
        if (kafka != null) {
            KafkaClients clients = new KafkaClients(kafka, id);
            sink = KafkaTelemetrySink.create(clients, Topics.DEFAULT.telemetry(), 10_000);
            target = sink;
        }
        Router router = Router.create(config, id, target, Clock.systemUTC());
        if (kafka != null) {
            subscriber = ControlPlanSubscriber.start(new KafkaClients(kafka, id), Topics.DEFAULT.control(), router.controlPlans());
        }
        int port = router.start();
        System.out.println("proxy listening on " + config.listen().host() + ":" + port + " -> " + String.join(", ", upstreams)
                + (kafka == null ? " (telemetry not published: pass --kafka)" : " (telemetry to " + kafka + ")"));
        CountDownLatch done = new CountDownLatch(1);
        KafkaTelemetrySink s = sink;
        ControlPlanSubscriber sub = subscriber;
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            router.stop();
            if (sub != null) {
                sub.close();
            }
            if (s != null) {
                s.close();
            }
            done.countDown();
        }));
        done.await();
        return ExitCodes.OK;
    }
}
