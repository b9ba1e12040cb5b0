package io.headroom.datasets.replay;

/** Progress callbacks, called on the replay's scheduling thread: keep them quick (draw a line, no I/O waits). */
public interface ReplayListener {
    void onProgress(ReplayProgress progress);

    default void onFinish(ReplayResult result) {
    }

    ReplayListener NONE = p -> { };
}
