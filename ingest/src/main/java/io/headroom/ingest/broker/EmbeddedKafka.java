package io.headroom.ingest.broker;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.logging.Logger;

/**
 * A single-node Kafka broker (KRaft, combined broker and controller) running inside this JVM: the default
 * when no bootstrap servers are configured, and what {@code headroom broker} runs standalone.
 *
 * <p>The data directory is formatted on first start and reused afterwards: topics and records survive a
 * restart. The chosen ports and cluster id are kept in {@code headroom-broker.properties} inside the data
 * directory so a restart comes back at the same address.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(EmbeddedKafka.class.getName());
    private static final String STATE_FILE = "headroom-broker.properties";

    private final Path dataDir;
    private final int port;
    private final int controllerPort;
    private final KafkaRaftServer server;
    private volatile boolean stopped;

    private EmbeddedKafka(Path dataDir, int port, int controllerPort, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.port = port;
        this.controllerPort = controllerPort;
        this.server = server;
    }

    /**
     * Starts a broker on {@code dataDir}. {@code port == 0} reuses the port recorded by an earlier start on the
     * same directory, or picks a free one.
     */
    public static EmbeddedKafka start(Path dataDir, int port) throws IOException {
        Files.createDirectories(dataDir);
        Path stateFile = dataDir.resolve(STATE_FILE);
        Properties state = new Properties();
        if (Files.exists(stateFile)) {
            try (InputStream in = Files.newInputStream(stateFile)) {
                state.load(in);
            }
        }
        int brokerPort = port > 0 ? port : Integer.parseInt(state.getProperty("port", "0"));
        if (brokerPort == 0 || !isFree(brokerPort)) {
            if (port > 0) {
                throw new IOException("port " + port + " on 127.0.0.1 is in use: pick another with --port");
            }
            brokerPort = freePort();
        }
        int ctrlPort = Integer.parseInt(state.getProperty("controller.port", "0"));
        if (ctrlPort == 0 || ctrlPort == brokerPort || !isFree(ctrlPort)) {
            do {
                ctrlPort = freePort();
            } while (ctrlPort == brokerPort);
        }
        String clusterId = state.getProperty("cluster.id");
        if (clusterId == null) {
            clusterId = Uuid.randomUuid().toString();
        }
        Path logDir = dataDir.resolve("kraft");
        Files.createDirectories(logDir);

        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + ctrlPort);
        p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + ctrlPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("log.dirs", logDir.toAbsolutePath().toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "4");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        // Compaction of the control topic should be visible within minutes, not days.
        p.put("log.cleaner.min.compaction.lag.ms", "0");
        p.put("log.retention.check.interval.ms", "60000");
        KafkaConfig config = new KafkaConfig(p, false);

        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setNodeId(1)
                    .setClusterId(clusterId)
                    .setDirectories(java.util.List.of(logDir.toAbsolutePath().toString()))
                    .setMetadataLogDirectory(logDir.toAbsolutePath().toString())
                    .setControllerListenerName("CONTROLLER")
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .setIgnoreFormatted(true)
                    .run();
        } catch (Exception e) {
            throw new IOException("could not format Kafka data directory " + logDir + ": " + e.getMessage(), e);
        }
        state.setProperty("port", String.valueOf(brokerPort));
        state.setProperty("controller.port", String.valueOf(ctrlPort));
        state.setProperty("cluster.id", clusterId);
        try (OutputStream out = Files.newOutputStream(stateFile)) {
            state.store(out, "Headroom embedded broker: ports and cluster id reused on restart");
        }
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        server.startup();
        LOG.info("embedded Kafka broker listening on 127.0.0.1:" + brokerPort + " (data " + dataDir + ")");
        return new EmbeddedKafka(dataDir, brokerPort, ctrlPort, server);
    }

    /** Starts a broker on a fresh temporary directory and a free port. */
    public static EmbeddedKafka startTemporary() throws IOException {
        return start(Files.createTempDirectory("headroom-kafka-"), 0);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker and waits for it; safe to call twice. */
    @Override
    public synchronized void close() {
        if (stopped) {
            return;
        }
        stopped = true;
        server.shutdown();
        server.awaitShutdown();
        LOG.info("embedded Kafka broker on 127.0.0.1:" + port + " stopped");
    }

    private static boolean isFree(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    /** Unused controller port accessor kept for diagnostics. */
    int controllerPort() {
        return controllerPort;
    }
}
