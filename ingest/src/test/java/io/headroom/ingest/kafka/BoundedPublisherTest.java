package io.headroom.ingest.kafka;

import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class BoundedPublisherTest {

    /** A producer whose send() blocks until released, like a client waiting on a dead broker's metadata. */
    static final class StuckProducer extends MockProducer<String, String> {
        final CountDownLatch release = new CountDownLatch(1);
        final CountDownLatch entered = new CountDownLatch(1);

        StuckProducer() {
            super(true, null, new StringSerializer(), new StringSerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, String> record, Callback callback) {
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return super.send(record, callback);
        }
    }

    @Test
    void fullBufferDropsAndCountsWithoutBlockingTheCaller() throws Exception {
        StuckProducer producer = new StuckProducer();
        BoundedPublisher<String> pub = new BoundedPublisher<>(producer, 3, "test");
        try {
            assertThat(pub.offer("t", "k", "first")).isTrue();
            assertThat(producer.entered.await(5, TimeUnit.SECONDS)).isTrue(); // sender is now stuck inside send()
            long start = System.nanoTime();
            int accepted = 0;
            for (int i = 0; i < 100; i++) {
                if (pub.offer("t", "k", "v" + i)) {
                    accepted++;
                }
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
            assertThat(accepted).isEqualTo(3);
            BoundedPublisher.Stats s = pub.stats();
            assertThat(s.offered()).isEqualTo(101);
            assertThat(s.dropped()).isEqualTo(97);
            assertThat(s.buffered()).as("queued behind the one being handed over").isEqualTo(3);
            producer.release.countDown();
            await().atMost(Duration.ofSeconds(5)).until(() -> pub.stats().acked() == 4);
            assertThat(producer.history()).extracting(ProducerRecord::value).containsExactly("first", "v0", "v1", "v2");
        } finally {
            producer.release.countDown();
            pub.close();
        }
        assertThat(pub.offer("t", "k", "late")).isFalse();
    }

    @Test
    void recordsThatFailForGoodAreCounted() {
        MockProducer<String, String> producer = new MockProducer<>(false, null, new StringSerializer(), new StringSerializer());
        BoundedPublisher<String> pub = new BoundedPublisher<>(producer, 10, "fail");
        try {
            pub.offer("t", "k", "a");
            pub.offer("t", "k", "b");
            await().atMost(Duration.ofSeconds(5)).until(() -> producer.history().size() == 2);
            // Not retriable: the record itself is refused.
            producer.errorNext(new org.apache.kafka.common.errors.RecordTooLargeException("record too large"));
            producer.completeNext();
            assertThat(pub.stats().failed()).isEqualTo(1);
            assertThat(pub.stats().acked()).isEqualTo(1);
            assertThat(pub.stats().lastError()).contains("record too large");
            assertThat(pub.stats().sendRetries()).isZero();
        } finally {
            pub.close(Duration.ofSeconds(1));
        }
    }

    /** A producer that refuses records (like one without metadata while the broker is away) until told otherwise. */
    static final class AwayProducer extends MockProducer<String, String> {
        volatile boolean away = true;

        AwayProducer() {
            super(true, null, new StringSerializer(), new StringSerializer());
        }

        @Override
        public synchronized Future<RecordMetadata> send(ProducerRecord<String, String> record, Callback callback) {
            if (away) {
                // Kafka 4 reports a metadata timeout through the callback and a failed future, not by throwing.
                var e = new org.apache.kafka.common.errors.TimeoutException("Topic t not present in metadata after 1000 ms.");
                callback.onCompletion(null, e);
                return java.util.concurrent.CompletableFuture.failedFuture(e);
            }
            return super.send(record, callback);
        }
    }

    @Test
    void recordsWaitInTheBufferWhileTheBrokerIsAwayAndNoneIsLost() {
        AwayProducer producer = new AwayProducer();
        BoundedPublisher<String> pub = new BoundedPublisher<>(producer, 5, "away");
        try {
            for (int i = 0; i < 8; i++) {
                pub.offer("t", "k", "w" + i);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> pub.stats().sendRetries() >= 2);
            BoundedPublisher.Stats away = pub.stats();
            // Five buffered (put back or queued); the other three were dropped and counted.
            assertThat(away.buffered()).isEqualTo(5);
            assertThat(away.dropped()).isEqualTo(3);
            assertThat(away.failed()).isZero();
            assertThat(away.lastError()).contains("not present in metadata");
            producer.away = false;
            await().atMost(Duration.ofSeconds(10)).until(() -> pub.stats().acked() == 5);
            assertThat(producer.history()).extracting(ProducerRecord::value).containsExactlyInAnyOrder("w0", "w1", "w2", "w3", "w4");
            assertThat(pub.stats().buffered()).isZero();
        } finally {
            producer.away = false;
            pub.close();
        }
    }
}
