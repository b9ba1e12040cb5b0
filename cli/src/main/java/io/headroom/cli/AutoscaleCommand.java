package io.headroom.cli;

import io.headroom.cli.evaluate.DemandSeries;
import io.headroom.cli.evaluate.Evaluation;
import io.headroom.cli.evaluate.EvaluationSettings;
import io.headroom.cli.evaluate.WhatIfEvaluator;
import io.headroom.datasets.trace.Trace;
import io.headroom.predictor.forecast.EventsFile;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.concurrent.Callable;

/** {@code headroom autoscale ...}: autoscaling tools that run without a cluster. */
@Command(name = "autoscale", mixinStandardHelpOptions = true,
        description = "Autoscaling tools that need no running system.",
        footer = {"", "Examples:",
                "  headroom autoscale evaluate --dataset traces/nasa_1995_per_minute_derived.csv.gz --lead-time 3m",
                "  headroom autoscale evaluate --help      every option of the what-if evaluation"},
        subcommands = {AutoscaleCommand.Evaluate.class, CommandLine.HelpCommand.class})
final class AutoscaleCommand implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    /** Options shared by {@code autoscale evaluate} and {@code report}. */
    static final class EvaluationOptions {
        @CommandLine.Mixin
        TraceOptions source;

        @Option(names = "--lead-time", defaultValue = "3m", converter = DurationConverter.class,
                description = "Time from asking for an instance to its serving; also the forecast horizon (default: ${DEFAULT-VALUE}).")
        Duration leadTime;

        @Option(names = "--capacity-per-instance", description = "Req/s one instance serves at 100 %% (default: the trace's peak / 20).")
        Double capacityPerInstance;

        @Option(names = "--target-utilisation", defaultValue = "0.8", description = "Utilisation the predictive and reactive policies size for (default: ${DEFAULT-VALUE}).")
        double targetUtilisation;

        @Option(names = "--coverage", defaultValue = "0.9", description = "Forecast interval coverage; predictive sizes on its upper bound (default: ${DEFAULT-VALUE}).")
        double coverage;

        @Option(names = "--sizing-utilisation", description = "Utilisation predictive sizes its forecast's upper bound for (default: the target utilisation).")
        Double sizingUtilisation;

        @Option(names = "--floor-utilisation", description = "Utilisation predictive sizes its reactive floor (current demand) for (default: the target utilisation).")
        Double floorUtilisation;

        @Option(names = "--retrain-every", defaultValue = "1h", converter = DurationConverter.class,
                description = "How often, in simulated time, the forecaster is re-selected and refit (default: ${DEFAULT-VALUE}).")
        Duration retrainEvery;

        @Option(names = "--season", converter = DurationConverter.class,
                description = "Season of the forecaster, e.g. 1d, or 0s for none (default: 1d when the trace spans 3 days or more).")
        Duration season;

        @Option(names = "--step", converter = DurationConverter.class,
                description = "Simulation step (default: the trace's bucket, at least 1m).")
        Duration step;

        @Option(names = "--from", description = "Start of the slice, ISO-8601 with offset (e.g. 1995-07-01T00:00-04:00).")
        OffsetDateTime from;

        @Option(names = "--to", description = "End of the slice (exclusive).")
        OffsetDateTime to;

        @Option(names = "--events", paramLabel = "FILE",
                description = {"Scheduled events the predictive policy's models read (a CSV: start,end|duration,series,weight,label;",
                        "see examples/worldcup98-matches.csv). Events naming a series are left out: the trace is one series."})
        Path events;

        EvaluationSettings settings() {
            EvaluationSettings s = EvaluationSettings.defaults(leadTime).withTargetUtilisation(targetUtilisation).withCoverage(coverage)
                    .withRetrainEvery(retrainEvery).withSeason(season)
                    .withPredictiveSizing(sizingUtilisation == null ? Double.NaN : sizingUtilisation,
                            floorUtilisation == null ? Double.NaN : floorUtilisation);
            if (events != null) {
                s = s.withEvents(EventsFile.load(events).shared());
            }
            return capacityPerInstance == null ? s : s.withCapacityPerInstance(capacityPerInstance);
        }

        DemandSeries demand() throws java.io.IOException {
            Trace trace = source.open();
            if (from != null || to != null) {
                trace = trace.slice(from == null ? Instant.EPOCH : from.toInstant(), to == null ? null : to.toInstant());
            }
            return DemandSeries.read(trace, step);
        }

        Evaluation evaluate() throws java.io.IOException {
            if (leadTime.isZero() || leadTime.isNegative()) {
                throw new IllegalArgumentException("--lead-time must be positive: use e.g. 3m");
            }
            EvaluationSettings s = settings();
            return WhatIfEvaluator.evaluate(demand(), s);
        }
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = {"What-if: replays a recorded trace through three autoscaling policies in simulated time and scores each.",
                    "predictive = the predictor's model (retrained every simulated hour) forecasts the demand one lead time ahead,",
                    "  sized on the upper bound, never below the reactive floor, through the autoscaler's guardrails;",
                    "reactive = the Kubernetes HPA's defaults: current demand / target utilisation, 15 s syncs, 10 %% tolerance,",
                    "  scale-up by at most max(100 %%, 4) per sync, 5-minute scale-down stabilisation;",
                    "static = a fleet sized for the trace's peak.",
                    "Instances are ready one lead time after they are asked for. A month of per-minute data takes seconds."},
            footer = {"", "Examples:",
                    "  headroom autoscale evaluate --dataset ../shared/datasets/nasa-http-1995/nasa_1995_per_minute_derived.csv.gz --lead-time 3m",
                    "  headroom autoscale evaluate --dataset ../shared/datasets/worldcup98/wc98_requests_per_minute.csv.gz \\",
                    "      --from 1998-06-10T00:00Z --to 1998-07-13T00:00Z --format json",
                    "  headroom autoscale evaluate --dataset ../shared/datasets/worldcup98/wc98_requests_per_minute.csv.gz \\",
                    "      --lead-time 3m --events examples/worldcup98-matches.csv",
                    "", "Fields: under-provisioned minutes (demand above ready capacity), excess requests (demand above capacity,",
                    "summed), instance-minutes (starting + ready instances, what a cloud bills), mean utilisation (mean of",
                    "min(1, demand / ready capacity)). Gaps in the recording are not scored. Perfect foresight: the fewest",
                    "instance-minutes any policy that is never short can spend; above 90 %% of reactive's, issue 6's goal is",
                    "out of reach for every policy. See docs/evaluation.md."})
    static final class Evaluate implements Callable<Integer> {
        @CommandLine.Mixin
        EvaluationOptions options;

        @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
        Format format;

        @Option(names = "--out", description = "Also write the JSON to this file.")
        Path out;

        enum Format { table, json }

        @Override
        public Integer call() throws Exception {
            Evaluation e = options.evaluate();
            System.out.print(format == Format.json ? e.toJson() : e.report());
            if (out != null) {
                Files.writeString(out, e.toJson());
            }
            return ExitCodes.OK;
        }
    }
}
