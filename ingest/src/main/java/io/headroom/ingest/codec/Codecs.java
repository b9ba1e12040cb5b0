package io.headroom.ingest.codec;

import io.headroom.ingest.model.BackendStats;
import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.LatencyHistogram;
import io.headroom.ingest.model.QuotaAllowance;
import io.headroom.ingest.model.QuotaLease;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.ScalingIntent;
import io.headroom.ingest.model.TelemetryWindow;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The codecs of every record that crosses Kafka. Version 1 of each format is defined here; a new version adds
 * a branch to the decoder and keeps reading the old one.
 *
 * <p>Telemetry version 2 appends the window's per-consumer counts (count, then consumer, requests, rejections each).
 * A window without them is still written as version 1, so a predictor of the previous release keeps reading the
 * telemetry of routers that enforce no per-consumer limits; both versions decode.
 *
 * <p>Control plan version 2 appends the quota allowances (count, then consumer, instance, period, window start, window
 * length, next window length, limit, used, allowance, next allowance each). A plan without allowances is still written as
 * version 1, so routers of the previous release keep reading plans of predictors with no cluster-wide calendar quotas.
 */
public final class Codecs {
    private static final int MAGIC = 'H';
    private static final int TYPE_TELEMETRY = 1;
    private static final int TYPE_CONTROL = 2;
    private static final int TYPE_INTENT = 3;
    private static final int TYPE_EVENT = 4;
    private static final int V1 = 1;
    private static final int V2 = 2;
    private static final int MAX_ITEMS = 1 << 20;

    private Codecs() {
    }

