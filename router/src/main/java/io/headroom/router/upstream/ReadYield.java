package io.headroom.router.upstream;

/**
 * Lets other virtual threads run before a read that would most likely find nothing yet.
 *
 * <p>A virtual thread's socket read that finds no data costs three system calls before the data is read: the read
 * that returns {@code EAGAIN}, the {@code epoll_ctl} that arms the poller for the socket, and the read again once the
 * poller has woken the thread (plus the unmount and mount of the thread). Right after a request went upstream the
 * answer is rarely there yet. Yielding first puts the thread behind the others that are ready to run; under load, by
 * the time it runs again the answer has usually arrived and the read returns it at once. Measured on the plain proxy
 * with 64 connections: 8.0 system calls per request without, 6.0 to 6.3 with it (docs/router.md, "Performance").
 * With nothing else ready to run, a yield returns at once and the read parks as before.
 *
 * <p>Not used before the read of a client's next request, although it cut that read's system calls too (4.1 to 4.4
 * a request in all): a connection whose reads then always found data never parked, kept the scheduler's local queue
 * busy, and held the requests of other connections for up to a second (see {@link io.headroom.router.CarrierThreads}).
 */
final class ReadYield {
    private ReadYield() {
    }

    /** Yields the current thread if it is virtual; a platform thread (tests, the L4 relay's) carries on. */
    static void beforeRead() {
        if (Thread.currentThread().isVirtual()) {
            Thread.yield();
        }
    }
}
