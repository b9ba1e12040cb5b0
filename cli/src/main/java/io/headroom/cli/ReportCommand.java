package io.headroom.cli;

import io.headroom.cli.evaluate.Evaluation;
import io.headroom.cli.report.ReportWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "report", mixinStandardHelpOptions = true,
        description = {"Writes an HTML report with PNG charts of a what-if evaluation of a trace.",
                "Same evaluation as 'autoscale evaluate'. Charts: observed vs forecast rate with its interval, desired vs ready instances of the predictive and reactive",
                "policies with under-provisioned periods shaded, latency percentiles of a live replay, and the summary tables."},
        footer = {"", "Examples:",
                "  headroom report --dataset ../shared/datasets/nasa-http-1995/nasa_1995_per_minute_derived.csv.gz --out report/",
                "  headroom report --dataset access.log --out report/ --replay-json .headroom/demo/replay.json",
                "  headroom report --dataset requests.tsv --columns time=when,method=-,path=uri --time-format iso --out report/",
                "", "Open DIR/index.html in a browser."})
final class ReportCommand implements Callable<Integer> {
    @CommandLine.Mixin
    AutoscaleCommand.EvaluationOptions options;

    @Option(names = "--out", required = true, description = "Directory for index.html and the charts (created if missing).")
    Path out;

    @Option(names = "--replay-json", description = "A live replay's result (headroom replay --json, or .headroom/demo/replay.json) for the latency chart.")
    Path replayJson;

    @Override
    public Integer call() throws Exception {
        if (replayJson != null && !Files.isRegularFile(replayJson)) {
            throw new NoSuchFileException(replayJson.toString(), null, "replay JSON not found");
        }
        Evaluation e = options.evaluate();
        List<Path> files = ReportWriter.write(e, out, replayJson);
        System.out.print(e.report());
        System.out.println("report written to " + files.get(0).toAbsolutePath() + " (" + (files.size() - 1) + " charts)");
        return ExitCodes.OK;
    }
}
