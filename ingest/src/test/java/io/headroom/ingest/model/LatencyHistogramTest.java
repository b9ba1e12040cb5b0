package io.headroom.ingest.model;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LatencyHistogramTest {

    @Test
    void bucketsAreMonotonicAndCoverTheRange() {
        assertThat(LatencyHistogram.bucketOf(0)).isZero();
        assertThat(LatencyHistogram.bucketOf(50)).isZero();
        assertThat(LatencyHistogram.bucketOf(51)).isEqualTo(1);
        int prev = 0;
        for (long us = 1; us < 600_000_000L; us = us * 3 / 2 + 1) {
            int b = LatencyHistogram.bucketOf(us);
            assertThat(b).isGreaterThanOrEqualTo(prev);
            assertThat(us).isLessThanOrEqualTo(b == LatencyHistogram.BUCKETS - 1 ? Long.MAX_VALUE : LatencyHistogram.upperBoundMicros(b));
            prev = b;
        }
        assertThat(LatencyHistogram.bucketOf(Long.MAX_VALUE)).isEqualTo(LatencyHistogram.BUCKETS - 1);
    }

    @Test
    void quantilesAndMerge() {
        long[] a = new long[LatencyHistogram.BUCKETS];
        a[LatencyHistogram.bucketOf(1_000)] = 99;
        long[] b = new long[LatencyHistogram.BUCKETS];
        b[LatencyHistogram.bucketOf(100_000)] = 1;
        LatencyHistogram h = LatencyHistogram.of(a).merge(LatencyHistogram.of(b));
        assertThat(h.totalCount()).isEqualTo(100);
        assertThat(h.quantileMicros(0.5)).isEqualTo(LatencyHistogram.upperBoundMicros(LatencyHistogram.bucketOf(1_000)));
        assertThat(h.quantileMicros(0.99)).isEqualTo(LatencyHistogram.upperBoundMicros(LatencyHistogram.bucketOf(1_000)));
        assertThat(h.quantileMicros(1.0)).isEqualTo(LatencyHistogram.upperBoundMicros(LatencyHistogram.bucketOf(100_000)));
        assertThat(LatencyHistogram.EMPTY.quantileMicros(0.99)).isZero();
        // Bucket width bounds the error: an upper bound at most ~19% above the true value.
        assertThat(LatencyHistogram.upperBoundMicros(LatencyHistogram.bucketOf(1_000))).isBetween(1_000L, 1_190L);
    }

    @Test
    void rejectsBadInput() {
        assertThatThrownBy(() -> LatencyHistogram.of(new long[3])).hasMessageContaining("expected: 96");
        long[] neg = new long[LatencyHistogram.BUCKETS];
        neg[4] = -1;
        assertThatThrownBy(() -> LatencyHistogram.of(neg)).hasMessageContaining("negative");
    }
}
