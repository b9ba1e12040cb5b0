package io.headroom.cli;

import io.headroom.datasets.Traces;
import io.headroom.datasets.trace.MultiSeriesTrace;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;
import io.headroom.predictor.evaluate.ForecastEvaluation;
import io.headroom.predictor.forecast.EventCalendar;
import io.headroom.predictor.forecast.EventsFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "forecast", mixinStandardHelpOptions = true, description = "Works with the forecaster offline.",
        footer = {"", "Examples:",
                "  headroom forecast evaluate --dataset traces/nasa_1995_per_minute_derived.csv.gz",
                "  headroom forecast evaluate --dataset access.log --horizons 1m,5m --format json"},
        subcommands = ForecastCommand.Evaluate.class)
final class ForecastCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "evaluate", mixinStandardHelpOptions = true,
            description = {"Rolling-origin backtest of every forecaster on a recorded count series.",
                    "The model is chosen on an earlier stretch and scored on a later held-out one, so the choice is honest;",
                    "reports MAE, RMSE, sMAPE, MASE and interval coverage against the baselines (last value, seasonal naive, EWMA, Holt-Winters)."},
            footer = {"", "Examples:",
                    "  headroom forecast evaluate --dataset ../shared/datasets/nasa-http-1995/nasa_1995_per_minute_derived.csv.gz",
                    "  headroom forecast evaluate --dataset ../shared/datasets/worldcup98/wc98_requests_per_minute.csv.gz \\",
                    "      --horizons 5m,15m,60m --format json",
                    "  headroom forecast evaluate --dataset access.log --to 1995-08-01T12:00Z",
                    "  headroom forecast evaluate --dataset ../shared/datasets/azure-functions-2019-sample1000/azure2019_sample1000_inv.csv.gz \\",
                    "      --series 95dc325a",
                    "  headroom forecast evaluate --dataset ../shared/datasets/worldcup98/wc98_requests_per_minute.csv.gz \\",
                    "      --to 1998-06-27T00:00Z --events examples/worldcup98-matches.csv",
                    "", "Any format the readers accept; request logs are counted per minute. A file of many series (the Azure Functions",
                    "invocation matrix) is evaluated on its sum unless --series names one. Exit code 2 when the series is too short."})
    static final class Evaluate implements Callable<Integer> {
        enum Format { table, json }

        @Option(names = "--dataset", required = true, description = "The recorded series.")
        Path dataset;

        @Option(names = "--horizons", split = ",", defaultValue = "5m,15m", converter = DurationConverter.class,
                description = "Horizons, comma-separated (default: ${DEFAULT-VALUE}).")
        List<Duration> horizons;

        @Option(names = "--from", description = "Only from this time (ISO-8601 with offset).")
        OffsetDateTime from;

        @Option(names = "--to", description = "Only before this time.")
        OffsetDateTime to;

        @Option(names = "--format", defaultValue = "table", description = "table or json (default: ${DEFAULT-VALUE}).")
        Format format;

        @Option(names = "--series", paramLabel = "NAME|all",
                description = {"For a file of many series (the Azure Functions matrix): one series by name or unique prefix",
                        "(a HashFunction value), or 'all' for the sum over all of them (the default)."})
        String series;

        @Option(names = "--events", paramLabel = "FILE",
                description = {"Scheduled events (launches, sales, broadcasts, matches) as forecast input: a CSV with a header",
                        "(start,end|duration,series,weight,label; see examples/worldcup98-matches.csv). Events naming a series",
                        "apply only when --series names it. A schedule is known in advance, so this is honest input."})
        Path events;

        @Override
        public Integer call() throws Exception {
            Trace trace = Traces.open(dataset);
            if (trace instanceof MultiSeriesTrace many) {
                trace = many.series(series == null ? MultiSeriesTrace.ALL : series);
            } else if (series != null && !series.equalsIgnoreCase(MultiSeriesTrace.ALL)) {
                throw new IllegalArgumentException("--series " + series + ": " + dataset + " holds one series ("
                        + trace.description() + "); --series applies to a file of many, such as the Azure Functions matrix");
            }
            if (from != null || to != null) {
                trace = trace.slice(from == null ? Instant.MIN : from.toInstant(), to == null ? Instant.MAX : to.toInstant());
            }
            List<Double> values = new ArrayList<>();
            long start = Long.MIN_VALUE;
            long step = 0;
            long expectedNext = Long.MIN_VALUE;
            try (TraceReader<RateBucket> r = trace.openBuckets()) {
                while (r.hasNext()) {
                    RateBucket b = r.next();
                    long s = b.start().getEpochSecond();
                    if (start == Long.MIN_VALUE) {
                        start = s;
                        step = b.duration().toSeconds();
                        expectedNext = s;
                    }
                    // Missing buckets are gaps, never zeros.
                    while (expectedNext < s && step > 0) {
                        values.add(Double.NaN);
                        expectedNext += step;
                    }
                    values.add(b.gap() ? Double.NaN : (double) b.count());
                    expectedNext = s + step;
                }
                if (r.report().malformedCount() > 0) {
                    System.err.println("note: " + r.report().malformedCount() + " malformed line(s) skipped, first at line "
                            + r.report().malformedSamples().getFirst().line());
                }
            }
            if (values.isEmpty() || step <= 0) {
                throw new IllegalArgumentException(dataset + " holds no count buckets to evaluate");
            }
            int[] steps = new int[horizons.size()];
            for (int i = 0; i < steps.length; i++) {
                long h = horizons.get(i).toSeconds();
                if (h < step || h % step != 0) {
                    throw new IllegalArgumentException("horizon " + horizons.get(i) + " is not a whole number of the series' "
                            + step + "-second steps");
                }
                steps[i] = (int) (h / step);
            }
            double[] y = values.stream().mapToDouble(Double::doubleValue).toArray();
            System.err.printf("evaluating %d steps of %ds from %s (%s)%n", y.length, step, Instant.ofEpochSecond(start), trace.description());
            ForecastEvaluation.Settings settings = ForecastEvaluation.Settings.forSeries(y.length, step);
            if (events != null) {
                EventCalendar calendar = EventsFile.load(events);
                EventCalendar applying = series == null || series.equalsIgnoreCase(MultiSeriesTrace.ALL) ? calendar.shared()
                        : calendar.forSeries(series);
                System.err.printf("events: %d of %d in %s apply%n", applying.events().size(), calendar.events().size(), events);
                settings = settings.withEvents(applying);
            }
            ForecastEvaluation.Report report = new ForecastEvaluation(settings).run(y, start, step, steps);
            System.out.println(format == Format.json ? report.toJson() : report.toTable());
            return ExitCodes.OK;
        }
    }
}
