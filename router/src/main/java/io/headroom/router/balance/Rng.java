package io.headroom.router.balance;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A seeded, thread-safe, lock-free random source: SplitMix64 over an atomic counter. The same seed and the same call
 * sequence give the same numbers, so tests can check picks exactly (unlike hidden {@code ThreadLocalRandom}).
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private final AtomicLong state;

    public Rng(long seed) {
        this.state = new AtomicLong(seed);
    }

    public long nextLong() {
        return mix(state.addAndGet(GOLDEN));
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
