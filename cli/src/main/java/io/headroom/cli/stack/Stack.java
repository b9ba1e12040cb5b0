package io.headroom.cli.stack;

import io.headroom.autoscaler.service.AutoscalerService;
import io.headroom.autoscaler.service.ProviderFactory;
import io.headroom.ingest.broker.EmbeddedKafka;
import io.headroom.ingest.kafka.KafkaClients;
import io.headroom.ingest.kafka.Topics;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.service.PredictorService;
import io.headroom.cli.otel.OtlpSpanSink;
import io.headroom.router.Router;
import io.headroom.router.control.ControlPlanSubscriber;

import io.headroom.router.l4.EdgeMembership;
import io.headroom.router.l4.EdgeServer;
import io.headroom.router.telemetry.KafkaTelemetrySink;
import io.headroom.router.trace.SpanSink;
import io.headroom.router.trace.TracingConfig;
import org.apache.kafka.clients.admin.Admin;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The roles of one Headroom process wired together over Kafka: an embedded broker when no bootstrap servers
 * are configured, then the router (telemetry out, control plans in), the predictor and the autoscaler, each
 * only if its section is configured and its role asked for. Closing stops them in reverse order.
 */
public final class Stack implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Stack.class.getName());

    /** Which roles to run. */
    public record Roles(boolean router, boolean predictor, boolean autoscaler, boolean edge) {
        public static final Roles ALL = new Roles(true, true, true, true);

        public Roles(boolean router, boolean predictor, boolean autoscaler) {
            this(router, predictor, autoscaler, true);
        }
    }

    private final HeadroomConfig config;
    private final List<AutoCloseable> started = new ArrayList<>();
    private EmbeddedKafka broker;
    private KafkaClients clients;
    private Router router;
    private KafkaTelemetrySink telemetrySink;
    private ControlPlanSubscriber controlSubscriber;
    private PredictorService predictor;
    private AutoscalerService autoscaler;
    private EdgeServer edge;
    private ControlPlanSubscriber edgeSubscriber;
    private Consumer<TelemetryWindow> windowObserver = w -> { };
    private volatile ConfigReloader reloader;
    private SpanSink spanSink;

    private Stack(HeadroomConfig config) {
        this.config = config;
    }

    /**
     * Starts what {@code config} and {@code roles} ask for. {@code embeddedDir} overrides the embedded broker's data
     * directory (null: the configured one).
     */
    public static Stack start(HeadroomConfig config, Roles roles, Clock clock, Path embeddedDir) throws IOException {
        return start(config, roles, clock, embeddedDir, w -> { });
    }

    /**
     * As {@link #start(HeadroomConfig, Roles, Clock, Path)}; {@code windowObserver} also sees every telemetry window the
     * router closes (on the aggregator's thread, once a second per route), e.g. to derive metrics from it.
     */
    public static Stack start(HeadroomConfig config, Roles roles, Clock clock, Path embeddedDir,
                              Consumer<TelemetryWindow> windowObserver) throws IOException {
        Stack s = new Stack(config);
        s.windowObserver = windowObserver;
        try {
            s.startAll(roles, clock, embeddedDir);
            return s;
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    private void startAll(Roles roles, Clock clock, Path embeddedDir) throws IOException {
        String bootstrap = config.kafka().bootstrapServers();
        if (config.kafka().embedded()) {
            broker = EmbeddedKafka.start(embeddedDir != null ? embeddedDir : config.kafka().embeddedDataDir(), 0);
            started.add(broker);
            bootstrap = broker.bootstrapServers();
        }
        clients = new KafkaClients(bootstrap, config.instanceId(), config.kafka().clientProperties());
        Topics topics = config.kafka().topics();
        try (Admin admin = clients.admin()) {
            topics.ensure(admin, config.kafka().telemetryPartitions(), (short) 1);
        }
        if (roles.autoscaler() && config.autoscaler() != null) {
            autoscaler = new AutoscalerService(config.autoscaler(), clients, topics, clock, ProviderFactory.standard(clock)).start();
            started.add(autoscaler);
        }
        if (roles.predictor() && config.predictor() != null) {
            predictor = PredictorService.start(clients, topics, config.predictor(), clock);
            started.add(predictor);
        }
        if (roles.router() && config.router() != null) {
            telemetrySink = KafkaTelemetrySink.create(clients, topics.telemetry(), 10_000);
            started.add(telemetrySink);
            KafkaTelemetrySink kafkaSink = telemetrySink;
            Consumer<TelemetryWindow> observer = windowObserver;
            TracingConfig tracing = config.tracing();
            if (tracing.otlp() != null) {
                // Started before the router and closed after it, so the last requests' spans still go out.
                spanSink = OtlpSpanSink.start(tracing.otlp(), config.instanceId());
                started.add(spanSink);
            }
            router = Router.create(config.router(), config.instanceId(), w -> {
                observer.accept(w);
                kafkaSink.accept(w);
            }, clock, tracing, spanSink);
            controlSubscriber = ControlPlanSubscriber.start(clients, topics.control(), router.controlPlans());
            started.add(controlSubscriber);
            router.start();
            started.add(router);
        }
        if (roles.edge() && config.edge() != null) {
            EdgeMembership membership = EdgeMembership.of(config.edge());
            edge = new EdgeServer(config.edge(), membership);
            edge.start();
            started.add(edge);
            edgeSubscriber = EdgeMembership.subscribe(clients, topics.control(), membership);
            started.add(edgeSubscriber);
        }
    }

    /**
     * Enables hot reload from {@code file} (the file this stack was started from): {@code POST /api/reload}, SIGHUP,
     * and with {@code watch} also the file changing on disk. Stopped by {@link #close()}.
     */
    public synchronized ConfigReloader reloadFrom(Path file, boolean watch, Clock clock) throws IOException {
        if (reloader == null) {
            reloader = new ConfigReloader(this, file, clock);
            started.add(reloader);
        }
        if (watch) {
            reloader.watch(java.time.Duration.ofMillis(300));
        }
        return reloader;
    }

    /** Hot reload, or null when {@link #reloadFrom} was not called. */
    public ConfigReloader reloader() {
        return reloader;
    }

    /** The span exporter of the router, or null when {@code tracing.otlp} is not configured. */
    public SpanSink spanSink() {
        return spanSink;
    }

    /** The L4 edge, or null when not configured or not asked for. */
    public EdgeServer edge() {
        return edge;
    }

    public HeadroomConfig config() {
        return config;
    }

    public KafkaClients clients() {
        return clients;
    }

    public String bootstrapServers() {
        return clients.bootstrapServers();
    }

    /** The embedded broker, or null with an external cluster. */
    public EmbeddedKafka broker() {
        return broker;
    }

    public Router router() {
        return router;
    }

    public KafkaTelemetrySink telemetrySink() {
        return telemetrySink;
    }

    public ControlPlanSubscriber controlSubscriber() {
        return controlSubscriber;
    }

    public PredictorService predictor() {
        return predictor;
    }

    public AutoscalerService autoscaler() {
        return autoscaler;
    }

    /** Stops everything started, newest first; never throws. */
    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                LOG.log(Level.WARNING, "error while stopping " + started.get(i).getClass().getSimpleName(), e);
            }
        }
        started.clear();
    }
}
