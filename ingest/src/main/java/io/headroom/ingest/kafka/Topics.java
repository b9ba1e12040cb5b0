package io.headroom.ingest.kafka;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The four topic names of the loop. Names are configuration; these are the defaults.
 */
public record Topics(String telemetry, String control, String scaling, String events) {

    public static final Topics DEFAULT = new Topics("headroom.telemetry", "headroom.control", "headroom.scaling", "headroom.events");

    public Topics {
        Objects.requireNonNull(telemetry, "telemetry");
        Objects.requireNonNull(control, "control");
        Objects.requireNonNull(scaling, "scaling");
        Objects.requireNonNull(events, "events");
    }

    /**
     * Creates any missing topic. Telemetry is partitioned by route so predictors can split routes in a group;
     * control plans are compacted so a starting router reads the latest plan of every scope.
     */
    public void ensure(Admin admin, int telemetryPartitions, short replication) {
        List<NewTopic> wanted = new ArrayList<>();
        wanted.add(new NewTopic(telemetry, telemetryPartitions, replication)
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(TimeUnit.DAYS.toMillis(8)))));
        wanted.add(new NewTopic(control, 1, replication).configs(Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT,
                TopicConfig.MIN_COMPACTION_LAG_MS_CONFIG, "0",
                TopicConfig.SEGMENT_MS_CONFIG, String.valueOf(TimeUnit.HOURS.toMillis(1)))));
        wanted.add(new NewTopic(scaling, telemetryPartitions, replication));
        wanted.add(new NewTopic(events, 1, replication));
        try {
            Set<String> existing = admin.listTopics().names().get(30, TimeUnit.SECONDS);
            List<NewTopic> missing = wanted.stream().filter(t -> !existing.contains(t.name())).toList();
            if (missing.isEmpty()) {
                return;
            }
            admin.createTopics(missing).all().get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof TopicExistsException)) {
                throw new IllegalStateException("could not create Headroom topics: " + e.getCause().getMessage(), e.getCause());
            }
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within 30 s while creating topics: is the broker reachable?", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        }
    }
}
