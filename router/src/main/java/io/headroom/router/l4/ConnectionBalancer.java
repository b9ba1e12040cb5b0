package io.headroom.router.l4;

import java.util.Collection;
import java.util.List;

/**
 * Picks the member for a new TCP connection over an immutable list of members. Built once per membership snapshot;
 * {@link #pick} is safe for concurrent use and takes no lock. Members that are down (a recent connect failed) or in
 * {@code exclude} (tried already for this connection) are skipped; when every member not excluded is down, a down
 * one is tried anyway (better than refusing the client: its down time may be stale).
 */
public interface ConnectionBalancer {

    /**
     * @param clientHash hash of the client's IP ({@link io.headroom.router.balance.Hashing#hash64})
     * @param nowNanos   ticker time, to tell which members are down
     * @param exclude    members already tried for this connection
     * @return the member, or null when every member is excluded (or there is none)
     */
    EdgeMember pick(long clientHash, long nowNanos, Collection<EdgeMember> exclude);

    /** The members, in pool order. */
    List<EdgeMember> members();

    /** Builds the balancer of {@code type}; {@code seed} seeds the tie-breaking draws. */
    static ConnectionBalancer of(EdgeConfig.BalancerType type, List<EdgeMember> members, long seed) {
        return switch (type) {
            case LEAST_CONNECTIONS -> new LeastConnections(members, seed);
            case HASH -> new ConsistentHash(members);
        };
    }
}
