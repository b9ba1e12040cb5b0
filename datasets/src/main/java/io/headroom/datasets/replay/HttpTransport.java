package io.headroom.datasets.replay;

import java.io.IOException;

/**
 * Sends one request and returns its HTTP status. Blocking: the replayer calls it on a virtual thread.
 * An exception (connect refused, timeout) counts as an error, not as a status.
 */
public interface HttpTransport extends AutoCloseable {
    int send(String method, String path) throws IOException, InterruptedException;

    @Override
    default void close() {
    }
}
