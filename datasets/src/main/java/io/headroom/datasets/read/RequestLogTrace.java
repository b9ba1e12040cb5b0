package io.headroom.datasets.read;

import io.headroom.datasets.trace.Arrivals;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.Trace;
import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/** Shared parts of per-request traces: counted into one-minute buckets when asked for buckets. */
abstract class RequestLogTrace implements Trace {
    static final Duration DEFAULT_BUCKET = Duration.ofMinutes(1);
    final Path path;
    private final String name;

    RequestLogTrace(Path path, String name) {
        this.path = path;
        this.name = name != null ? name : path.getFileName().toString();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean synthetic() {
        return false;
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
