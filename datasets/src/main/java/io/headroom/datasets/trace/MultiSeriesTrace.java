package io.headroom.datasets.trace;

import java.io.IOException;
import java.util.List;

/**
 * A file that holds many rate series (one per function, route or client), such as the Azure Functions
 * invocation matrix. As a {@link Trace} it is the aggregate: every bucket is the sum over all series.
 * {@link #series(String)} picks one.
 */
public interface MultiSeriesTrace extends Trace {
    /** The value of {@code --series} that means the aggregate over all series. */
    String ALL = "all";

    /** The series' names in file order (one pass over the file). */
    List<String> seriesNames() throws IOException;

    /**
     * One series by its full name or a unique prefix of it (case-insensitive); {@link #ALL} returns this
     * aggregate.
     *
     * @throws IllegalArgumentException when no series or more than one matches (the message names candidates)
     */
    Trace series(String name) throws IOException;
}
