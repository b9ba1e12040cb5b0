package io.headroom.datasets.replay;

import io.headroom.datasets.TestFiles;
import io.headroom.datasets.read.AccessLogTrace;
import io.headroom.datasets.read.CountSeriesTrace;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Open-loop scheduling on a hand-moved clock: exact due times, the in-flight cap, maxDuration. */
class ReplayerSchedulingTest {
    @TempDir
    Path dir;

    private final ManualTicker ticker = new ManualTicker(1_000);
    private final Sleeper advance = ticker::advanceNanos;

    private record Sent(long at, String method, String path) {
    }

    private Path log(String... lines) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (String l : lines) {
            sb.append(l).append('\n');
        }
        return TestFiles.write(dir, "a.log", sb.toString());
    }

    private static String line(int second, String method, String path) {
        return String.format("h - - [01/Jul/1995:00:00:%02d -0400] \"%s %s HTTP/1.0\" 200 1", second, method, path);
    }

    @Test
    void requestsLeaveExactlyAtRecordedOffsetDividedBySpeedup() throws Exception {
        Path p = log(line(10, "GET", "/a"), line(11, "POST", "/b"), line(11, "GET", "/c"), line(13, "GET", "/d"),
                line(12, "GET", "/late-in-file"));
        List<Sent> sent = new ArrayList<>();
        List<ReplayProgress> progress = new CopyOnWriteArrayList<>();
        ReplayResult r = Replayer.builder()
                .transport((m, path) -> {
                    sent.add(new Sent(ticker.read(), m, path));
                    return 200;
                })
                .speedup(2).ticker(ticker).sleeper(advance).requestExecutor(Runnable::run)
                .listener(progress::add)
                .build().run(AccessLogTrace.of(p));
        long s = 1_000_000_000L;
        assertThat(sent).containsExactly(
                new Sent(1_000, "GET", "/a"),
                new Sent(1_000 + s / 2, "POST", "/b"),
                new Sent(1_000 + s / 2, "GET", "/c"),
                new Sent(1_000 + 3 * s / 2, "GET", "/d"),
                new Sent(1_000 + 3 * s / 2, "GET", "/late-in-file")); // out of order: sent in file order, not earlier
        assertThat(r.sent()).isEqualTo(5);
        assertThat(r.skipped()).isZero();
        assertThat(r.lateSends()).isZero();
        assertThat(r.fellBehind()).isFalse();
        assertThat(r.corrected().count()).isEqualTo(5);
        assertThat(r.scheduleSpan()).isEqualTo(Duration.ofMillis(1500));
        assertThat(r.status(2)).isEqualTo(5);
        ReplayProgress last = progress.get(progress.size() - 1);
        assertThat(last.total()).isEqualTo(5);
        assertThat(last.fraction()).isEqualTo(1.0);
        assertThat(last.eta()).isEqualTo(Duration.ZERO);
        assertThat(progress.size()).isGreaterThan(2); // ticks while waiting, not only at the end
    }

    @Test
    void rateBucketsBecomeSeededPoissonArrivalsInsideTheirBuckets() throws Exception {
        Path p = TestFiles.write(dir, "c.txt", "5 0 7");
        Instant t0 = Instant.parse("2024-01-01T00:00:00Z");
        List<Long> first = runRate(p, t0, 11);
        List<Long> again = runRate(p, t0, 11);
        List<Long> other = runRate(p, t0, 12);
        assertThat(first).hasSize(12).isEqualTo(again).isNotEqualTo(other).isSorted();
        // speedup 10: bucket 0 -> [0, 100ms), bucket 2 -> [200ms, 300ms); all offsets relative to the first arrival
        long firstAt = first.get(0);
        assertThat(first.subList(0, 5)).allSatisfy(t -> assertThat(t - firstAt).isLessThan(100_000_000L));
        assertThat(first.subList(5, 12)).allSatisfy(t -> assertThat(t - firstAt).isBetween(100_000_000L, 300_000_000L));
    }

    private List<Long> runRate(Path p, Instant t0, long seed) throws Exception {
        ManualTicker t = new ManualTicker();
        List<Long> at = new ArrayList<>();
        ReplayResult r = Replayer.builder().transport((m, path) -> {
                    at.add(t.read());
                    assertThat(path).isEqualTo("/rate");
                    return 204;
                }).rateRequest("GET", "/rate").seed(seed).speedup(10)
                .ticker(t).sleeper(t::advanceNanos).requestExecutor(Runnable::run)
                .build().run(CountSeriesTrace.perSecond(p, t0));
        assertThat(r.status(2)).isEqualTo(12);
        return at;
    }

    @Test
    void inFlightCapSkipsAndReportsFallingBehind() throws Exception {
        String[] lines = new String[10];
        for (int i = 0; i < 10; i++) {
            lines[i] = line(i, "GET", "/x" + i);
        }
        Path p = log(lines);
        CountDownLatch release = new CountDownLatch(1);
        try {
            ReplayResult r = Replayer.builder()
                    .transport((m, path) -> {
                        release.await(10, TimeUnit.SECONDS);
                        return 200;
                    })
                    .maxInFlight(3).speedup(1).drainTimeout(Duration.ofSeconds(1))
                    .ticker(ticker).sleeper(advance)
                    .build().run(AccessLogTrace.of(p));
            assertThat(r.scheduled()).isEqualTo(10);
            assertThat(r.sent()).isEqualTo(3);
            assertThat(r.skipped()).isEqualTo(7);
            assertThat(r.behind()).isGreaterThanOrEqualTo(7);
            assertThat(r.fellBehind()).isTrue();
            assertThat(r.abandoned()).isEqualTo(3);
            assertThat(r.toJson()).contains("\"skipped\":7", "\"fellBehind\":true");
        } finally {
            release.countDown();
        }
    }

    @Test
    void maxDurationStopsEarly() throws Exception {
        String[] lines = new String[10];
        for (int i = 0; i < 10; i++) {
            lines[i] = line(i, "GET", "/y");
        }
        ReplayResult r = Replayer.builder().transport((m, path) -> 500)
                .maxDuration(Duration.ofMillis(4500)).ticker(ticker).sleeper(advance).requestExecutor(Runnable::run)
                .build().run(AccessLogTrace.of(log(lines)));
        assertThat(r.sent()).isEqualTo(5);
        assertThat(r.status(5)).isEqualTo(5);
        assertThat(r.stoppedEarly()).isTrue();
        assertThat(r.stopReason()).contains("maxDuration");
    }
}
