package io.headroom.datasets.replay;

import io.headroom.datasets.trace.Arrivals;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;
import io.headroom.time.Ticker;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Open-loop replay of a trace against a target. Request {@code i} is due at
 * {@code start + (t_i - t_0) / speedup}, computed from one fixed start, never from when earlier
 * responses came back. One scheduling thread waits for each due time and hands the request to a
 * virtual thread. Rate traces become Poisson arrivals within each bucket (seeded); request traces
 * replay their own method and path (out-of-order log lines are sent in file order, at the later time).
 * <p>
 * Falling behind is reported, never hidden: when {@code maxInFlight} requests are outstanding, a due
 * request is skipped and counted; a request sent more than {@code lateThreshold} after its due time
 * counts as late. Latency goes into two HdrHistograms: corrected (from the due time) and uncorrected
 * (from the actual send).
 */
public final class Replayer {
    private static final long HIGHEST_MICROS = TimeUnit.HOURS.toMicros(1);

    private final URI target;
    private final HttpTransport transport;
    private final double speedup;
    private final int maxInFlight;
    private final Duration maxDuration;
    private final long seed;
    private final String rateMethod;
    private final String ratePath;
    private final Duration connectTimeout;
    private final Duration requestTimeout;
    private final Duration drainTimeout;
    private final Duration lateThreshold;
    private final Duration progressInterval;
    private final ReplayListener listener;
    private final Ticker ticker;
    private final Sleeper sleeper;
    private final Executor requestExecutor;
    private final boolean prescan;
    private volatile boolean cancelled;

