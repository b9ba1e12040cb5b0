package io.headroom.cli.demo;

import io.headroom.autoscaler.core.PoolStatus;
import io.headroom.cli.admin.AdminServer;
import io.headroom.cli.admin.HeadroomMetrics;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import io.headroom.config.ConfigNode;
import io.headroom.datasets.Traces;
import io.headroom.datasets.read.CountCsvTrace;
import io.headroom.datasets.replay.ReplayListener;
import io.headroom.datasets.replay.ReplayResult;
import io.headroom.datasets.replay.Replayer;
import io.headroom.datasets.synthetic.SyntheticWorkload;
import io.headroom.datasets.trace.Trace;
import io.headroom.ingest.codec.Codecs;
import io.headroom.ingest.kafka.BoundedPublisher;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.core.PoolForecast;
import io.headroom.router.control.PoolSnapshot;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * The whole loop in one process: embedded broker, autoscaler with real backend processes, router, predictor; the
 * predictor is warmed with the recorded days before the live part of a trace; the live part is replayed through the
 * router at a speed-up; every few seconds a status line; at the end a summary of whether capacity came before load.
 */
public final class Demo {
    public static final String POOL = "api";
    public static final String ROUTE = "api";
    private static final DateTimeFormatter TRACE_TIME = DateTimeFormatter.ofPattern("MM-dd HH:mm");

    /** Everything the command line can change. */
    public record Options(Duration live, double speedup, Duration leadTime, int backfillDays, double capacityPerInstance,
                          int maxInstances, Path dataset, OffsetDateTime liveStart, long seed, Path workDir, Duration statusEvery,
                          boolean forceSynthetic, int adminPort) {
    }

    /** The workload: the live part and the history before it, and how to describe them. */
    record Workload(Trace live, Trace history, Instant historyStart, Instant liveStart, ZoneOffset zone, String description,
                    boolean synthetic) {
    }

    private final Options o;
    private final PrintStream out;

    public Demo(Options options, PrintStream out) {
        this.o = options;
        this.out = out;
    }

    /** Runs the demo; returns 0 when every step of the loop was seen working, 1 otherwise. */
    public int run() throws Exception {
        Workload w = workload();
        Path work = o.workDir().toAbsolutePath();
        deleteRecursively(work.resolve("kafka"));
        Files.createDirectories(work);
        String yaml = config(work);
        Files.writeString(work.resolve("demo.yaml"), yaml);
        HeadroomConfig cfg = HeadroomConfig.from(ConfigNode.parse(work.resolve("demo.yaml").toString(), yaml));

        out.println("Headroom demo: the whole loop on an embedded Kafka broker, real processes, real traffic on 127.0.0.1.");
        out.println("  workload: " + w.description());
        out.printf(Locale.ROOT, "  live: %s for %ds of real time at x%.0f; predictor warmed with %d recorded day(s) before it%n",
                w.liveStart().atOffset(w.zone()).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), o.live().toSeconds(), o.speedup(),
                o.backfillDays());
        out.printf(Locale.ROOT, "  pool '%s': instances of %.0f req/s planned at 80%%, min 1, max %d; provisioning lead time %ds%n",
                POOL, o.capacityPerInstance(), o.maxInstances(), o.leadTime().toSeconds());
        out.println("  config: " + work.resolve("demo.yaml") + "   timeline: " + work.resolve("timeline.csv"));
        out.println();

