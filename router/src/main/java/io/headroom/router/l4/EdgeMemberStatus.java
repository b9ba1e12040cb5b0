package io.headroom.router.l4;

/**
 * One member as the edge sees it (for the admin API and tests).
 *
 * @param address         host:port
 * @param inPool          in the current snapshot; false while it drains after leaving the pool
 * @param down            skipped by new connections because a connect failed within the down time
 * @param active          connections open through it now
 * @param connections     connections established to it so far
 * @param connectFailures failed connects to it so far
 */
public record EdgeMemberStatus(String address, boolean inPool, boolean down, int active, long connections, long connectFailures) {
}