    public static final Codec<TelemetryWindow> TELEMETRY = new Codec<>() {
        @Override
        public byte[] encode(TelemetryWindow w) {
            WireWriter out = new WireWriter(64 + 48 * w.backends().size() + 16 * w.consumers().size());
            header(out, TYPE_TELEMETRY, w.consumers().isEmpty() ? V1 : V2);
            out.string(w.instanceId());
            out.varlong(w.sequence());
            out.varlong(w.startMillis());
            out.varlong(w.windowMillis());
            out.string(w.route());
            out.string(w.pool());
            out.varlong(w.backends().size());
            for (BackendStats b : w.backends()) {
                out.string(b.backend());
                out.varlong(b.requests());
                out.varlong(b.status2xx());
                out.varlong(b.status3xx());
                out.varlong(b.status4xx());
                out.varlong(b.status5xx());
                out.varlong(b.errors());
                out.varlong(b.rejections());
                out.varlong(b.bytesIn());
                out.varlong(b.bytesOut());
                writeHistogram(out, b.latency());
            }
            if (!w.consumers().isEmpty()) {
                out.varlong(w.consumers().size());
                for (ConsumerStats c : w.consumers()) {
                    out.string(c.consumer());
                    out.varlong(c.requests());
                    out.varlong(c.rejections());
                }
            }
            return out.toByteArray();
        }

        @Override
        public TelemetryWindow decode(byte[] bytes) {
            WireReader in = new WireReader(bytes);
            int version = checkHeader(in, TYPE_TELEMETRY, V2, "telemetry window");
            String instance = in.string();
            long seq = in.varlong();
            long start = in.varlong();
            int window = (int) in.varlong();
            String route = in.string();
            String pool = in.string();
            int n = in.count(MAX_ITEMS, "backend");
            List<BackendStats> backends = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                backends.add(new BackendStats(in.string(), in.varlong(), in.varlong(), in.varlong(), in.varlong(),
                        in.varlong(), in.varlong(), in.varlong(), in.varlong(), in.varlong(), readHistogram(in)));
            }
            List<ConsumerStats> consumers = List.of();
            if (version >= V2) {
                int nc = in.count(MAX_ITEMS, "consumer");
                consumers = new ArrayList<>(nc);
                for (int i = 0; i < nc; i++) {
                    consumers.add(new ConsumerStats(in.string(), in.varlong(), in.varlong()));
                }
            }
            end(in, "telemetry window");
            return new TelemetryWindow(instance, seq, start, window, route, pool, backends, consumers);
        }
    };

    public static final Codec<ControlPlan> CONTROL = new Codec<>() {
        @Override
        public byte[] encode(ControlPlan p) {
            WireWriter out = new WireWriter(128);
            header(out, TYPE_CONTROL, p.allowances().isEmpty() ? V1 : V2);
            out.string(p.scope());
            out.string(p.source());
            out.varlong(p.epoch());
            out.varlong(p.issuedAtMillis());
            out.varlong(p.validUntilMillis());
            out.varlong(p.weights().size());
            for (Map.Entry<String, Double> e : p.weights().entrySet()) {
                out.string(e.getKey());
                out.f64(e.getValue());
            }
            out.varlong(p.quotas().size());
            for (QuotaLease q : p.quotas()) {
                out.string(q.consumer());
                out.string(q.instanceId());
                out.f64(q.ratePerSecond());
                out.varlong(q.burst());
            }
            out.varlong(p.members().size());
            for (String m : p.members()) {
                out.string(m);
            }
            out.string(p.provenance());
            if (!p.allowances().isEmpty()) {
                out.varlong(p.allowances().size());
                for (QuotaAllowance a : p.allowances()) {
                    out.string(a.consumer());
                    out.string(a.instanceId());
                    out.string(a.period());
                    out.varlong(a.windowStartMillis());
                    out.varlong(a.windowEndMillis() - a.windowStartMillis());
                    out.varlong(a.nextEndMillis() - a.windowEndMillis());
                    out.varlong(a.limit());
                    out.varlong(a.used());
                    out.varlong(a.allowance());
                    out.varlong(a.nextAllowance());
                }
            }
            return out.toByteArray();
        }

        @Override
        public ControlPlan decode(byte[] bytes) {
            WireReader in = new WireReader(bytes);
            int version = checkHeader(in, TYPE_CONTROL, V2, "control plan");
            String scope = in.string();
            String source = in.string();
            long epoch = in.varlong();
            long issued = in.varlong();
            long valid = in.varlong();
            int nw = in.count(MAX_ITEMS, "weight");
            Map<String, Double> weights = new LinkedHashMap<>();
            for (int i = 0; i < nw; i++) {
                weights.put(in.string(), in.f64());
            }
            int nq = in.count(MAX_ITEMS, "quota");
            List<QuotaLease> quotas = new ArrayList<>(nq);
            for (int i = 0; i < nq; i++) {
                quotas.add(new QuotaLease(in.string(), in.string(), in.f64(), in.varlong()));
            }
            int nm = in.count(MAX_ITEMS, "member");
            List<String> members = new ArrayList<>(nm);
            for (int i = 0; i < nm; i++) {
                members.add(in.string());
            }
            String provenance = in.string();
            List<QuotaAllowance> allowances = new ArrayList<>();
            if (version >= V2) {
                int na = in.count(MAX_ITEMS, "allowance");
                for (int i = 0; i < na; i++) {
                    String consumer = in.string();
                    String instance = in.string();
                    String period = in.string();
                    long start = in.varlong();
                    long end = start + in.varlong();
                    long nextEnd = end + in.varlong();
                    allowances.add(new QuotaAllowance(consumer, instance, period, start, end, nextEnd, in.varlong(), in.varlong(),
                            in.varlong(), in.varlong()));
                }
            }
            end(in, "control plan");
            return new ControlPlan(scope, source, epoch, issued, valid, weights, quotas, members, provenance, allowances);
        }
    };

    public static final Codec<ScalingIntent> INTENT = new Codec<>() {
        @Override
        public byte[] encode(ScalingIntent s) {
            WireWriter out = new WireWriter(128);
            header(out, TYPE_INTENT);
            out.string(s.pool());
            out.varlong(s.issuedAtMillis());
            out.varlong(s.desiredNow());
            out.varlong(s.horizonSeconds());
            out.f64(s.observedRate());
            out.f64(s.forecastRate());
            out.f64(s.forecastLower());
            out.f64(s.forecastUpper());
            out.f64(s.perInstanceCapacity());
            out.string(s.model());
            out.string(s.reason());
            return out.toByteArray();
        }

        @Override
        public ScalingIntent decode(byte[] bytes) {
            WireReader in = new WireReader(bytes);
            checkHeader(in, TYPE_INTENT, "scaling intent");
            ScalingIntent s = new ScalingIntent(in.string(), in.varlong(), (int) in.varlong(), (int) in.varlong(),
                    in.f64(), in.f64(), in.f64(), in.f64(), in.f64(), in.string(), in.string());
            end(in, "scaling intent");
            return s;
        }
    };

    public static final Codec<ScalingEvent> EVENT = new Codec<>() {
        @Override
        public byte[] encode(ScalingEvent e) {
            WireWriter out = new WireWriter(96);
            header(out, TYPE_EVENT);
            out.string(e.pool());
            out.varlong(e.atMillis());
            out.varlong(e.action().ordinal());
            out.string(e.instance());
            out.zlong(e.desired());
            out.zlong(e.ready());
            out.string(e.reason());
            return out.toByteArray();
        }

        @Override
        public ScalingEvent decode(byte[] bytes) {
            WireReader in = new WireReader(bytes);
            checkHeader(in, TYPE_EVENT, "scaling event");
            String pool = in.string();
            long at = in.varlong();
            int a = in.count(ScalingEvent.Action.values().length - 1, "action ordinal");
            ScalingEvent e = new ScalingEvent(pool, at, ScalingEvent.Action.values()[a], in.string(), (int) in.zlong(),
                    (int) in.zlong(), in.string());
            end(in, "scaling event");
            return e;
        }
    };

    /** Sparse form: number of non-empty buckets, then (index delta, count) pairs. */
    private static void writeHistogram(WireWriter out, LatencyHistogram h) {
        int nonEmpty = 0;
        for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
            if (h.count(i) != 0) {
                nonEmpty++;
            }
        }
        out.varlong(nonEmpty);
        int last = -1;
        for (int i = 0; i < LatencyHistogram.BUCKETS; i++) {
            long c = h.count(i);
            if (c != 0) {
                out.varlong(i - last);
                out.varlong(c);
                last = i;
            }
        }
    }

    private static LatencyHistogram readHistogram(WireReader in) {
        int n = in.count(LatencyHistogram.BUCKETS, "histogram bucket");
        if (n == 0) {
            return LatencyHistogram.EMPTY;
        }
        long[] counts = new long[LatencyHistogram.BUCKETS];
        int idx = -1;
        for (int i = 0; i < n; i++) {
            long delta = in.varlong();
            if (delta < 1 || idx + delta >= LatencyHistogram.BUCKETS) {
                throw new CodecException("histogram bucket index out of range at offset " + in.position());
            }
            idx += (int) delta;
            counts[idx] = in.varlong();
        }
        return LatencyHistogram.of(counts);
    }

    private static void header(WireWriter out, int type) {
        header(out, type, V1);
    }

    private static void header(WireWriter out, int type, int version) {
        out.byte1(MAGIC);
        out.byte1(type);
        out.byte1(version);
    }

    private static void checkHeader(WireReader in, int type, String what) {
        checkHeader(in, type, V1, what);
    }

    /** Checks magic and type; returns the record's version, which must lie in {@code [1, newest]}. */
    private static int checkHeader(WireReader in, int type, int newest, String what) {
        int magic = in.byte1();
        if (magic != MAGIC) {
            throw new CodecException("not a Headroom record (magic byte 0x" + Integer.toHexString(magic)
                    + ", expected 0x48): is this the right topic?");
        }
        int t = in.byte1();
        if (t != type) {
            throw new CodecException("expected a " + what + " (type " + type + ") but found record type " + t
                    + ": is this the right topic?");
        }
        int v = in.byte1();
        if (v < V1 || v > newest) {
            throw new CodecException(what + " version " + v + " is not supported (this build reads versions " + V1 + " to " + newest
                    + "): upgrade this component");
        }
        return v;
    }

    private static void end(WireReader in, String what) {
        if (!in.exhausted()) {
            throw new CodecException(what + " has trailing bytes after offset " + in.position());
        }
    }
}
