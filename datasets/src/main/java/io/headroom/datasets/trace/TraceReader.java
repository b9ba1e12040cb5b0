package io.headroom.datasets.trace;

import java.io.Closeable;
import java.util.Iterator;

/**
 * One streaming pass over a trace, in recorded order. Bounded memory; I/O failures surface as
 * {@link java.io.UncheckedIOException} from {@code hasNext/next}; malformed lines never do, they are
 * counted in {@link #report()}. Close it when done (try-with-resources).
 */
public interface TraceReader<T> extends Iterator<T>, Closeable {
    ReadReport report();

    @Override
    void close();
}
