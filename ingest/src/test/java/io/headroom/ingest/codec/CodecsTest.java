package io.headroom.ingest.codec;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ControlPlan;
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
}
