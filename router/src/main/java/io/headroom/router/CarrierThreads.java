package io.headroom.router;

/**
 * Sizes the virtual-thread scheduler before the first virtual thread starts: at least two carrier threads, even on
 * a single CPU.
 *
 * <p>The JDK's scheduler is a {@code ForkJoinPool} whose worker, once it runs a task from its own queue, keeps running
 * that queue's tasks until it is empty. Virtual threads woken by other virtual threads (the JDK's sub-pollers, which
 * are virtual threads themselves) go to that local queue; those woken by platform threads (the master poller waking a
 * parked sub-poller, timers, the accept loop starting a connection) go to a submission queue that the worker looks at
 * only when its own is empty. Under sustained load on one carrier, connections whose reads keep finding data keep the
 * local queue busy for seconds, and everything submitted from outside waits: the proxy measured requests held for
 * 0.5 to 9.6 s while the others flowed (docs/router.md, "Rare requests slower than a second"). With a second carrier,
 * the one that is not running the busy queue takes the submissions (or steals from it), so nothing waits longer than
 * the operating system takes to switch between the two. On a single CPU that costs some scheduling (closed-loop p99 at
 * saturation rose from 3-5 ms to 9-11 ms, no request over 41 ms in 12 runs) and no throughput; with two or more CPUs
 * the JDK's default (one carrier per CPU) already gives that, and nothing is changed.
 */
public final class CarrierThreads {
    /** The JDK's system property for the number of carrier threads. */
    public static final String PARALLELISM = "jdk.virtualThreadScheduler.parallelism";

    private CarrierThreads() {
    }

    /**
     * The parallelism to set, or null to leave the JDK's default: "2" on a single CPU unless the user set it.
     *
     * @param cpus     available processors
     * @param existing the property's current value, or null
     */
    static String parallelismFor(int cpus, String existing) {
        if (existing != null || cpus >= 2) {
            return null;
        }
        return "2";
    }

    /** Applies {@link #parallelismFor} to this JVM; call before any virtual thread starts (first thing in main). */
    public static void configure() {
        String p = parallelismFor(Runtime.getRuntime().availableProcessors(), System.getProperty(PARALLELISM));
        if (p != null) {
            System.setProperty(PARALLELISM, p);
        }
    }
}
