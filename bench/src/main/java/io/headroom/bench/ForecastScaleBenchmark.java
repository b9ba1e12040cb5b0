package io.headroom.bench;

import io.headroom.predictor.forecast.Backtest;
import io.headroom.predictor.forecast.Forecast;
import io.headroom.predictor.forecast.ModelCatalog;
import io.headroom.predictor.forecast.SeriesFleet;
import io.headroom.predictor.forecast.SeriesModel;
import io.headroom.predictor.forecast.TimeAxis;
import io.headroom.predictor.history.HistoryStore;
import io.headroom.predictor.history.SeriesHistory;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The predictor at scale (issue 5, item 8): {@code series} per-second series with the live predictor's settings
 * (1 h history ring, 20-minute training window, horizon 32 s, 3 × 40-step backtest, 90% intervals).
 * <ul>
 *   <li>{@code forecastRound}: one tick's forecasts, every series (window copied out of its history ring, then
 *       {@link SeriesModel#forecast}); one thread, as the predictor's tick runs.</li>
 *   <li>{@code retrainCycle}: every series re-selected by backtest and refit, on {@code threads} threads (2 = the
 *       2-core goal); single shot.</li>
 * </ul>
 * Memory: the setup prints the heap retained by the histories and the trained models per series (used heap after
 * full GCs, before and after building them).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xmx6g", "-Xms6g"})
public class ForecastScaleBenchmark {
    static final int HISTORY_SECONDS = 3600;
    static final int WINDOW = 1200;
    static final int HORIZON = 32;

    @Param("10000")
    public int series;

    @Param("2")
    public int threads;

    private SeriesHistory[] histories;
    private String[] names;
    private SeriesModel[] models;
    private SeriesFleet fleet;
    private long last;
    private ExecutorService pool;

    @Setup(Level.Trial)
    public void setup() throws Exception {
        pool = Executors.newFixedThreadPool(threads);
        long before = usedAfterGc();
        Random rnd = new Random(42);
        last = 1_700_000_000L + HISTORY_SECONDS;
        histories = new SeriesHistory[series];
        models = new SeriesModel[series];
        names = new String[series];
        fleet = new SeriesFleet(new ModelCatalog(0.9, 300, 0, WINDOW, 60, false), HORIZON, new Backtest(3, 40), new TimeAxis(0, 1),
                false);
        for (int i = 0; i < series; i++) {
            SeriesHistory h = new SeriesHistory(HISTORY_SECONDS, HISTORY_SECONDS / 60 + 1, HistoryStore.Limits.DEFAULT_HOURS);
            double level = Math.exp(rnd.nextDouble() * Math.log(2000)); // 1 to 2,000 req/s, log-uniform
            double phase = rnd.nextDouble() * 2 * Math.PI;
            for (long s = last - HISTORY_SECONDS + 1; s <= last; s++) {
                if (rnd.nextDouble() < 0.002) {
                    continue; // a gap: no router reported this second
                }
                double mean = level * (1 + 0.3 * Math.sin(2 * Math.PI * s / 900.0 + phase));
                h.add(s, Math.max(0, Math.round(mean + Math.sqrt(mean) * rnd.nextGaussian())));
            }
            histories[i] = h;
            names[i] = "series-" + i;
            models[i] = fleet.model(names[i]);
        }
        long t0 = System.nanoTime();
        long cpu0 = cpuNanos();
        SeriesFleet.Result r = retrainCycle();
        long wall = System.nanoTime() - t0;
        long cpu = cpuNanos() - cpu0;
        long after = usedAfterGc();
        System.out.printf("%n[scale] %d series: retained heap %.1f MB = %.1f KB per series (history ring %d s + model)%n", series,
                (after - before) / 1e6, (after - before) / 1024.0 / series, HISTORY_SECONDS);
        System.out.printf("[scale] first retrain cycle: %.1f s wall on %d thread(s), %.1f s CPU (the whole process, GC and JIT included); %s; %d failures%n",
                wall / 1e9, threads, cpu / 1e9, r.global(), r.failures().size());
        java.util.Map<String, Integer> chosen = new java.util.TreeMap<>();
        for (SeriesModel m : models) {
            chosen.merge(m.selection().model(), 1, Integer::sum);
        }
        System.out.println("[scale] chosen: " + chosen);
        // The machine may be shared: CPU time of a round on this thread is the figure that does not depend on neighbours.
        java.lang.management.ThreadMXBean tmx = ManagementFactory.getThreadMXBean();
        Blackhole bh = new Blackhole("Today's password is swordfish. I understand instantiating Blackholes directly is dangerous.");
        for (int round = 0; round < 8; round++) {
            long c0 = tmx.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            forecastRound(bh);
            System.out.printf("[scale] forecast round %d: %.0f ms CPU, %.0f ms wall%n", round, (tmx.getCurrentThreadCpuTime() - c0) / 1e6,
                    (System.nanoTime() - w0) / 1e6);
        }
        for (int round = 0; round < 8; round++) {
            long c0 = tmx.getCurrentThreadCpuTime();
            long w0 = System.nanoTime();
            forecastRoundBatched(bh);
            System.out.printf("[scale] batched forecast round %d: %.0f ms CPU, %.0f ms wall%n", round,
                    (tmx.getCurrentThreadCpuTime() - c0) / 1e6, (System.nanoTime() - w0) / 1e6);
        }
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.shutdownNow();
    }

    /** CPU time of the whole process (all threads, GC and JIT included). */
    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static long usedAfterGc() throws InterruptedException {
        for (int i = 0; i < 3; i++) {
            System.gc();
            Thread.sleep(100);
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** One tick: every series' forecast at the horizon, from the last {@value #WINDOW} seconds of its ring. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3)
    @Measurement(iterations = 10)
    public void forecastRound(Blackhole bh) {
        TimeAxis axis = new TimeAxis(last - WINDOW + 1, 1);
        for (int i = 0; i < series; i++) {
            Forecast f = models[i].forecast(histories[i].values(last - WINDOW + 1, last + 1), axis);
            bh.consume(f);
        }
    }

    /**
     * One tick as {@link SeriesFleet#forecastAll} runs it: the same forecasts, but every series on the shared model is
     * scored in one batch (one Tribuo predict call for all their rows).
     */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.MILLISECONDS)
    @Warmup(iterations = 3)
    @Measurement(iterations = 10)
    public void forecastRoundBatched(Blackhole bh) {
        TimeAxis axis = new TimeAxis(last - WINDOW + 1, 1);
        java.util.Map<String, double[]> recent = new java.util.LinkedHashMap<>();
        for (int i = 0; i < series; i++) {
            recent.put(names[i], histories[i].values(last - WINDOW + 1, last + 1));
        }
        bh.consume(fleet.forecastAll(recent, axis));
    }

    /** Every series re-selected and refit on {@code threads} threads, after the global model is trained on all of them. */
    @Benchmark
    @BenchmarkMode(Mode.SingleShotTime)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @Warmup(iterations = 0)
    @Measurement(iterations = 1)
    public SeriesFleet.Result retrainCycle() {
        TimeAxis axis = new TimeAxis(last - WINDOW + 1, 1);
        java.util.Map<String, double[]> windows = new java.util.LinkedHashMap<>();
        for (int i = 0; i < series; i++) {
            windows.put(names[i], histories[i].values(last - WINDOW + 1, last + 1));
        }
        return fleet.retrain(windows, axis, 0, pool, threads);
    }
}
