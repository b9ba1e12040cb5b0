package io.headroom.datasets.replay;

/** Progress callbacks, called on the replay's scheduling thread: keep them quick (draw a line, no I/O waits). */
public interface ReplayListener {
    void onProgress(ReplayProgress progress);

    default void onFinish(ReplayResult result) {
    }

    /** Once the trace has been read to its end: lines, records and the malformed lines with their numbers. */
    default void onInput(io.headroom.datasets.trace.ReadReport report) {
    }

    ReplayListener NONE = p -> { };
}
