package io.headroom.datasets.read;

import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.TraceReader;

import java.nio.file.Path;

/** Shared parts of recorded rate traces (counts per period): they have buckets, and requests only through arrivals. */
abstract class RateFileTrace extends FileTrace {
    RateFileTrace(Path path, String name) {
        super(path, name);
    }

    @Override
    public Kind kind() {
        return Kind.RATE;
    }

    @Override
    public TraceReader<RecordedRequest> openRequests() {
        throw new UnsupportedOperationException(name() + " is a rate trace; use Arrivals.poisson(openBuckets(), ...)");
    }
}
