package io.headroom.ingest.kafka;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.InvalidOffsetException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One thread that owns a Kafka consumer and hands each polled batch to a handler.
 *
 * <p>Two modes: {@link #subscribe} joins a consumer group (predictors split the telemetry routes), and
 * {@link #assignAll} reads every partition of the topics from the beginning without a group (every router
 * reads every control plan). A record that cannot be decoded is skipped and counted, never fatal; a handler
 * exception is logged and the loop goes on; authentication or authorization failures stop the loop.
 */
public final class ConsumerLoop<V> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(ConsumerLoop.class.getName());

    /** Receives each non-empty batch on the loop's thread. */
    @FunctionalInterface
    public interface Handler<V> {
        void handle(ConsumerRecords<String, V> records) throws Exception;
    }

    private final Consumer<String, V> consumer;
    private final Handler<V> handler;
    private final Thread thread;
    private final Duration pollTimeout;
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final AtomicLong polled = new AtomicLong();
    private final AtomicLong skipped = new AtomicLong();
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private final Mode mode;
    private final List<String> topics;
    private final ConsumerRebalanceListener listener;

    private enum Mode { SUBSCRIBE, ASSIGN_ALL }

    private ConsumerLoop(Consumer<String, V> consumer, Mode mode, List<String> topics, ConsumerRebalanceListener listener,
                         Handler<V> handler, String name, Duration pollTimeout) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.mode = mode;
        this.topics = List.copyOf(topics);
        this.listener = listener;
        this.handler = Objects.requireNonNull(handler, "handler");
        this.pollTimeout = pollTimeout;
        this.thread = Thread.ofPlatform().daemon().name("headroom-consumer-" + name).unstarted(this::run);
    }

    /** Joins the consumer's group on {@code topics}; {@code listener} may be null. Call {@link #start()}. */
    public static <V> ConsumerLoop<V> subscribe(Consumer<String, V> consumer, Collection<String> topics,
                                                ConsumerRebalanceListener listener, Handler<V> handler, String name) {
        return new ConsumerLoop<>(consumer, Mode.SUBSCRIBE, List.copyOf(topics), listener, handler, name, Duration.ofMillis(200));
    }

    /** Reads all partitions of {@code topics} from the beginning, without a group. Call {@link #start()}. */
    public static <V> ConsumerLoop<V> assignAll(Consumer<String, V> consumer, Collection<String> topics, Handler<V> handler,
                                                String name) {
        return new ConsumerLoop<>(consumer, Mode.ASSIGN_ALL, List.copyOf(topics), null, handler, name, Duration.ofMillis(200));
    }

    public ConsumerLoop<V> start() {
        thread.start();
        return this;
    }

    private void run() {
        try {
            if (mode == Mode.SUBSCRIBE) {
                consumer.subscribe(topics, listener == null ? new ConsumerRebalanceListener() {
                    @Override
                    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                    }

                    @Override
                    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    }
                } : listener);
            } else {
                assignAllPartitions();
            }
            while (running) {
                ConsumerRecords<String, V> records;
                try {
                    records = consumer.poll(pollTimeout);
                } catch (WakeupException e) {
                    break;
                } catch (RecordDeserializationException e) {
                    // A corrupt or foreign record: skip exactly that one and go on.
                    skipped.incrementAndGet();
                    LOG.log(Level.WARNING, "skipping undecodable record at {0} offset {1}: {2}",
                            new Object[]{e.topicPartition(), e.offset(), e.getMessage()});
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                    continue;
                } catch (InvalidOffsetException e) {
                    LOG.log(Level.WARNING, "offsets out of range for {0}; restarting from the earliest retained record",
                            e.partitions());
                    consumer.seekToBeginning(e.partitions());
                    continue;
                } catch (AuthenticationException | AuthorizationException e) {
                    LOG.log(Level.SEVERE, "consumer " + thread.getName() + " stops: " + e.getMessage(), e);
                    break;
                } catch (KafkaException e) {
                    LOG.log(Level.WARNING, "poll failed, retrying: {0}", e.toString());
                    continue;
                }
                if (!records.isEmpty()) {
                    polled.addAndGet(records.count());
                    try {
                        handler.handle(records);
                    } catch (Exception e) {
                        LOG.log(Level.WARNING, "handler failed on a batch of " + records.count() + " record(s)", e);
                    }
                } else if (mode == Mode.ASSIGN_ALL && !caughtUp) {
                    caughtUp = true;
                }
            }
        } catch (WakeupException e) {
            // closing
        } catch (RuntimeException e) {
            LOG.log(Level.SEVERE, "consumer loop " + thread.getName() + " died", e);
        } finally {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.log(Level.FINE, "consumer close failed", e);
            }
            stopped.countDown();
        }
    }

    private void assignAllPartitions() {
        List<TopicPartition> parts = new ArrayList<>();
        for (String t : topics) {
            List<PartitionInfo> infos = null;
            while (running && (infos == null || infos.isEmpty())) {
                try {
                    infos = consumer.partitionsFor(t, Duration.ofSeconds(5));
                } catch (KafkaException e) {
                    if (e instanceof WakeupException w) {
                        throw w;
                    }
                    LOG.log(Level.WARNING, "no metadata for topic {0} yet: {1}", new Object[]{t, e.toString()});
                }
            }
            if (infos != null) {
                for (PartitionInfo pi : infos) {
                    parts.add(new TopicPartition(pi.topic(), pi.partition()));
                }
            }
        }
        consumer.assign(parts);
        consumer.seekToBeginning(parts);
    }

    /** Records handed to the handler so far. */
    public long polledCount() {
        return polled.get();
    }

    /** Records skipped because they could not be decoded. */
    public long skippedCount() {
        return skipped.get();
    }

    /** For assign-all loops: true once a poll came back empty, i.e. the backlog at start was read. */
    public boolean caughtUp() {
        return caughtUp;
    }

    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Stops polling, waits for the thread and closes the consumer. */
    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            if (!stopped.await(10, TimeUnit.SECONDS)) {
                LOG.warning("consumer loop " + thread.getName() + " did not stop within 10 s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
