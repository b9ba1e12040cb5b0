package io.headroom.router.balance;

import io.headroom.router.upstream.Backend;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/** Plain round robin over the members with a positive weight; weights beyond that are ignored. One atomic increment a pick. */
final class RoundRobin implements Balancer {
    private final Members m;
    private final AtomicLong next;

    RoundRobin(Members m, long seed) {
        this.m = m;
        this.next = new AtomicLong(m.size() == 0 ? 0 : Long.remainderUnsigned(seed, m.size()));
    }

    @Override
    public Backend pick(RequestContext ctx) {
        Backend[] b = m.backends;
        if (b.length == 0) {
            return null;
        }
        return b[(int) Long.remainderUnsigned(next.getAndIncrement(), b.length)];
    }

    @Override
    public List<Backend> members() {
        return m.list;
    }
}
