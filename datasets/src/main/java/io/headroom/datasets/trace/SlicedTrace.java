package io.headroom.datasets.trace;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.Function;

/**
 * A time window of another trace. Rate buckets are in time order, so reading stops at the first
 * bucket past the end. Request logs can be slightly out of order, so reading stops only once a
 * request is more than {@link #OUT_OF_ORDER_SLACK} past the end.
 */
final class SlicedTrace implements Trace {
    static final Duration OUT_OF_ORDER_SLACK = Duration.ofMinutes(5);

    private final Trace inner;
    private final Instant from;       // absolute mode
    private final Instant to;         // absolute mode, null = open
    private final Duration offset;    // relative mode
    private final Duration length;    // relative mode, null = open

    private SlicedTrace(Trace inner, Instant from, Instant to, Duration offset, Duration length) {
        this.inner = inner;
        this.from = from;
        this.to = to;
        this.offset = offset;
        this.length = length;
    }

    static Trace absolute(Trace inner, Instant from, Instant to) {
        Objects.requireNonNull(from, "from");
        if (to != null && !to.isAfter(from)) {
            throw new IllegalArgumentException("slice: to " + to + " (expected: after from " + from + ")");
        }
        return new SlicedTrace(inner, from, to, null, null);
    }

    static Trace relative(Trace inner, Duration offset, Duration length) {
        Objects.requireNonNull(offset, "offset");
        if (offset.isNegative()) {
            throw new IllegalArgumentException("window: offset " + offset + " (expected: >= 0)");
        }
        if (length != null && (length.isNegative() || length.isZero())) {
            throw new IllegalArgumentException("window: length " + length + " (expected: > 0)");
        }
        return new SlicedTrace(inner, null, null, offset, length);
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public String description() {
        String w = from != null
                ? "[" + from + ", " + (to == null ? "end" : to.toString()) + ")"
                : "+" + offset + (length == null ? " to end" : " for " + length);
        return inner.description() + ", window " + w;
    }

    @Override
    public boolean synthetic() {
        return inner.synthetic();
    }

    @Override
    public Kind kind() {
        return inner.kind();
    }

    @Override
    public TraceReader<RateBucket> openBuckets() throws IOException {
        return new Filter<>(inner.openBuckets(), RateBucket::start, Duration.ZERO);
    }

    @Override
    public TraceReader<RecordedRequest> openRequests() throws IOException {
        return new Filter<>(inner.openRequests(), RecordedRequest::at, OUT_OF_ORDER_SLACK);
    }

    private final class Filter<T> extends AbstractTraceReader<T> {
        private final TraceReader<T> in;
        private final Function<T, Instant> time;
        private final Duration slack;
        private Instant lo = from;
        private Instant hi = to;

        Filter(TraceReader<T> in, Function<T, Instant> time, Duration slack) {
            this.in = in;
            this.time = time;
            this.slack = slack;
        }

        @Override
        protected T computeNext() {
            while (in.hasNext()) {
                T t = in.next();
                Instant at = time.apply(t);
                if (lo == null) { // relative: anchor on the first record
                    lo = at.plus(offset);
                    hi = length == null ? null : lo.plus(length);
                }
                if (hi != null && !at.isBefore(hi)) {
                    if (!at.isBefore(hi.plus(slack))) {
                        return null;
                    }
                    continue;
                }
                if (!at.isBefore(lo)) {
                    return t;
                }
            }
            return null;
        }

        @Override
        public ReadReport report() {
            return in.report();
        }

        @Override
        public void close() {
            in.close();
        }
    }
}
