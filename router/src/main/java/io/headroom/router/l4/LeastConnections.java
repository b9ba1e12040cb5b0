package io.headroom.router.l4;

import io.headroom.router.balance.Rng;

import java.util.Collection;
import java.util.List;

/**
 * Least connections: the member with the fewest open connections; among equals, one drawn uniformly with a seeded
 * {@link Rng} (reservoir sampling over one scan). Connections are long-lived and few compared with requests, so a
 * full scan is cheap and exact where power-of-two choices would only be close. Two concurrent picks may read the same
 * counts and choose the same member; the next picks see both and correct for it.
 */
final class LeastConnections implements ConnectionBalancer {
    private final EdgeMember[] members;
    private final List<EdgeMember> list;
    private final Rng rng;

    LeastConnections(List<EdgeMember> members, long seed) {
        this.members = members.toArray(new EdgeMember[0]);
        this.list = List.copyOf(members);
        this.rng = new Rng(seed);
    }

    @Override
    public EdgeMember pick(long clientHash, long nowNanos, Collection<EdgeMember> exclude) {
        EdgeMember m = scan(nowNanos, exclude, false);
        return m != null ? m : scan(nowNanos, exclude, true);
    }

    private EdgeMember scan(long now, Collection<EdgeMember> exclude, boolean allowDown) {
        EdgeMember best = null;
        int bestActive = Integer.MAX_VALUE;
        int ties = 0;
        for (EdgeMember m : members) {
            if ((!allowDown && m.isDown(now)) || (!exclude.isEmpty() && exclude.contains(m))) {
                continue;
            }
            int a = m.active();
            if (a < bestActive) {
                best = m;
                bestActive = a;
                ties = 1;
            } else if (a == bestActive && rng.nextInt(++ties) == 0) {
                best = m;
            }
        }
        return best;
    }

    @Override
    public List<EdgeMember> members() {
        return list;
    }
}