    private Replayer(Builder b) {
        this.target = b.target;
        this.transport = b.transport;
        this.speedup = b.speedup;
        this.maxInFlight = b.maxInFlight;
        this.maxDuration = b.maxDuration;
        this.seed = b.seed;
        this.rateMethod = b.rateMethod;
        this.ratePath = b.ratePath;
        this.connectTimeout = b.connectTimeout;
        this.requestTimeout = b.requestTimeout;
        this.drainTimeout = b.drainTimeout != null ? b.drainTimeout : b.requestTimeout.plusSeconds(1);
        this.lateThreshold = b.lateThreshold;
        this.progressInterval = b.progressInterval;
        this.listener = b.listener;
        this.ticker = b.ticker;
        this.sleeper = b.sleeper;
        this.requestExecutor = b.requestExecutor;
        this.prescan = b.prescan;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Stops scheduling at the next due time or progress tick (from any thread); in-flight requests drain. */
    public void cancel() {
        cancelled = true;
    }

    /** Replays {@code trace} to the end (or {@code maxDuration}, or {@link #cancel()}), then waits for in-flight requests. */
    public ReplayResult run(Trace trace) throws IOException, InterruptedException {
        cancelled = false;
        Plan plan = prescan ? plan(trace) : null;
        HttpTransport tx = transport != null ? transport : new JdkHttpTransport(target, connectTimeout, requestTimeout);
        ExecutorService ownExecutor = requestExecutor == null ? Executors.newVirtualThreadPerTaskExecutor() : null;
        Executor exec = ownExecutor != null ? ownExecutor : requestExecutor;
        Run run = new Run(plan);
        try (TraceReader<RecordedRequest> events = open(trace)) {
            run.schedule(events, tx, exec);
            run.drain();
            ReplayResult result = run.result(trace, events.report().malformedCount());
            listener.onProgress(run.progress(ticker.read()));
            listener.onInput(events.report());
            listener.onFinish(result);
            return result;
        } finally {
            if (ownExecutor != null) {
                ownExecutor.shutdownNow(); // anything still running was abandoned at the drain deadline
            }
            if (transport == null) {
                tx.close();
            }
        }
    }

    private TraceReader<RecordedRequest> open(Trace trace) throws IOException {
        return trace.kind() == Trace.Kind.RATE
                ? Arrivals.poisson(trace.openBuckets(), seed, rateMethod, ratePath)
                : trace.openRequests();
    }

    /** Total requests and recorded span, read once up front so progress can show a fraction and an ETA. */
    private record Plan(long total, long spanNanos) {
    }

    private static Plan plan(Trace trace) throws IOException {
        long total = 0;
        Instant first = null;
        Instant last = null;
        if (trace.kind() == Trace.Kind.RATE) {
            try (TraceReader<RateBucket> r = trace.openBuckets()) {
                while (r.hasNext()) {
                    RateBucket b = r.next();
                    if (b.gap() || b.count() == 0) {
                        continue;
                    }
                    total += b.count();
                    first = first == null ? b.start() : first;
                    last = b.end();
                }
            }
        } else {
            try (TraceReader<RecordedRequest> r = trace.openRequests()) {
                while (r.hasNext()) {
                    Instant at = r.next().at();
                    total++;
                    first = first == null ? at : first;
                    last = last == null || at.isAfter(last) ? at : last;
                }
            }
        }
        return new Plan(total, first == null ? 0 : Duration.between(first, last).toNanos());
    }

    /** The state of one run. */
    private final class Run {
        final Plan plan;
        final AtomicInteger inFlight = new AtomicInteger();
        final AtomicLong completed = new AtomicLong();
        final AtomicLong errors = new AtomicLong();
        final AtomicLongArray classes = new AtomicLongArray(6);
        final Histogram corrected = new ConcurrentHistogram(1, HIGHEST_MICROS, 3);
        final Histogram uncorrected = new ConcurrentHistogram(1, HIGHEST_MICROS, 3);
        long scheduled;
        long sent;
        long skipped;
        long late;
        long maxLag;
        long lastOffset;
        long lastSend;
        long start;
        long nextProgress;
        boolean stoppedEarly;
        String stopReason = "end of trace";
        final long maxDurationNanos = maxDuration == null ? -1 : maxDuration.toNanos();
        final long lateNanos = lateThreshold.toNanos();
        final long intervalNanos = progressInterval.toNanos();
        long end;

        Run(Plan plan) {
            this.plan = plan;
        }

        void schedule(TraceReader<RecordedRequest> events, HttpTransport tx, Executor exec) throws InterruptedException {
            start = ticker.read();
            nextProgress = start;
            Instant origin = null;
            while (events.hasNext()) {
                if (cancelled) {
                    stop("cancelled");
                    return;
                }
                RecordedRequest r = events.next();
                if (origin == null) {
                    origin = r.at();
                }
                long recorded = Duration.between(origin, r.at()).toNanos();
                long offset = Math.max(lastOffset, (long) (recorded / speedup));
                if (maxDurationNanos >= 0 && offset > maxDurationNanos) {
                    stop("maxDuration " + maxDuration + " reached");
                    return;
                }
                lastOffset = offset;
                long due = start + offset;
                if (!waitUntil(due)) {
                    stop("cancelled");
                    return;
                }
                long now = ticker.read();
                scheduled++;
                if (inFlight.get() >= maxInFlight) {
                    skipped++;
                } else {
                    long lag = now - due;
                    maxLag = Math.max(maxLag, lag);
                    if (lag > lateNanos) {
                        late++;
                    }
                    inFlight.incrementAndGet();
                    sent++;
                    lastSend = now - start;
                    exec.execute(() -> send(tx, r, due));
                }
                maybeProgress(now);
            }
        }

        private void stop(String reason) {
            stoppedEarly = true;
            stopReason = reason;
        }

        private void send(HttpTransport tx, RecordedRequest r, long due) {
            long sentAt = ticker.read();
            try {
                int status = tx.send(r.method(), r.path());
                long done = ticker.read();
                int k = status / 100;
                if (k >= 1 && k <= 5) {
                    classes.incrementAndGet(k);
                    corrected.recordValue(micros(done - due));
                    uncorrected.recordValue(micros(done - sentAt));
                } else {
                    errors.incrementAndGet();
                }
            } catch (IOException | RuntimeException e) {
                errors.incrementAndGet();
            } catch (InterruptedException e) {
                errors.incrementAndGet();
                Thread.currentThread().interrupt();
            } finally {
                completed.incrementAndGet();
                inFlight.decrementAndGet();
            }
        }

        private long micros(long nanos) {
            return Math.min(HIGHEST_MICROS, Math.max(1, nanos / 1000));
        }

        /** False when cancelled while waiting. */
        private boolean waitUntil(long due) throws InterruptedException {
            while (true) {
                long now = ticker.read();
                if (now >= due) {
                    return true;
                }
                maybeProgress(now);
                if (cancelled) {
                    return false;
                }
                sleeper.sleepNanos(Math.min(due - now, Math.max(1, nextProgress - now)));
            }
        }

        void drain() throws InterruptedException {
            long deadline = ticker.read() + drainTimeout.toNanos();
            while (inFlight.get() > 0) {
                long now = ticker.read();
                if (now >= deadline) {
                    break;
                }
                maybeProgress(now);
                sleeper.sleepNanos(Math.min(deadline - now, TimeUnit.MILLISECONDS.toNanos(2)));
            }
            end = ticker.read();
        }

        private void maybeProgress(long now) {
            if (now >= nextProgress) {
                nextProgress = now + intervalNanos;
                listener.onProgress(progress(now));
            }
        }

        ReplayProgress progress(long now) {
            long elapsed = now - start;
            long[] cls = new long[6];
            for (int k = 1; k <= 5; k++) {
                cls[k] = classes.get(k);
            }
            long total = -1;
            double fraction = 0;
            Duration eta = null;
            long scheduleNanos = plan == null ? -1 : (long) (plan.spanNanos / speedup);
            if (plan != null && (maxDurationNanos < 0 || scheduleNanos <= maxDurationNanos)) {
                total = plan.total;
                fraction = total == 0 ? 1 : (double) scheduled / total;
                eta = Duration.ofNanos(Math.max(0, scheduleNanos - elapsed));
            } else if (maxDurationNanos > 0) {
                fraction = Math.min(1, (double) elapsed / maxDurationNanos);
                eta = Duration.ofNanos(Math.max(0, maxDurationNanos - elapsed));
            }
            return new ReplayProgress(Duration.ofNanos(elapsed), total, sent, completed.get(), inFlight.get(), skipped,
                    late, skipped + late, cls, errors.get(), fraction, eta);
        }

        ReplayResult result(Trace trace, long malformed) {
            long[] cls = new long[6];
            for (int k = 1; k <= 5; k++) {
                cls[k] = classes.get(k);
            }
            Histogram c = corrected.copy();
            Histogram u = uncorrected.copy();
            return new ReplayResult(trace.name(), trace.description(), trace.synthetic(), speedup, maxInFlight,
                    scheduled, sent, completed.get(), skipped, late, inFlight.get(), errors.get(), cls,
                    Duration.ofNanos(maxLag), Duration.ofNanos(end - start), Duration.ofNanos(lastOffset),
                    Duration.ofNanos(lastSend), stoppedEarly, stopReason, malformed,
                    ReplayResult.Latency.of(c), ReplayResult.Latency.of(u), c, u);
        }
    }

    /** Options, checked eagerly. Either {@link #target} or {@link #transport} is required. */
    public static final class Builder {
        private URI target;
        private HttpTransport transport;
        private double speedup = 1;
        private int maxInFlight = 1024;
        private Duration maxDuration;
        private long seed = 1;
        private String rateMethod = "GET";
        private String ratePath = "/";
        private Duration connectTimeout = Duration.ofSeconds(2);
        private Duration requestTimeout = Duration.ofSeconds(10);
        private Duration drainTimeout;
        private Duration lateThreshold = Duration.ofMillis(10);
        private Duration progressInterval = Duration.ofMillis(250);
        private ReplayListener listener = ReplayListener.NONE;
        private Ticker ticker = Ticker.system();
        private Sleeper sleeper = Sleeper.system();
        private Executor requestExecutor;
        private boolean prescan = true;

        private Builder() {
        }

        /** Base URL, e.g. {@code http://127.0.0.1:8080}; recorded paths are appended. */
        public Builder target(URI baseUrl) {
            this.target = Objects.requireNonNull(baseUrl, "target");
            return this;
        }

        /** A custom transport (not closed by the replayer); replaces {@link #target}. */
        public Builder transport(HttpTransport transport) {
            this.transport = Objects.requireNonNull(transport, "transport");
            return this;
        }

        /** Time warp: 60 replays an hour in a minute. */
        public Builder speedup(double speedup) {
            if (!(speedup > 0) || Double.isInfinite(speedup)) {
                throw new IllegalArgumentException("speedup: " + speedup + " (expected: > 0)");
            }
            this.speedup = speedup;
            return this;
        }

        public Builder maxInFlight(int maxInFlight) {
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
            }
            this.maxInFlight = maxInFlight;
            return this;
        }

        /** Stop scheduling once this much replay time has passed (null = whole trace). */
        public Builder maxDuration(Duration maxDuration) {
            if (maxDuration != null && (maxDuration.isNegative() || maxDuration.isZero())) {
                throw new IllegalArgumentException("maxDuration: " + maxDuration + " (expected: > 0)");
            }
            this.maxDuration = maxDuration;
            return this;
        }

        /** Seed for Poisson arrivals inside rate buckets. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Method and path for requests generated from a rate trace (default GET /). */
        public Builder rateRequest(String method, String path) {
            this.rateMethod = Objects.requireNonNull(method, "method");
            this.ratePath = Objects.requireNonNull(path, "path");
            return this;
        }

        public Builder connectTimeout(Duration d) {
            this.connectTimeout = positive("connectTimeout", d);
            return this;
        }

        public Builder requestTimeout(Duration d) {
            this.requestTimeout = positive("requestTimeout", d);
            return this;
        }

        /** How long to wait for in-flight requests after the last send (default requestTimeout + 1 s). */
        public Builder drainTimeout(Duration d) {
            this.drainTimeout = positive("drainTimeout", d);
            return this;
        }

        /** A send later than this after its due time counts as late (default 10 ms). */
        public Builder lateThreshold(Duration d) {
            if (d.isNegative()) {
                throw new IllegalArgumentException("lateThreshold: " + d + " (expected: >= 0)");
            }
            this.lateThreshold = d;
            return this;
        }

        public Builder progressInterval(Duration d) {
            this.progressInterval = positive("progressInterval", d);
            return this;
        }

        public Builder listener(ReplayListener listener) {
            this.listener = Objects.requireNonNull(listener, "listener");
            return this;
        }

        public Builder ticker(Ticker ticker) {
            this.ticker = Objects.requireNonNull(ticker, "ticker");
            return this;
        }

        public Builder sleeper(Sleeper sleeper) {
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /** Where sends run (default: a new virtual thread per request). Tests may pass a direct executor. */
        public Builder requestExecutor(Executor executor) {
            this.requestExecutor = Objects.requireNonNull(executor, "executor");
            return this;
        }

        /** Read the trace once before replaying to know the total and the ETA (default true). */
        public Builder prescan(boolean prescan) {
            this.prescan = prescan;
            return this;
        }

        public Replayer build() {
            if (target == null && transport == null) {
                throw new IllegalStateException("target: missing (expected: target(URI.create(\"http://127.0.0.1:8080\")) or transport(..))");
            }
            return new Replayer(this);
        }

        private static Duration positive(String what, Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException(what + ": " + d + " (expected: > 0)");
            }
            return d;
        }
    }
}
