package io.headroom.router.l4;

import io.headroom.router.balance.Hashing;
import io.headroom.router.balance.Rng;

import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Consistent hashing on a ring (Ketama) keyed by the client IP: each member owns {@value #POINTS} points derived from
 * its address only, so removing one of N members moves only the clients it owned (about 1/N) and adding one takes
 * about 1/(N+1) from the others. A client goes to the owner of the first point at or after its hash; when that member
 * is down or was tried already, to the next distinct owner along the ring, so a retry is as sticky as the first try.
 */
final class ConsistentHash implements ConnectionBalancer {
    static final int POINTS = 160;

    private final List<EdgeMember> list;
    private final long[] points;
    private final EdgeMember[] owners;

    ConsistentHash(List<EdgeMember> members) {
        this.list = List.copyOf(members);
        int n = list.size();
        long[][] pairs = new long[n * POINTS][];
        int k = 0;
        for (int i = 0; i < n; i++) {
            long base = Hashing.hash64(list.get(i).address().toString());
            for (int r = 0; r < POINTS; r++) {
                pairs[k++] = new long[]{Rng.mix(base + (r + 1) * 0x9E3779B97F4A7C15L), i};
            }
        }
        // ties on a point (practically never) go to the lower index, so the ring does not depend on sort stability
        Arrays.sort(pairs, (a, b) -> a[0] != b[0] ? Long.compare(a[0], b[0]) : Long.compare(a[1], b[1]));
        points = new long[pairs.length];
        owners = new EdgeMember[pairs.length];
        for (int i = 0; i < pairs.length; i++) {
            points[i] = pairs[i][0];
            owners[i] = list.get((int) pairs[i][1]);
        }
    }

    @Override
    public EdgeMember pick(long clientHash, long nowNanos, Collection<EdgeMember> exclude) {
        if (points.length == 0) {
            return null;
        }
        int start = Arrays.binarySearch(points, clientHash);
        if (start < 0) {
            start = -start - 1;
        }
        EdgeMember m = walk(start, nowNanos, exclude, false);
        return m != null ? m : walk(start, nowNanos, exclude, true);
    }

    private EdgeMember walk(int start, long now, Collection<EdgeMember> exclude, boolean allowDown) {
        int n = points.length;
        for (int k = 0; k < n; k++) {
            EdgeMember m = owners[(start + k) % n];
            if ((allowDown || !m.isDown(now)) && (exclude.isEmpty() || !exclude.contains(m))) {
                return m;
            }
        }
        return null;
    }

    @Override
    public List<EdgeMember> members() {
        return list;
    }
}
