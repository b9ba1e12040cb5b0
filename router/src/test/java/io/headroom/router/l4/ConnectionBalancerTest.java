package io.headroom.router.l4;

import io.headroom.router.balance.Hashing;
import io.headroom.router.config.HostPort;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The two connection balancers, exactly: no sockets. */
class ConnectionBalancerTest {

    private static List<EdgeMember> members(int n) {
        List<EdgeMember> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(new EdgeMember(HostPort.parse("10.0.0." + (i + 1) + ":8080")));
        }
        return out;
    }

    private static void open(EdgeMember m, int connections) {
        for (int i = 0; i < connections; i++) {
            m.acquire();
        }
    }

    @Test
    void leastConnectionsTakesTheEmptiestMember() {
        List<EdgeMember> ms = members(3);
        open(ms.get(0), 2);
        open(ms.get(1), 1);
        open(ms.get(2), 3);
        ConnectionBalancer b = ConnectionBalancer.of(EdgeConfig.BalancerType.LEAST_CONNECTIONS, ms, 1);
        assertThat(b.pick(0, 0, List.of())).isSameAs(ms.get(1));
        assertThat(b.pick(0, 0, List.of(ms.get(1)))).isSameAs(ms.get(0));
        assertThat(b.pick(0, 0, ms)).isNull();
    }

    @Test
    void leastConnectionsBreaksTiesWithTheSeededDrawAndSpreadsThem() {
        List<EdgeMember> ms = members(4);
        ConnectionBalancer one = ConnectionBalancer.of(EdgeConfig.BalancerType.LEAST_CONNECTIONS, ms, 99);
        ConnectionBalancer two = ConnectionBalancer.of(EdgeConfig.BalancerType.LEAST_CONNECTIONS, ms, 99);
        Map<EdgeMember, Integer> counts = new HashMap<>();
        for (int i = 0; i < 4000; i++) {
            EdgeMember x = one.pick(0, 0, List.of());
            assertThat(two.pick(0, 0, List.of())).isSameAs(x); // same seed, same draws
            counts.merge(x, 1, Integer::sum);
        }
        assertThat(counts).hasSize(4);
        assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(800, 1200));
    }

    @Test
    void simulatedConnectionsEndUpEvenlySpread() {
        List<EdgeMember> ms = members(3);
        ConnectionBalancer b = ConnectionBalancer.of(EdgeConfig.BalancerType.LEAST_CONNECTIONS, ms, 5);
        for (int i = 0; i < 30; i++) {
            b.pick(0, 0, List.of()).acquire();
        }
        assertThat(ms).extracting(EdgeMember::active).containsExactly(10, 10, 10);
    }

    @Test
    void downMembersAreSkippedUnlessEveryMemberIsDown() {
        List<EdgeMember> ms = members(2);
        ms.get(0).connectFailed(1_000);
        for (EdgeConfig.BalancerType t : EdgeConfig.BalancerType.values()) {
            ConnectionBalancer b = ConnectionBalancer.of(t, ms, 3);
            for (int i = 0; i < 50; i++) {
                assertThat(b.pick(Hashing.hash64("client" + i), 500, List.of())).as(t.yamlName()).isSameAs(ms.get(1));
            }
            assertThat(b.pick(1, 1_000, List.of())).as("down time over").isNotNull();
            assertThat(b.pick(1, 500, List.of(ms.get(1)))).as(t + ": all the rest down: try anyway").isSameAs(ms.get(0));
        }
        ms.get(0).connected();
        assertThat(ms.get(0).isDown(500)).isFalse();
    }

    @Test
    void hashIsStickyAndRemovingAMemberMovesOnlyItsClients() {
        List<EdgeMember> ms = members(4);
        ConnectionBalancer full = ConnectionBalancer.of(EdgeConfig.BalancerType.HASH, ms, 1);
        ConnectionBalancer again = ConnectionBalancer.of(EdgeConfig.BalancerType.HASH, ms, 2);
        ConnectionBalancer without = ConnectionBalancer.of(EdgeConfig.BalancerType.HASH, ms.subList(0, 3), 3);
        int keys = 10_000;
        int moved = 0;
        Map<EdgeMember, Integer> share = new HashMap<>();
        for (int i = 0; i < keys; i++) {
            long h = Hashing.hash64("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255));
            EdgeMember before = full.pick(h, 0, List.of());
            share.merge(before, 1, Integer::sum);
            assertThat(again.pick(h, 0, List.of())).isSameAs(before); // the ring depends on the members only
            EdgeMember after = without.pick(h, 0, List.of());
            if (before != ms.get(3)) {
                assertThat(after).isSameAs(before);
            } else {
                moved++;
            }
        }
        assertThat(share.values()).allSatisfy(c -> assertThat(c).isBetween(keys / 4 - 800, keys / 4 + 800));
        assertThat(moved).isEqualTo(share.get(ms.get(3)));
    }

    @Test
    void addingAMemberOnlyTakesClientsForTheNewMember() {
        List<EdgeMember> ms = members(4);
        ConnectionBalancer three = ConnectionBalancer.of(EdgeConfig.BalancerType.HASH, ms.subList(0, 3), 1);
        ConnectionBalancer four = ConnectionBalancer.of(EdgeConfig.BalancerType.HASH, ms, 1);
        int moved = 0;
        for (int i = 0; i < 10_000; i++) {
            long h = Hashing.hash64("client-" + i);
            EdgeMember before = three.pick(h, 0, List.of());
            EdgeMember after = four.pick(h, 0, List.of());
            if (after != before) {
                assertThat(after).isSameAs(ms.get(3));
                moved++;
            }
        }
        assertThat(moved).isBetween(2500 - 800, 2500 + 800);
    }

    @Test
    void hashRetryGoesToTheNextMemberOnTheRingAndIsItselfSticky() {
        List<EdgeMember> ms = members(3);
        ConnectionBalancer b = ConnectionBalancer.of(EdgeConfig.BalancerType.HASH, ms, 1);
        for (int i = 0; i < 100; i++) {
            long h = Hashing.hash64("c" + i);
            EdgeMember first = b.pick(h, 0, List.of());
            EdgeMember second = b.pick(h, 0, List.of(first));
            assertThat(second).isNotNull().isNotSameAs(first);
            assertThat(b.pick(h, 0, List.of(first))).isSameAs(second);
            EdgeMember third = b.pick(h, 0, List.of(first, second));
            assertThat(third).isNotIn(first, second);
            assertThat(b.pick(h, 0, ms)).isNull();
        }
    }

    @Test
    void noMembersMeansNoPick() {
        for (EdgeConfig.BalancerType t : EdgeConfig.BalancerType.values()) {
            assertThat(ConnectionBalancer.of(t, List.of(), 1).pick(1, 0, List.of())).isNull();
        }
    }
}
