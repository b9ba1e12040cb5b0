package io.headroom.datasets.read;

import io.headroom.datasets.trace.Arrivals;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Shared parts of per-request traces: counted into one-minute buckets when asked for buckets. */
abstract class RequestLogTrace extends FileTrace {
    static final Duration DEFAULT_BUCKET = Duration.ofMinutes(1);

    RequestLogTrace(Path path, String name) {
        super(path, name);
    }

    @Override
    public Kind kind() {
        return Kind.REQUESTS;
    }

    @Override
    public TraceReader<RateBucket> openBuckets() throws IOException {
        return Arrivals.bucketize(openRequests(), DEFAULT_BUCKET);
    }

    @Override
    public String toString() {
        return description();
    }
}
