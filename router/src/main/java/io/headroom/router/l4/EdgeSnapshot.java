package io.headroom.router.l4;

import java.util.List;

/**
 * The edge's membership at one moment: who gets new connections and the balancer over them. Immutable; a change of
 * membership builds a new one and swaps it in.
 *
 * @param version         increases with every rebuild
 * @param members         effective members: static ones, then those added by the valid autoscaler plan
 * @param balancer        picks among {@code members}
 * @param autoscalerEpoch epoch of the autoscaler plan in effect, or -1 (static members only)
 */
public record EdgeSnapshot(long version, List<EdgeMember> members, ConnectionBalancer balancer, long autoscalerEpoch) {

    public EdgeSnapshot {
        members = List.copyOf(members);
    }

    /** Member addresses as host:port, in pool order. */
    public List<String> addresses() {
        return members.stream().map(m -> m.address().toString()).toList();
    }
}