        try (HeadroomMetrics metrics = new HeadroomMetrics();
             Stack stack = Stack.start(cfg, Stack.Roles.ALL, Clock.systemUTC(), work.resolve("kafka"), metrics::onWindow);
             AdminServer admin = AdminServer.start(stack, metrics, Clock.systemUTC(), "127.0.0.1", o.adminPort());
             TelemetryTap tap = new TelemetryTap(stack.clients(), cfg.kafka().topics(), cfg.instanceId())) {
            out.println("started: kafka " + stack.bootstrapServers() + " (embedded), router on 127.0.0.1:" + stack.router().port()
                    + ", predictor, autoscaler");
            out.println("live dashboard: http://127.0.0.1:" + admin.port() + "/   (metrics: /metrics, state: /api/state)");
            awaitFirstInstance(stack);

            long liveStartMillis = (System.currentTimeMillis() / 1000 + 2) * 1000;
            publishBackfill(stack, cfg, w, liveStartMillis);
            while (System.currentTimeMillis() < liveStartMillis) {
                Thread.sleep(20);
            }
            return live(stack, tap, w, liveStartMillis, work);
        }
    }

    private int live(Stack stack, TelemetryTap tap, Workload w, long liveStartMillis, Path work) throws Exception {
        URI target = URI.create("http://127.0.0.1:" + stack.router().port());
        Replayer replayer = Replayer.builder().target(target).speedup(o.speedup()).maxInFlight(4096).seed(o.seed())
                .maxDuration(o.live()).requestTimeout(Duration.ofSeconds(10)).rateRequest("GET", "/")
                .progressInterval(Duration.ofSeconds(1)).listener(ReplayListener.NONE).build();
        AtomicReference<ReplayResult> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread replay = Thread.ofPlatform().name("demo-replay").start(() -> {
            try {
                result.set(replayer.run(w.live()));
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        double perInstance = o.capacityPerInstance() * 0.8;
        List<LeadAnalysis.Sample> timeline = new ArrayList<>();
        List<String> csv = new ArrayList<>();
        csv.add("second,trace_time,observed_rps,forecast_rps,forecast_lower,forecast_upper,model,needed,requested,desired,ready,p99_ms,failures");
        out.println("   time  trace time  observed   forecast(+" + o.leadTime().toSeconds() + "s) [interval]        model        "
                + "need  ask  want  ready   p99 ms  failed");
        long next = liveStartMillis + 1000;
        int lastPrinted = -1;
        while (replay.isAlive()) {
            long now = System.currentTimeMillis();
            if (now < next) {
                replay.join(Math.max(1, next - now));
                continue;
            }
            next += 1000;
            int second = (int) ((now - liveStartMillis) / 1000);
            // The newest complete window started two seconds ago (one to close it, one to cross Kafka).
            long windowStart = (now / 1000 - 2) * 1000;
            double observed = tap.rateAt(windowStart);
            PoolForecast f = stack.predictor().core().latest(POOL).orElse(null);
            PoolStatus s = stack.autoscaler().status().stream().filter(p -> p.pool().equals(POOL)).findFirst().orElse(null);
            int needed = observed < 0 ? 0 : (int) Math.ceil(observed / perInstance);
            int requested = f == null ? 0 : f.desired();
            int ready = s == null ? 0 : s.ready();
            int desired = s == null ? 0 : Math.max(0, s.target());
            double p99 = tap.p99Millis(windowStart - 5000, windowStart);
            long failed = tap.failures(windowStart - 1000, windowStart);
            timeline.add(new LeadAnalysis.Sample(second, needed, requested, ready));
            Instant traceNow = w.liveStart().plusMillis((long) ((now - liveStartMillis) * o.speedup()));
            String traceTime = traceNow.atOffset(w.zone()).format(TRACE_TIME);
            csv.add(String.format(Locale.ROOT, "%d,%s,%.0f,%.1f,%.1f,%.1f,%s,%d,%d,%d,%d,%.2f,%d", second, traceNow, observed,
                    f == null ? Double.NaN : f.mean(), f == null ? Double.NaN : f.lower(), f == null ? Double.NaN : f.upper(),
                    f == null ? "" : f.model(), needed, requested, desired, ready, p99, failed));
            if (second / o.statusEvery().toSeconds() != lastPrinted / o.statusEvery().toSeconds() || lastPrinted < 0) {
                lastPrinted = second;
                out.printf(Locale.ROOT, "  +%4ds  %s  %6.0f/s  %7.1f/s [%6.1f, %6.1f]  %-12s  %4d %4d  %4d  %5d  %7.1f  %6d%n",
                        second, traceTime, Math.max(0, observed), f == null ? Double.NaN : f.mean(), f == null ? Double.NaN : f.lower(),
                        f == null ? Double.NaN : f.upper(), f == null ? "-" : f.model(), needed, requested, desired, ready, p99, failed);
            }
        }
        replay.join();
        Files.write(work.resolve("timeline.csv"), csv);
        if (failure.get() != null) {
            throw new IllegalStateException("replay failed: " + failure.get(), failure.get());
        }
        ReplayResult r = result.get();
        Files.writeString(work.resolve("replay.json"), r.toJson());
        // Let the last windows cross Kafka before counting.
        Thread.sleep(2500);
        return summary(stack, tap, r, LeadAnalysis.analyse(timeline));
    }

    private int summary(Stack stack, TelemetryTap tap, ReplayResult r, LeadAnalysis.Result lead) {
        out.println();
        out.println("Summary");
        out.printf(Locale.ROOT, "  replay: %d requests sent, %d ok, %d 5xx, %d errors, %d skipped at the in-flight cap; "
                        + "client-side latency p50 %.1f ms, p99 %.1f ms (corrected for coordinated omission)%n",
                r.sent(), r.status(2) + r.status(3), r.status(5), r.errors(), r.skipped(), r.corrected().p50(), r.corrected().p99());
        PoolForecast f = stack.predictor().core().latest(POOL).orElse(null);
        PoolSnapshot snap = stack.router().pools().get(POOL);
        List<Check> checks = new ArrayList<>();
        checks.add(new Check(tap.windowCount() > 0, "telemetry: " + tap.windowCount()
                + " one-second windows from the router crossed Kafka (" + stack.telemetrySink().stats().dropped() + " dropped)"));
        // A Tribuo model must have been trained on the telemetry and backtested; whether it or a baseline forecasts is the
        // backtest's call on this series, and the demo reports it rather than forcing it.
        checks.add(new Check(f != null && trainedTribuo(f), "forecast: a Tribuo model was trained on the telemetry and backtested; "
                + (f == null ? "no forecast" : "pool '" + POOL + "' is forecast by " + f.model() + " (" + f.backtest() + ")")
                + "; " + stack.predictor().core().stats().retrains() + " retrains"));
        long applied = stack.controlSubscriber().appliedCount();
        checks.add(new Check(applied > 0, "control plans: the router applied " + applied + " plans (weights from the predictor, "
                + "members from the autoscaler); pool now has " + (snap == null ? 0 : snap.members().size()) + " member(s)"));
        long started = tap.events(ScalingEvent.Action.STARTING);
        long readyEvents = tap.events(ScalingEvent.Action.READY);
        checks.add(new Check(readyEvents > 1, "scaling: the autoscaler started " + started + " real instance(s), " + readyEvents
                + " became ready and joined the pool; " + tap.events(ScalingEvent.Action.DRAINING) + " drained on scale-in; peak ready "
                + lead.peakReady()));
        List<LeadAnalysis.Level> ups = lead.scaleUps();
        long ahead = ups.stream().filter(LeadAnalysis.Level::requestedAhead).count();
        checks.add(new Check(!ups.isEmpty() && ahead > 0, "ahead of the load: for " + ahead + " of " + ups.size()
                + " scale-up steps the forecast asked for the capacity before the observed load needed it"));
        out.print(lead.describe());
        out.printf(Locale.ROOT, "  seconds with fewer ready instances than the observed load needed: %d of %d%n",
                lead.secondsUnderProvisioned(), lead.secondsObserved());
        boolean ok = true;
        for (Check c : checks) {
            out.println("  [" + (c.ok() ? "ok" : "FAILED") + "] " + c.text());
            ok &= c.ok();
        }
        out.println(ok ? "Demo finished: every arrow of the loop carried real data." : "Demo finished with failed checks (see above).");
        return ok ? 0 : 1;
    }

    record Check(boolean ok, String text) {
    }

    static boolean isTribuo(String model) {
        return model != null && (model.contains("sgd") || model.contains("xgboost"));
    }

    static boolean trainedTribuo(PoolForecast f) {
        return isTribuo(f.model()) || (f.backtest() != null && (f.backtest().contains("linear-sgd") || f.backtest().contains("xgboost")));
    }

    private void awaitFirstInstance(Stack stack) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            PoolSnapshot snap = stack.router().pools().get(POOL);
            if (snap != null && !snap.members().isEmpty()) {
                out.println("first instance ready and in the router's pool: " + snap.members());
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("no backend instance joined the pool within 60 s: see the instance logs under "
                + o.workDir().resolve("instances"));
    }

    private void publishBackfill(Stack stack, HeadroomConfig cfg, Workload w, long liveStartMillis) throws Exception {
        List<TelemetryWindow> windows = Backfill.windows(w.history(), w.historyStart(), w.liveStart(), o.speedup(), liveStartMillis,
                "backfill", ROUTE, POOL);
        BoundedPublisher<TelemetryWindow> pub = new BoundedPublisher<>(stack.clients().bulkProducer("demo-backfill",
                Codecs.TELEMETRY.serializer()), windows.size() + 1, "demo-backfill");
        try {
            for (TelemetryWindow tw : windows) {
                pub.offer(cfg.kafka().topics().telemetry(), tw.route(), tw);
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (pub.stats().acked() + pub.stats().failed() < windows.size() && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
        } finally {
            pub.close();
        }
        out.println("predictor warmed: " + windows.size() + " recorded windows (" + o.backfillDays()
                + " day(s) of the trace before the live part) published to the telemetry topic");
    }

    Workload workload() throws IOException {
        Path file = o.dataset();
        Path nasa = Traces.SHARED_ROOT.resolve("nasa-http-1995").resolve("nasa_1995_per_minute_derived.csv.gz");
        if (file == null && !o.forceSynthetic() && Files.isRegularFile(nasa)) {
            file = nasa;
        }
        Duration liveSpan = Duration.ofMillis((long) (o.live().toMillis() * o.speedup()));
        if (file != null) {
            Trace trace = file.equals(nasa) ? CountCsvTrace.of(file) : Traces.open(file);
            OffsetDateTime start = o.liveStart() != null ? o.liveStart()
                    : file.equals(nasa) ? OffsetDateTime.parse("1995-07-13T06:30-04:00") : null;
            if (start == null) {
                throw new IllegalArgumentException("--from is required with --dataset: the time the live part starts, e.g. "
                        + "1998-06-30T12:00Z");
            }
            Instant liveStart = start.toInstant();
            Instant historyStart = liveStart.minus(Duration.ofDays(o.backfillDays()));
            return new Workload(trace.slice(liveStart, liveStart.plus(liveSpan)), trace.slice(historyStart, liveStart), historyStart,
                    liveStart, start.getOffset(), trace.description()
                    + (file.equals(nasa) ? " — 1995-07-13 is the STS-70 launch day; the morning brings the month's peak" : ""), false);
        }
        // No recorded data here (a user's clone without ../shared): say so, and use the seeded generator.
        Instant begin = Instant.parse("2024-01-01T00:00:00Z");
        Instant liveStart = begin.plus(Duration.ofDays(o.backfillDays())).plus(Duration.ofMinutes(6 * 60 + 30));
        SyntheticWorkload gen = SyntheticWorkload.builder().seed(o.seed()).start(begin)
                .length(Duration.ofDays(o.backfillDays() + 1)).bucket(Duration.ofMinutes(1)).meanPerBucket(120).dailyAmplitude(0.6)
                .peakTime(LocalTime.of(11, 0)).flashAt(Duration.between(begin, liveStart).plus(liveSpan.dividedBy(2)))
                .flashMultiplier(2.5).flashRamp(Duration.ofMinutes(20)).flashDecay(Duration.ofMinutes(40)).build();
        Instant historyStart = liveStart.minus(Duration.ofDays(o.backfillDays()));
        return new Workload(gen.slice(liveStart, liveStart.plus(liveSpan)), gen.slice(historyStart, liveStart), historyStart, liveStart,
                ZoneOffset.UTC, "SYNTHETIC workload (no recorded traces found under " + Traces.SHARED_ROOT
                + "): daily cycle plus a flash crowd, seed " + o.seed(), true);
    }

    String config(Path work) {
        long season = Math.round(86_400 / o.speedup());
        long backfillSeconds = Math.round(o.backfillDays() * 86_400 / o.speedup());
        long history = backfillSeconds + o.live().toSeconds() + 600;
        long training = Math.max(120, Math.min(backfillSeconds - season - 60, 2_700));
        return String.format(Locale.ROOT, """
                # Generated by 'headroom demo': one process runs every role against an embedded broker.
                instance-id: demo-router-1
                kafka:
                  embedded-data-dir: %s
                  telemetry-partitions: 2
                router:
                  listen: 127.0.0.1:0
                  pools:
                    %s:
                      backends: []          # the autoscaler adds its instances through control plans
                      connect-timeout: 500ms
                      request-timeout: 10s
                  routes:
                    - {name: %s, path-prefix: /, pool: %s}
                predictor:
                  lead-time: %ds
                  plan-ttl: 30s
                  retrain-interval: 15s
                  history: %ds
                  training-window: %ds
                  season: %ds              # one recorded day at this speed-up
                  pools:
                    %s: {capacity-per-instance: %s, target-utilisation: 0.8}
                autoscaler:
                  pools:
                    %s:
                      min: 1
                      max: %d
                      cooldown: 3s
                      scale-down-window: 30s
                      max-step-up: 4
                      max-step-down: 1
                      provider: local
                      local: {base-port: 19100, capacity: %s, latency: 5ms, drain: 2s, log-dir: %s}
                """, work.resolve("kafka"), POOL, ROUTE, POOL, o.leadTime().toSeconds(), history, training,
                season, POOL, fmt(o.capacityPerInstance()), POOL, o.maxInstances(), fmt(o.capacityPerInstance() * 1.15),
                work.resolve("instances"));
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.1f", d);
    }

    private static void deleteRecursively(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
