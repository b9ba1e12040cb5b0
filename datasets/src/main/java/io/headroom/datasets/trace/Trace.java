package io.headroom.datasets.trace;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

/**
 * A recorded (or generated) traffic trace. Either a rate trace (a series of {@link RateBucket}s) or a
 * request trace (individual {@link RecordedRequest}s). A trace is a description; every {@code open*}
 * call starts a fresh streaming pass.
 */
public interface Trace {
    enum Kind { RATE, REQUESTS }

    /** Short name, e.g. the file name or {@code synthetic-daily-flash}. */
    String name();

    /** One line saying what this is: format, source, time zone, and whether it is synthetic. */
    String description();

    /** True for generated workloads; replay reports and charts must say so. */
    boolean synthetic();

    Kind kind();

    /**
     * Rate buckets in time order. For a {@link Kind#REQUESTS} trace the requests are counted into
     * one-minute buckets (requests are expected roughly in time order, as logs are).
     */
    TraceReader<RateBucket> openBuckets() throws IOException;

    /**
     * Requests in recorded order. Only for {@link Kind#REQUESTS}; a rate trace turns into requests
     * with {@link Arrivals#poisson}.
     *
     * @throws UnsupportedOperationException for a rate trace
     */
    TraceReader<RecordedRequest> openRequests() throws IOException;

    /** Only what falls in {@code [from, to)} (a bucket by its start). */
    default Trace slice(Instant from, Instant to) {
        return SlicedTrace.absolute(this, from, to);
    }

    /**
     * Skip {@code offset} past the first record, then keep {@code length} (null = to the end).
     */
    default Trace window(Duration offset, Duration length) {
        return SlicedTrace.relative(this, offset, length);
    }
}
