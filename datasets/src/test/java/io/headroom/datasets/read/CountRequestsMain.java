package io.headroom.datasets.read;

import io.headroom.datasets.Traces;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.TraceReader;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/**
 * Child-JVM entry point of {@link LargeLogStreamingTest}: reads a trace through {@link Traces#open} and prints
 * {@code records=N malformed=M first=L max_heap=B}. Run with a small -Xmx, it fails with an OutOfMemoryError if
 * the reader keeps per-record state. With a second argument {@code --retain} it keeps every record itself, which
 * shows that the heap limit is small enough to catch a reader that does.
 */
public final class CountRequestsMain {
    private CountRequestsMain() {
    }

    public static void main(String[] args) throws Exception {
        long n = 0;
        long last = Long.MIN_VALUE;
        boolean ordered = true;
        ReadReport report;
        java.util.List<RecordedRequest> kept = args.length > 1 && args[1].equals("--retain") ? new java.util.ArrayList<>() : null;
        try (TraceReader<RecordedRequest> r = Traces.open(Path.of(args[0])).openRequests()) {
            while (r.hasNext()) {
                RecordedRequest q = r.next();
                if (kept != null) {
                    kept.add(q);
                }
                long t = q.at().getEpochSecond();
                ordered &= t >= last;
                last = t;
                n++;
            }
            report = r.report();
        }
        long first = report.malformedSamples().isEmpty() ? -1 : report.malformedSamples().getFirst().line();
        System.out.println("records=" + n + " malformed=" + report.malformedCount() + " first=" + first
                + " lines=" + report.linesRead() + " ordered=" + ordered
                + " max_heap=" + ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getMax());
    }
}
