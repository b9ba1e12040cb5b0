package io.headroom.cli.stack;

import io.headroom.autoscaler.config.AutoscalerConfig;
import io.headroom.cli.admin.AdminConfig;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.kafka.KafkaConfigSection;
import io.headroom.predictor.plan.PredictorSettings;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.l4.EdgeConfig;
import io.headroom.router.trace.TracingConfig;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.function.Function;

/**
 * The whole configuration file, validated section by section at start: the first error stops the start and names
 * its file:line.
 */
public record HeadroomConfig(String instanceId, KafkaConfigSection kafka, RouterConfig router, PredictorSettings predictor,
                             AutoscalerConfig autoscaler, EdgeConfig edge, AdminConfig admin, ConfigNode root) {

    public static final String[] TOP_LEVEL_KEYS = {"instance-id", "kafka", "router", "predictor", "autoscaler", "edge", "admin", "tracing"};

    public static HeadroomConfig load(Path file) {
        return from(ConfigNode.load(file));
    }

    public static HeadroomConfig from(ConfigNode root) {
        return from(root, System::getenv);
    }

    /** As {@link #from(ConfigNode)}, with environment variables (the admin token's) looked up through {@code env}. */
    public static HeadroomConfig from(ConfigNode root, Function<String, String> env) {
        root.requireOnly(TOP_LEVEL_KEYS);
        String id = root.string("instance-id", defaultInstanceId());
        KafkaConfigSection kafka = KafkaConfigSection.from(root);
        RouterConfig router = root.has("router") ? RouterConfig.from(root) : null;
        PredictorSettings predictor = root.has("predictor") ? PredictorSettings.from(root) : null;
        AutoscalerConfig autoscaler = root.has("autoscaler") ? AutoscalerConfig.from(root) : null;
        EdgeConfig edge = root.has("edge") ? EdgeConfig.from(root) : null;
        AdminConfig admin = root.has("admin") ? AdminConfig.from(root, env) : null;
        TracingConfig.from(root); // validated now; read again by tracing()
        return new HeadroomConfig(id, kafka, router, predictor, autoscaler, edge, admin, root);
    }

    /** The {@code tracing:} section (response header, OTLP export), or its defaults. */
    public TracingConfig tracing() {
        return TracingConfig.from(root);
    }

    /** {@code host-pid}: unique per process on a machine, stable for its life. */
    public static String defaultInstanceId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "localhost";
        }
        return host + "-" + ManagementFactory.getRuntimeMXBean().getPid();
    }
}
