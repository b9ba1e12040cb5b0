package io.headroom.cli;

import io.headroom.datasets.replay.ReplayListener;
import io.headroom.datasets.replay.ReplayProgress;
import io.headroom.datasets.replay.ReplayResult;
import io.headroom.datasets.replay.Replayer;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.Trace;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.Callable;

@Command(name = "replay", mixinStandardHelpOptions = true,
        description = {"Replays recorded traffic open-loop against a running router or any HTTP target.",
                "Requests leave at their recorded time divided by the speed-up and never wait for earlier responses,",
                "so a slow target shows up as latency (corrected for coordinated omission), not as a slower replay."},
        footer = {"", "Examples:",
                "  headroom replay --dataset access.log --speedup 10 --target http://127.0.0.1:8080",
                "  headroom replay --dataset ../shared/datasets/nasa-http-1995/nasa_1995_per_minute_derived.csv.gz \\",
                "      --from 1995-07-13T07:30-04:00 --to 1995-07-13T11:00-04:00 --speedup 60 --target http://127.0.0.1:8080",
                "  headroom replay --dataset wc98.csv.gz --speedup 600 --duration 2m --json result.json --target http://127.0.0.1:8080",
                "  headroom replay --dataset requests.csv --columns time=ts,method=verb,path=url --time-format epoch_ms \\",
                "      --speedup 10 --target http://127.0.0.1:8080",
                "", "Formats: Common/Combined Log Format, the NASA TSV, per-second count series, per-minute count CSV",
                "(timestamp + count columns); any per-request CSV/TSV with a header row through --columns.",
                "Rate series replay as Poisson arrivals within each bucket. Malformed lines are skipped, counted and listed",
                "with their line numbers at the end. See docs/replay.md.",
                "Exit code 1 when more than --max-error-rate of the requests failed."})
final class ReplayCommand implements Callable<Integer> {
    @CommandLine.Mixin
    TraceOptions source;

    @Option(names = "--target", required = true, description = "Base URL, e.g. http://127.0.0.1:8080")
    URI target;

    @Option(names = "--speedup", defaultValue = "1", description = "Time warp, 1 to 1000 (default: ${DEFAULT-VALUE}).")
    double speedup;

    @Option(names = "--from", description = "Start of the slice, ISO-8601 with offset (e.g. 1995-07-13T07:30-04:00).")
    OffsetDateTime from;

    @Option(names = "--to", description = "End of the slice (exclusive).")
    OffsetDateTime to;

    @Option(names = "--duration", description = "Stop after this much real time, e.g. 90s or 5m.", converter = DurationConverter.class)
    Duration duration;

    @Option(names = "--max-in-flight", defaultValue = "1024", description = "Cap on outstanding requests; past it a request is skipped and reported (default: ${DEFAULT-VALUE}).")
    int maxInFlight;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the Poisson arrivals (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--json", description = "Write the result (HdrHistogram percentiles, counts) as JSON to this file.")
    Path json;

    @Option(names = "--max-error-rate", defaultValue = "0.05", description = "Fraction of failed requests above which the exit code is 1 (default: ${DEFAULT-VALUE}).")
    double maxErrorRate;

    @Override
    public Integer call() throws Exception {
        if (!(speedup >= 1 && speedup <= 1000)) {
            throw new IllegalArgumentException("--speedup " + speedup + " is out of range: use 1 to 1000");
        }
        Trace trace = source.open();
        if (from != null || to != null) {
            trace = trace.slice(from == null ? Instant.MIN : from.toInstant(), to == null ? Instant.MAX : to.toInstant());
        }
        PrintStream err = System.err;
        err.println("replaying " + trace.description());
        err.println("  -> " + target + " at x" + speedup + (duration == null ? "" : " for at most " + duration));
        boolean tty = System.console() != null;
        ReadReport[] input = new ReadReport[1];
        Replayer.Builder b = Replayer.builder().target(target).speedup(speedup).maxInFlight(maxInFlight).seed(seed)
                .progressInterval(Duration.ofMillis(tty ? 250 : 5000))
                .listener(new ReplayListener() {
                    @Override
                    public void onProgress(ReplayProgress p) {
                        if (tty) {
                            err.print("\r" + p.render(30));
                        } else {
                            err.println(p.render(30));
                        }
                    }

                    @Override
                    public void onInput(ReadReport report) {
                        input[0] = report;
                    }
                });
        if (duration != null) {
            b.maxDuration(duration);
        }
        Replayer replayer = b.build();
        Thread hook = new Thread(replayer::cancel);
        Runtime.getRuntime().addShutdownHook(hook);
        ReplayResult r = replayer.run(trace);
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // shutting down already
        }
        if (tty) {
            err.println();
        }
        System.out.println(Summaries.replay(r));
        if (input[0] != null && input[0].malformedCount() > 0) {
            System.out.println(TraceOptions.malformedSummary(input[0]));
        }
        if (json != null) {
            Files.writeString(json, r.toJson());
            System.out.println("result written to " + json.toAbsolutePath());
        }
        long failed = r.errors() + r.status(5);
        double rate = r.sent() == 0 ? 0 : (double) failed / r.sent();
        return rate > maxErrorRate ? ExitCodes.FAILURE : ExitCodes.OK;
    }
}
