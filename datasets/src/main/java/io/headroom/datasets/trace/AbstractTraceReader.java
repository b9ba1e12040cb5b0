package io.headroom.datasets.trace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.NoSuchElementException;

/** Look-ahead helper: subclasses implement {@link #computeNext()} and return null at the end. */
public abstract class AbstractTraceReader<T> implements TraceReader<T> {
    private T next;
    private boolean done;

    /** The next record or null at the end of input. */
    protected abstract T computeNext() throws IOException;

    @Override
    public final boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (done) {
            return false;
        }
        try {
            next = computeNext();
        } catch (IOException e) {
            done = true;
            throw new UncheckedIOException("reading " + report().source() + ": " + e.getMessage(), e);
        }
        if (next == null) {
            done = true;
            return false;
        }
        return true;
    }

    @Override
    public final T next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        T t = next;
        next = null;
        return t;
    }
}
