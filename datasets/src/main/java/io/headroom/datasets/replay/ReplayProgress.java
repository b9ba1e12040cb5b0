package io.headroom.datasets.replay;

import java.time.Duration;

/**
 * A snapshot of a running replay.
 *
 * @param total     requests the trace schedules (after any window and {@code maxDuration}); -1 if unknown
 * @param behind    requests skipped at the in-flight cap plus requests sent later than the late threshold
 * @param fraction  0..1 of the schedule done, by request count when the total is known, else by time
 * @param eta       time left until the last scheduled send; null when unknown
 */
public record ReplayProgress(Duration elapsed, long total, long sent, long completed, long inFlight,
                             long skipped, long lateSends, long behind, long[] statusClasses, long errors,
                             double fraction, Duration eta) {
    /** Responses with status class {@code k}xx (1..5). */
    public long status(int k) {
        return statusClasses[k];
    }

    /** One line for a terminal: bar, counts, and ETA. */
    public String render(int width) {
        String label = String.format("sent %d ok %d 4xx %d 5xx %d err %d inflight %d behind %d",
                sent, status(2) + status(3), status(4), status(5), errors, inFlight, behind);
        return io.headroom.datasets.progress.ProgressBar.render(fraction, width, label, eta);
    }
}
