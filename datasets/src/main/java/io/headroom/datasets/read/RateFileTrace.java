package io.headroom.datasets.read;

import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.TraceReader;

import java.nio.file.Path;
import java.util.Objects;

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

    /**
     * What the builders of rate traces share: the file, the trace's name (default: the file name) and its description
     * (default: one the trace writes from its settings). {@code B} is the builder itself, so that calls chain.
     */
    abstract static class Builder<B extends Builder<B>> {
        final Path path;
        String name;
        private String description;

        Builder(Path path) {
            this.path = Objects.requireNonNull(path, "path");
        }

        /** The trace's name (default: the file name). */
        public B name(String name) {
            this.name = name;
            return self();
        }

        /** The trace's description (default: one written from the settings). */
        public B description(String description) {
            this.description = description;
            return self();
        }

        /** The description given, else {@code otherwise}. */
        String descriptionOr(String otherwise) {
            return description != null ? description : otherwise;
        }

        @SuppressWarnings("unchecked")
        private B self() {
            return (B) this;
        }
    }
}
