package io.headroom.ingest.kafka;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.RetriableException;

import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Publishes records through a bounded buffer that never blocks the caller.
 *
 * <p>{@link #offer} puts a record in a fixed-size queue and returns at once; when the queue is full the record
 * is dropped and counted. One sender thread drains the queue into the Kafka producer, so a slow or dead broker
 * costs buffered records and counted drops, never a blocked request thread. While the producer refuses records
 * (no metadata: the broker is away) they stay queued and are retried with back-off, so an outage shorter than the
 * queue loses nothing. Records handed to the producer that later fail (after the producer's own retries, within
 * its delivery timeout) are counted as failed.
 */
public final class BoundedPublisher<V> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BoundedPublisher.class.getName());

    private record Pending<V>(String topic, String key, V value) {
    }

    private final Producer<String, V> producer;
    private final BlockingQueue<Pending<V>> queue;
    private final Thread sender;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    /**
     * The record being handed to the producer, owned by the sender thread: it stays here while the broker is away,
     * and new records queue behind it in the bounded queue until offer() must drop.
     */
    private volatile Pending<V> head;
    private volatile boolean running = true;
    private volatile String lastError = "";

    /**
     * @param producer the Kafka producer to drain into; this publisher closes it
     * @param capacity how many records may wait while Kafka is slow or away
     * @param name     thread name suffix, for diagnostics
     */
    public BoundedPublisher(Producer<String, V> producer, int capacity, String name) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("capacity: " + capacity + " (expected: > 0)");
        }
        this.producer = producer;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sender = Thread.ofPlatform().daemon().name("headroom-publisher-" + name).unstarted(this::drain);
        this.sender.start();
    }

    /** Queues a record; returns false (and counts a drop) if the buffer is full or the publisher closed. Never blocks. */
    public boolean offer(String topic, String key, V value) {
        offered.incrementAndGet();
        if (!running || !queue.offer(new Pending<>(topic, key, value))) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    private void drain() {
        Callback callback = (metadata, exception) -> {
            if (exception == null) {
                acked.incrementAndGet();
            } else {
                failed.incrementAndGet();
                lastError = exception.toString();
                if (exception instanceof RetriableException) {
                    LOG.log(Level.FINE, "send failed after retries: {0}", exception.toString());
                } else {
                    LOG.log(Level.WARNING, "send failed: {0}", exception.toString());
                }
            }
        };
        long backoffMillis = 0;
        while (running || head != null || !queue.isEmpty()) {
            try {
                if (head == null) {
                    head = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (head == null) {
                        continue;
                    }
                }
                if (backoffMillis > 0) {
                    Thread.sleep(backoffMillis);
                }
            } catch (InterruptedException e) {
                if (!running && head == null) {
                    break;
                }
                continue;
            }
            try {
                producer.send(new ProducerRecord<>(head.topic(), head.key(), head.value()), callback);
                head = null;
                sent.incrementAndGet();
                backoffMillis = 0;
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException
                     | AuthenticationException e) {
                // Fatal for this producer: stop, and let the owner see it in stats() and the log.
                head = null;
                failed.incrementAndGet();
                lastError = e.toString();
                LOG.log(Level.SEVERE, "fatal producer error, publishing stops: " + e, e);
                running = false;
            } catch (KafkaException e) {
                lastError = e.toString();
                if (!running) {
                    // Closing with the broker away: what is left is lost, and counted as failed.
                    head = null;
                    failed.incrementAndGet();
                    continue;
                }
                // e.g. no metadata within max.block.ms: the broker is away. Keep the record and retry with back-off.
                retries.incrementAndGet();
                backoffMillis = Math.min(2_000, Math.max(100, backoffMillis * 2));
                LOG.log(Level.FINE, "send not accepted, retrying in {0} ms: {1}", new Object[]{backoffMillis, e.toString()});
            }
        }
    }

    public Stats stats() {
        return new Stats(offered.get(), dropped.get(), sent.get(), acked.get(), failed.get(), queue.size() + (head == null ? 0 : 1), lastError,
                retries.get());
    }

    /**
     * Counters since start. {@code buffered} is the current queue depth; {@code sendRetries} counts hand-overs to the
     * producer that were refused (broker away) and retried.
     */
    public record Stats(long offered, long dropped, long sent, long acked, long failed, int buffered, String lastError,
                        long sendRetries) {
    }

    /** Flushes what is buffered (waiting up to {@code timeout}), then closes the producer. */
    public void close(Duration timeout) {
        running = false;
        try {
            sender.join(timeout.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
        producer.close(timeout);
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
