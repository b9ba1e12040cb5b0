package io.headroom.datasets.synthetic;

import io.headroom.datasets.TestFiles;
import io.headroom.datasets.trace.RateBucket;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class SyntheticWorkloadTest {
    @Test
    void deterministicForASeedAndSaysItIsSynthetic() {
        SyntheticWorkload w = SyntheticWorkload.defaults(7);
        List<RateBucket> a = TestFiles.drain(w.openBuckets());
        List<RateBucket> b = TestFiles.drain(SyntheticWorkload.defaults(7).openBuckets());
        List<RateBucket> c = TestFiles.drain(SyntheticWorkload.defaults(8).openBuckets());
        assertThat(a).hasSize(1440).isEqualTo(b).isNotEqualTo(c);
        assertThat(w.synthetic()).isTrue();
        assertThat(w.description()).startsWith("SYNTHETIC");
        assertThat(w.name()).contains("synthetic");
    }

    @Test
    void flashCrowdIsWhereConfigured() {
        SyntheticWorkload w = SyntheticWorkload.builder().seed(3).flashAt(Duration.ofHours(4)).flashMultiplier(8)
                .flashRamp(Duration.ofMinutes(4)).meanPerBucket(300).build();
        List<RateBucket> b = TestFiles.drain(w.openBuckets());
        RateBucket peak = b.stream().max(Comparator.comparingLong(RateBucket::count)).orElseThrow();
        Instant flash = w.start().plus(Duration.ofHours(4));
        assertThat(peak.start()).isBetween(flash, flash.plus(Duration.ofMinutes(8)));
        long hourBefore = b.get(180).count();
        assertThat(peak.count()).isGreaterThan(4 * hourBefore);
        // daily cycle: 15:00 UTC busier than 03:00 UTC
        assertThat(b.get(15 * 60).count()).isGreaterThan(2 * b.get(3 * 60).count());
    }
}
