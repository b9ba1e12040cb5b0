package io.headroom.cli.evaluate;

import java.util.ArrayDeque;

/**
 * The capacity model of one policy: instances asked for at step {@code t} become ready at step {@code t + leadSteps};
 * a scale-down cancels instances still starting first (newest first), then stops ready ones at once.
 * Not thread-safe; one per policy per run.
 */
final class Fleet {
    private final int leadSteps;
    private final ArrayDeque<Integer> starting = new ArrayDeque<>(); // ready-at steps, oldest first
    private int ready;

    /** A fleet with {@code initial} instances already ready (a warm start). */
    Fleet(int leadSteps, int initial) {
        if (leadSteps < 1 || initial < 0) {
            throw new IllegalArgumentException("leadSteps " + leadSteps + ", initial " + initial + " (expected: >= 1, >= 0)");
        }
        this.leadSteps = leadSteps;
        this.ready = initial;
    }

    /** Moves to step {@code t}: instances whose lead time has passed are ready. Call once per step, before reading. */
    void advance(int t) {
        while (!starting.isEmpty() && starting.peekFirst() <= t) {
            starting.pollFirst();
            ready++;
        }
    }

    /** Asks for {@code target} instances (starting + ready) at step {@code t}. */
    void setTarget(int target, int t) {
        int requested = requested();
        for (int i = requested; i < target; i++) {
            starting.addLast(t + leadSteps);
        }
        for (int i = target; i < requested; i++) {
            if (!starting.isEmpty()) {
                starting.pollLast();
            } else {
                ready--;
            }
        }
    }

    int ready() {
        return ready;
    }

    /** Ready plus starting: what the autoscaler has asked for, and what a cloud bills. */
    int requested() {
        return ready + starting.size();
    }
}
