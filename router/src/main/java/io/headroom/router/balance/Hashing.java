package io.headroom.router.balance;

/** The 64-bit hash of hash keys and member addresses: FNV-1a over the chars, then SplitMix64's finaliser. */
public final class Hashing {
    private Hashing() {
    }

    /** Hash of {@code s}; allocation-free. */
    public static long hash64(CharSequence s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0, n = s.length(); i < n; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return Rng.mix(h);
    }

    /** Hash of {@code s.substring(from, to)} without building the substring. */
    public static long hash64(CharSequence s, int from, int to) {
        long h = 0xcbf29ce484222325L;
        for (int i = from; i < to; i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return Rng.mix(h);
    }
}
