package io.headroom.cli;

import io.headroom.cli.demo.Demo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.concurrent.Callable;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"Runs the whole loop on this machine and shows capacity arriving before the spike.",
                "Embedded Kafka, the router, the Tribuo predictor and the autoscaler with real backend processes; the predictor is",
                "warmed with the recorded days before the live part, which is replayed through the router at a speed-up."},
        footer = {"", "Examples:",
                "  headroom demo                                  NASA 1995-07-13 (STS-70 launch) morning, 4 minutes at x60",
                "  headroom demo --minutes 2",
                "  headroom demo --dataset ../shared/datasets/worldcup98/wc98_requests_per_minute.csv.gz \\",
                "      --from 1998-06-30T14:00Z --speedup 120 --capacity 200",
                "  headroom demo --synthetic                      the built-in generator (daily cycle + flash crowd)",
                "", "Without ../shared/datasets the built-in generator is used, and the demo says so.",
                "Exit code 0 when every step of the loop was seen working, 1 when a check failed."})
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--minutes", defaultValue = "4", description = "Real minutes of live replay (default: ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--speedup", defaultValue = "60", description = "Time warp: trace seconds per real second (default: ${DEFAULT-VALUE}).")
    double speedup;

    @Option(names = "--lead-time", defaultValue = "10s", converter = DurationConverter.class,
            description = "Provisioning lead time, the forecast horizon, in real time (default: ${DEFAULT-VALUE}).")
    Duration leadTime;

    @Option(names = "--backfill-days", defaultValue = "3", description = "Recorded days before the live part fed to the predictor (default: ${DEFAULT-VALUE}).")
    int backfillDays;

    @Option(names = "--capacity", defaultValue = "70", description = "Requests/s one backend instance is planned for (default: ${DEFAULT-VALUE}).")
    double capacity;

    @Option(names = "--max-instances", defaultValue = "10", description = "Most instances the autoscaler may run (default: ${DEFAULT-VALUE}).")
    int maxInstances;

    @Option(names = "--dataset", description = "A per-minute count CSV (or any trace Headroom reads) instead of NASA 1995.")
    Path dataset;

    @Option(names = "--from", description = "When the live part starts in trace time, ISO-8601 with offset (needed with --dataset).")
    OffsetDateTime from;

    @Option(names = "--synthetic", description = "Use the built-in workload generator even if recorded traces are present.")
    boolean synthetic;

    @Option(names = "--seed", defaultValue = "1", description = "Seed for arrivals and the generator (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--out", defaultValue = ".headroom/demo", description = "Where the config, timeline.csv, replay.json and instance logs go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(names = "--every", defaultValue = "5s", converter = DurationConverter.class, description = "Status line interval (default: ${DEFAULT-VALUE}).")
    Duration every;

    @Option(names = "--admin-port", defaultValue = "0", description = "Port of the live dashboard and /metrics on 127.0.0.1; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int adminPort;

    @Override
    public Integer call() throws Exception {
        if (!(minutes > 0 && minutes <= 120)) {
            throw new IllegalArgumentException("--minutes " + minutes + ": use a value between 0 and 120");
        }
        if (!(speedup >= 1 && speedup <= 1000)) {
            throw new IllegalArgumentException("--speedup " + speedup + ": use 1 to 1000");
        }
        if (backfillDays < 1 || backfillDays > 14) {
            throw new IllegalArgumentException("--backfill-days " + backfillDays + ": use 1 to 14");
        }
        Demo.Options o = new Demo.Options(Duration.ofMillis(Math.round(minutes * 60_000)), speedup, leadTime, backfillDays, capacity,
                maxInstances, dataset, from, seed, out, every.isZero() ? Duration.ofSeconds(5) : every, synthetic, adminPort);
        return new Demo(o, System.out).run();
    }
}
