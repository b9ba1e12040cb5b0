package io.headroom.router.balance;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A seeded, thread-safe, lock-free random source: SplitMix64 streams, one per stripe of threads, with no shared write
 * on the hot path. The same seed and the same call sequence from one thread give the same numbers, so tests can check
 * picks exactly (unlike hidden {@code ThreadLocalRandom}).
 *
 * <p>Each thread draws from one of a few stripes, chosen by its id, each on its own cache line. A stripe's stream is
 * fixed the first time any thread uses it: the first stripe used is exactly the single SplitMix64 stream of
 * {@code seed} (so a single-threaded caller sees the same sequence as a single shared counter would give), the n-th
 * one a stream from a mixed seed. A draw is a plain (opaque) read and write of its stripe's counter: no atomic
 * read-modify-write, no fence, no contended cache line. Two threads that share a stripe and draw at the same instant
 * may get the same number, which only blurs the statistics of a balancer's choices and never breaks anything.
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    /** Longs between two stripes' counters: 128 bytes, two cache lines, so stripes never share one. */
    private static final int STRIDE = 16;
    private static final int MAX_STRIPES = 64;
    private static final int STRIPES = stripes(Runtime.getRuntime().availableProcessors());
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(long[].class);

    private final long seed;
    /** Stripe k: counter at (k + 1) · STRIDE, claimed flag (0 or 1) right after it. */
    private final long[] slots;
    private final int mask;
    private int claimed; // guarded by this

    public Rng(long seed) {
        this.seed = seed;
        this.slots = new long[(STRIPES + 2) * STRIDE];
        this.mask = STRIPES - 1;
    }

    /**
     * Eight stripes per processor (a power of two, 8 to 64): two threads running at once share one with a probability
     * of about 1 in 8 × cpus, and stripes cost 128 bytes each.
     */
    static int stripes(int cpus) {
        int want = Math.max(8, cpus * 8);
        return Math.min(MAX_STRIPES, Integer.highestOneBit(want - 1) << 1);
    }

    public long nextLong() {
        // Fibonacci hash of the thread id: consecutive ids (virtual threads of one burst) spread over the stripes
        int at = ((int) ((Thread.currentThread().threadId() * GOLDEN) >>> 40) & mask) * STRIDE + STRIDE;
        if ((long) SLOT.getAcquire(slots, at + 1) == 0) {
            claim(at);
        }
        long s = (long) SLOT.getOpaque(slots, at) + GOLDEN;
        SLOT.setOpaque(slots, at, s);
        return mix(s);
    }

    /** First use of a stripe: the first stripe used continues {@code seed} itself, later ones get seeds of their own. */
    private synchronized void claim(int at) {
        if ((long) SLOT.getAcquire(slots, at + 1) != 0) {
            return;
        }
        int n = claimed++;
        SLOT.setOpaque(slots, at, n == 0 ? seed : mix(seed ^ mix(n * GOLDEN + 1)));
        SLOT.setRelease(slots, at + 1, 1L);
    }

    /** Uniform in [0, bound), bound > 0 (multiply-shift, no division). */
    public int nextInt(int bound) {
        return (int) (((nextLong() >>> 33) * bound) >>> 31);
    }

    /** Uniform in [0, 1). */
    public double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    /** SplitMix64's finaliser: a good 64-bit mixing function. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
