package io.headroom.autoscaler.provider;

import java.util.Objects;

/**
 * A snapshot of one instance a provider manages.
 *
 * @param id             provider-specific id (a pid, a pod name)
 * @param address        {@code host:port} routers send traffic to
 * @param state          where it is in its life
 * @param sequence       start order within the provider; higher is newer
 * @param startedAtMillis when it was asked to start (epoch ms)
 */
public record Instance(String id, String address, State state, long sequence, long startedAtMillis) {

    public enum State {
        /** Started, not yet healthy. */
        STARTING,
        /** Passed its health check; a pool member. */
        READY,
        /** Out of the pool, finishing in-flight work before it is stopped. */
        DRAINING,
        /** Gone. */
        STOPPED,
        /** Failed to start or died. */
        FAILED
    }

    public Instance {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(state, "state");
    }

    /** Counts towards the pool's size: starting or ready. */
    public boolean counts() {
        return state == State.STARTING || state == State.READY;
    }
}
