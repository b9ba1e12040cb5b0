package io.headroom.router.control;

import io.headroom.router.balance.Balancer;

import java.util.List;

/**
 * The effective state of one pool at one moment: members, their effective weights and the balancer built over
 * them. Immutable; a plan change swaps the whole snapshot.
 *
 * @param pool     pool name
 * @param version  increases with every swap of this pool's snapshot
 * @param members  effective members in order: static ones first, then those added by the autoscaler
 * @param balancer picks among members with weight > 0
 * @param predictorEpoch  epoch of the predictor plan in effect, or -1 for static weights
 * @param autoscalerEpoch epoch of the autoscaler plan in effect, or -1 for static membership
 */
public record PoolSnapshot(String pool, long version, List<Member> members, Balancer balancer, long predictorEpoch,
                           long autoscalerEpoch) {

    public PoolSnapshot {
        members = List.copyOf(members);
    }

    /**
     * @param address   {@code host:port}
     * @param weight    effective weight (before integer scaling)
     * @param isStatic  listed in the configuration file (else added by an autoscaler plan)
     */
    public record Member(String address, double weight, boolean isStatic) {
    }

    /** The effective weight of {@code address}, or NaN when it is not a member. */
    public double weightOf(String address) {
        for (Member m : members) {
            if (m.address().equals(address)) {
                return m.weight();
            }
        }
        return Double.NaN;
    }

    public List<String> addresses() {
        return members.stream().map(Member::address).toList();
    }
}
