package io.headroom.ingest.kafka;

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
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Publishes records through a bounded buffer that never blocks the caller.
 *
 * <p>{@link #offer} puts a record in a fixed-size queue and returns at once; when the buffer is full the record is
 * dropped and counted. One sender thread hands records to the Kafka producer, so a slow or dead broker costs
 * buffered records and counted drops, never a blocked request thread.
 *
 * <p>While the broker is away the producer refuses records (no metadata within {@code max.block.ms}) or fails them
 * with a retriable error. Such records never reached a broker, so they are put back and retried with back-off
 * (consumers drop duplicates by key anyway): an outage that the buffer can absorb loses nothing. Records that fail
 * for good (fatal errors, or still pending when the publisher closes) are counted as failed.
 */
public final class BoundedPublisher<V> implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(BoundedPublisher.class.getName());
    private static final long MAX_BACKOFF_MILLIS = 2_000;

    private record Pending<V>(String topic, String key, V value) {
    }

    private final Producer<String, V> producer;
    private final int capacity;
    private final BlockingQueue<Pending<V>> queue;
    /** Records the producer gave back, retried before new ones. Counted against the same capacity. */
    private final ConcurrentLinkedDeque<Pending<V>> retry = new ConcurrentLinkedDeque<>();
    private final AtomicInteger retrySize = new AtomicInteger();
    private final Thread sender;
    private final AtomicLong offered = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong acked = new AtomicLong();
    private final AtomicLong failed = new AtomicLong();
    private final AtomicLong retries = new AtomicLong();
    /** Consecutive retriable failures; the back-off doubles with each and resets on an acknowledgement. */
    private final AtomicInteger failureStreak = new AtomicInteger();
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
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.sender = Thread.ofPlatform().daemon().name("headroom-publisher-" + name).unstarted(this::drain);
        this.sender.start();
    }

    /** Queues a record; returns false (and counts a drop) if the buffer is full or the publisher closed. Never blocks. */
    public boolean offer(String topic, String key, V value) {
        offered.incrementAndGet();
        if (!running || queue.size() + retrySize.get() >= capacity || !queue.offer(new Pending<>(topic, key, value))) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    private void drain() {
        while (running || !queue.isEmpty() || !retry.isEmpty()) {
            Pending<V> p;
            try {
                int streak = failureStreak.get();
                if (streak > 0) {
                    // The broker is away: wait before the next attempt instead of spinning on refusals.
                    Thread.sleep(Math.min(MAX_BACKOFF_MILLIS, 100L << Math.min(streak - 1, 5)));
                }
                p = retry.pollFirst();
                if (p != null) {
                    retrySize.decrementAndGet();
                } else {
                    p = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (p == null) {
                        continue;
                    }
                }
            } catch (InterruptedException e) {
                if (!running) {
                    break;
                }
                continue;
            }
            send(p);
        }
        // Closing: whatever could not be handed over is lost, and says so.
        int left = queue.size() + retrySize.get();
        if (left > 0) {
            failed.addAndGet(left);
            LOG.warning(left + " record(s) still buffered at close were not published: " + lastError);
        }
    }

    private void send(Pending<V> p) {
        try {
            producer.send(new ProducerRecord<>(p.topic(), p.key(), p.value()), (metadata, exception) -> {
                if (exception == null) {
                    acked.incrementAndGet();
                    failureStreak.set(0);
                } else {
                    onFailure(p, exception);
                }
            });
            sent.incrementAndGet();
        } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException | AuthenticationException e) {
            // Fatal for this producer: stop, and let the owner see it in stats() and the log.
            failed.incrementAndGet();
            lastError = e.toString();
            LOG.log(Level.SEVERE, "fatal producer error, publishing stops: " + e, e);
            running = false;
        } catch (KafkaException e) {
            onFailure(p, e);
        }
    }

    private void onFailure(Pending<V> p, Exception e) {
        lastError = e.toString();
        if (running && (e instanceof RetriableException || e.getCause() instanceof RetriableException)) {
            retries.incrementAndGet();
            failureStreak.incrementAndGet();
            retrySize.incrementAndGet();
            retry.addLast(p);
            LOG.log(Level.FINE, "send failed, will retry: {0}", e.toString());
        } else {
            failed.incrementAndGet();
            LOG.log(Level.WARNING, "send failed: {0}", e.toString());
        }
    }

    public Stats stats() {
        return new Stats(offered.get(), dropped.get(), sent.get(), acked.get(), failed.get(), queue.size() + retrySize.get(),
                lastError, retries.get());
    }

    /**
     * Counters since start. {@code buffered} is what waits (new and put-back records); {@code sendRetries} counts
     * records the producer gave back (broker away) and that were queued again. {@code sent} counts hand-overs,
     * retries included.
     */
    public record Stats(long offered, long dropped, long sent, long acked, long failed, int buffered, String lastError,
                        long sendRetries) {
    }

    /** Flushes what is buffered (waiting up to {@code timeout}), then closes the producer. */
    public void close(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        // Give the sender a chance to hand over what is queued while the broker is reachable.
        while ((!queue.isEmpty() || !retry.isEmpty()) && failureStreak.get() == 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        running = false;
        try {
            sender.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        sender.interrupt();
        producer.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(5));
    }
}
