package io.headroom.cli;

import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "broker", mixinStandardHelpOptions = true,
        description = "Runs the single-node Kafka broker (KRaft) standalone, with Headroom's topics created.",
        footer = {"", "Examples:",
                "  headroom broker --data .headroom/kafka --port 9092",
                "  headroom broker --data /tmp/k            (port reused from the last start, or a free one)",
                "", "The data directory is formatted on first start and reused afterwards; stop with Ctrl-C or SIGTERM."})
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--data", description = "Data directory (default: ${DEFAULT-VALUE}).", defaultValue = ".headroom/kafka")
    Path data;

    @Option(names = "--port", description = "Client port on 127.0.0.1; 0 = reuse the last one or pick a free one (default: ${DEFAULT-VALUE}).",
            defaultValue = "9092")
    int port;

    @Option(names = "--partitions", description = "Telemetry partitions (default: ${DEFAULT-VALUE}).", defaultValue = "8")
    int partitions;

    @Override
    public Integer call() throws Exception {
        EmbeddedKafka broker = EmbeddedKafka.start(data, port);
        try (Admin admin = new KafkaClients(broker.bootstrapServers(), "headroom-broker").admin()) {
            Topics.DEFAULT.ensure(admin, partitions, (short) 1);
        }
        System.out.println("broker listening on " + broker.bootstrapServers() + " (data " + data.toAbsolutePath() + ")");
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            done.countDown();
        }));
        done.await();
        return ExitCodes.OK;
    }
}
