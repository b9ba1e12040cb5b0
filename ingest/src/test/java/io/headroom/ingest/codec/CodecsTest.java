package io.headroom.ingest.codec;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.QuotaAllowance;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.QuotaLease;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.ingest.model.TelemetryWindow;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CodecsTest {

    static TelemetryWindow sampleWindow() {
        long[] buckets = new long[LatencyHistogram.BUCKETS];
        buckets[LatencyHistogram.bucketOf(900)] = 40;
        buckets[LatencyHistogram.bucketOf(25_000)] = 2;
        buckets[LatencyHistogram.BUCKETS - 1] = 1;
        BackendStats a = new BackendStats("127.0.0.1:9001", 43, 40, 1, 1, 1, 0, 0, 1_234, 567_890, LatencyHistogram.of(buckets));
        BackendStats rejected = new BackendStats("-", 5, 0, 0, 0, 0, 0, 5, 0, 250, LatencyHistogram.EMPTY);
        return new TelemetryWindow("router-1", 42, 1_700_000_000_000L, 1000, "api", "api-pool", List.of(a, rejected));
    }

    @Test
    void telemetryRoundTrips() {
        TelemetryWindow w = sampleWindow();
        byte[] bytes = Codecs.TELEMETRY.encode(w);
        assertThat(Codecs.TELEMETRY.decode(bytes)).isEqualTo(w);
        // Sparse histogram and varints keep a two-backend window small.
        assertThat(bytes.length).isLessThan(120);
    }

    @Test
    void controlPlanRoundTrips() {
        Map<String, Double> weights = new LinkedHashMap<>();
        weights.put("127.0.0.1:9001", 2.5);
        weights.put("127.0.0.1:9002", 0.0);
        ControlPlan p = new ControlPlan("pool:api", ControlPlan.SOURCE_PREDICTOR, 17, 1_000, 31_000, weights,
                List.of(new QuotaLease("acme", "router-1", 12.5, 20)), List.of("127.0.0.1:9100"), "xgboost@h30");
        assertThat(Codecs.CONTROL.decode(Codecs.CONTROL.encode(p))).isEqualTo(p);
        assertThat(Codecs.CONTROL.encode(p)[2]).as("a plan without allowances stays version 1").isEqualTo((byte) 1);
    }

    @Test
    void controlPlanWithAllowancesRoundTripsAsVersion2() {
        long day = 86_400_000L;
        ControlPlan p = new ControlPlan("pool:api", ControlPlan.SOURCE_PREDICTOR, 18, 1_000, 31_000, Map.of("127.0.0.1:9001", 1.0),
                List.of(), List.of(), "allowances",
                List.of(new QuotaAllowance("acme", "router-1", "day", 20 * day, 21 * day, 22 * day, 1_000, 120, 610, 630),
                        new QuotaAllowance("acme", "router-2", "month", 0, 31 * day, 59 * day, 20_000, 0, 0, 0)));
        byte[] bytes = Codecs.CONTROL.encode(p);
        assertThat(bytes[2]).isEqualTo((byte) 2);
        assertThat(Codecs.CONTROL.decode(bytes)).isEqualTo(p);
    }

    @Test
    void intentAndEventRoundTrip() {
        ScalingIntent i = new ScalingIntent("api", 5_000, 4, 30, 120.5, 300.25, 250, 350.75, 100, "sgd-linear", "ramp");
        assertThat(Codecs.INTENT.decode(Codecs.INTENT.encode(i))).isEqualTo(i);
        for (ScalingEvent.Action a : ScalingEvent.Action.values()) {
            ScalingEvent e = new ScalingEvent("api", 9_000, a, "127.0.0.1:9101", 3, -1, "because");
            assertThat(Codecs.EVENT.decode(Codecs.EVENT.encode(e))).isEqualTo(e);
        }
    }

    @Test
    void randomWindowsRoundTrip() {
        Random rnd = new Random(7);
        for (int n = 0; n < 200; n++) {
            long[] buckets = new long[LatencyHistogram.BUCKETS];
            for (int k = 0; k < 5; k++) {
                buckets[rnd.nextInt(LatencyHistogram.BUCKETS)] += rnd.nextInt(1_000_000);
            }
            BackendStats b = new BackendStats("b" + rnd.nextInt(9), rnd.nextLong(Long.MAX_VALUE), rnd.nextInt(Integer.MAX_VALUE), rnd.nextInt(1 << 20),
                    0, 3, 1, 2, rnd.nextLong(1L << 40), 7, LatencyHistogram.of(buckets));
            TelemetryWindow w = new TelemetryWindow("i-" + n, rnd.nextLong(Long.MAX_VALUE), rnd.nextLong(1L << 42), 1 + rnd.nextInt(60_000),
                    "r/é/" + n, "p", List.of(b));
            assertThat(Codecs.TELEMETRY.decode(Codecs.TELEMETRY.encode(w))).isEqualTo(w);
        }
    }

    @Test
    void rejectsForeignTruncatedAndFutureRecords() {
        byte[] ok = Codecs.TELEMETRY.encode(sampleWindow());
        assertThatThrownBy(() -> Codecs.CONTROL.decode(ok)).isInstanceOf(CodecException.class)
                .hasMessageContaining("expected a control plan").hasMessageContaining("right topic");
        assertThatThrownBy(() -> Codecs.TELEMETRY.decode("hello".getBytes())).isInstanceOf(CodecException.class)
                .hasMessageContaining("not a Headroom record");
        assertThatThrownBy(() -> Codecs.TELEMETRY.decode(Arrays.copyOf(ok, ok.length - 3))).isInstanceOf(CodecException.class)
                .hasMessageContaining("truncated");
        byte[] future = ok.clone();
        future[2] = 9;
        assertThatThrownBy(() -> Codecs.TELEMETRY.decode(future)).isInstanceOf(CodecException.class)
                .hasMessageContaining("version 9 is not supported");
        byte[] trailing = Arrays.copyOf(ok, ok.length + 1);
        assertThatThrownBy(() -> Codecs.TELEMETRY.decode(trailing)).isInstanceOf(CodecException.class)
                .hasMessageContaining("trailing");
    }

    @Test
    void telemetryWithConsumersIsVersion2AndRoundTrips() {
        TelemetryWindow base = sampleWindow();
        TelemetryWindow w = new TelemetryWindow(base.instanceId(), base.sequence(), base.startMillis(), base.windowMillis(), base.route(),
                base.pool(), base.backends(), List.of(new ConsumerStats("acme", 40, 3), new ConsumerStats("bob", 7, 0),
                new ConsumerStats(ConsumerStats.OTHER, 1, 1)));
        byte[] bytes = Codecs.TELEMETRY.encode(w);
        assertThat(bytes[2]).as("version byte").isEqualTo((byte) 2);
        assertThat(Codecs.TELEMETRY.decode(bytes)).isEqualTo(w);
        // The consumers add a few bytes each: the window stays small.
        assertThat(bytes.length - Codecs.TELEMETRY.encode(base).length).isEqualTo(1 + (1 + 4 + 1 + 1) + (1 + 3 + 1 + 1) + (1 + 7 + 1 + 1));
    }

    @Test
    void windowWithoutConsumersIsStillWrittenAndReadAsVersion1() {
        TelemetryWindow w = sampleWindow();
        byte[] bytes = Codecs.TELEMETRY.encode(w);
        assertThat(bytes[2]).as("version byte").isEqualTo((byte) 1);
        TelemetryWindow back = Codecs.TELEMETRY.decode(bytes);
        assertThat(back).isEqualTo(w);
        assertThat(back.consumers()).isEmpty();
    }

    /** The exact bytes the previous release wrote (version 1, one empty backend): this build still reads them. */
    @Test
    void decodesARecordOfThePreviousRelease() {
        byte[] v1 = {'H', 1, 1, 2, 'r', '1', 5, (byte) 0xe8, 7, 0x64, 2, 'a', 'b', 1, 'p', 1, 1, '-', 3, 0, 0, 0, 0, 0, 3, 0, 0, 0};
        TelemetryWindow w = Codecs.TELEMETRY.decode(v1);
        assertThat(w).isEqualTo(new TelemetryWindow("r1", 5, 1000, 100, "ab", "p",
                List.of(new BackendStats("-", 3, 0, 0, 0, 0, 0, 3, 0, 0, LatencyHistogram.EMPTY))));
        assertThat(w.consumers()).isEmpty();
        byte[] v2 = Codecs.TELEMETRY.encode(new TelemetryWindow("r1", 5, 1000, 100, "ab", "p", w.backends(),
                List.of(new ConsumerStats("c", 3, 3))));
        byte[] expected = Arrays.copyOf(v1, v1.length + 5);
        expected[2] = 2;
        System.arraycopy(new byte[] {1, 1, 'c', 3, 3}, 0, expected, v1.length, 5);
        assertThat(v2).isEqualTo(expected);
    }

    @Test
    void rejectsConsumerCountsThatDoNotAddUp() {
        assertThatThrownBy(() -> new ConsumerStats("a", 2, 3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rejections 3");
        byte[] bad = {'H', 1, 2, 2, 'r', '1', 5, (byte) 0xe8, 7, 0x64, 2, 'a', 'b', 1, 'p', 0, 1, 1, 'c', 1, 2};
        assertThatThrownBy(() -> Codecs.TELEMETRY.decode(bad)).isInstanceOf(IllegalArgumentException.class);
    }
}
