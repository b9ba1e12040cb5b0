package io.headroom.predictor.history;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Drops redelivered telemetry windows by {@code (instanceId, sequence)} with bounded memory.
 *
 * <p>Per instance it keeps a bitmap of the last {@code span} sequence numbers below the highest one seen; a
 * sequence older than that is taken as a duplicate (a redelivery that late is far more likely than a window
 * that late). At most {@code maxInstances} instances are remembered, least recently seen evicted first. Not thread-safe.
 */
public final class WindowDeduplicator {
    private final int span;
    private final Map<String, Seen> instances;
    private long duplicates;

    private static final class Seen {
        final long[] bits;
        long highest = Long.MIN_VALUE;

        Seen(int span) {
            bits = new long[span / 64];
        }
    }

    /**
     * @param span         sequences remembered per instance (rounded up to a multiple of 64)
     * @param maxInstances instances remembered
     */
    public WindowDeduplicator(int span, int maxInstances) {
        if (span <= 0 || maxInstances <= 0) {
            throw new IllegalArgumentException("span: " + span + ", maxInstances: " + maxInstances + " (expected: > 0)");
        }
        this.span = (span + 63) / 64 * 64;
        this.instances = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Seen> eldest) {
                return size() > maxInstances;
            }
        };
    }

    /** True the first time a window is seen; false for a duplicate (counted). */
    public boolean firstTime(String instanceId, long sequence) {
        Seen s = instances.computeIfAbsent(instanceId, k -> new Seen(span));
        if (s.highest == Long.MIN_VALUE) {
            s.highest = sequence;
            mark(s, sequence);
            return true;
        }
        if (sequence > s.highest) {
            long advance = sequence - s.highest;
            if (advance >= span) {
                java.util.Arrays.fill(s.bits, 0L);
            } else {
                for (long q = s.highest + 1; q < sequence; q++) {
                    clear(s, q);
                }
            }
            s.highest = sequence;
            mark(s, sequence);
            return true;
        }
        if (sequence <= s.highest - span || isSet(s, sequence)) {
            duplicates++;
            return false;
        }
        mark(s, sequence);
        return true;
    }

    public long duplicateCount() {
        return duplicates;
    }

    private int index(long sequence) {
        return (int) Math.floorMod(sequence, (long) span);
    }

    private void mark(Seen s, long q) {
        int i = index(q);
        s.bits[i >>> 6] |= 1L << (i & 63);
    }

    private void clear(Seen s, long q) {
        int i = index(q);
        s.bits[i >>> 6] &= ~(1L << (i & 63));
    }

    private boolean isSet(Seen s, long q) {
        int i = index(q);
        return (s.bits[i >>> 6] & (1L << (i & 63))) != 0;
    }
}
