package io.headroom.router.l4;

/**
 * Counters of an edge since it started.
 *
 * @param accepted        client connections accepted under the limit
 * @param active          client connections open now
 * @param refused         client connections closed at once because max-connections were open
 * @param failed          client connections closed because no member could be connected to
 * @param connectFailures connects to members that failed (each retried on another member while attempts remain)
 * @param idleClosed      connections closed by the idle timeout
 * @param bytesUp         bytes from clients to members
 * @param bytesDown       bytes from members to clients
 */
public record EdgeStats(long accepted, int active, long refused, long failed, long connectFailures, long idleClosed,
                        long bytesUp, long bytesDown) {
}
