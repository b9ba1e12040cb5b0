package io.headroom.cli.evaluate;

import java.util.Arrays;

/**
 * The safety margin the predictive policy adds to its point forecast: a quantile of its own recent errors at the
 * lead time, {@code actual - forecast}, over a sliding window of the most recent {@code window} known errors.
 *
 * <p>An error becomes known only when the step it forecast has been observed, so the margin never looks ahead. Until
 * {@code minErrors} are known the margin is {@link Double#NaN} (the caller falls back to the forecast interval). The
 * quantile may be negative: a model that forecasts too high gets its bias taken off. The window is kept sorted, so an
 * update costs {@code O(window)} and a quantile {@code O(1)}. Not thread-safe.
 */
final class ResidualMargin {
    private final double quantile;
    private final int minErrors;
    private final double[] ring;
    private final double[] sorted;
    private int size;
    private int next;

    ResidualMargin(double quantile, int window, int minErrors) {
        if (!(quantile > 0 && quantile < 1) || window < 1 || minErrors < 1) {
            throw new IllegalArgumentException("quantile " + quantile + ", window " + window + ", minErrors " + minErrors
                    + " (expected: in (0, 1), >= 1, >= 1)");
        }
        this.quantile = quantile;
        this.minErrors = minErrors;
        this.ring = new double[window];
        this.sorted = new double[window];
    }

    /** Records one known error, {@code actual - forecast}; the oldest drops out of a full window. */
    void add(double error) {
        if (Double.isNaN(error)) {
            return;
        }
        if (size == ring.length) {
            remove(ring[next]);
        }
        ring[next] = error;
        next = (next + 1) % ring.length;
        int at = Arrays.binarySearch(sorted, 0, size, error);
        if (at < 0) {
            at = -at - 1;
        }
        System.arraycopy(sorted, at, sorted, at + 1, size - at);
        sorted[at] = error;
        size++;
    }

    private void remove(double error) {
        int at = Arrays.binarySearch(sorted, 0, size, error);
        System.arraycopy(sorted, at + 1, sorted, at, size - at - 1);
        size--;
    }

    int size() {
        return size;
    }

    /**
     * The quantile of the known errors (the {@code ceil(q × n)}-th smallest, the usual conformal choice), or
     * {@code NaN} while fewer than {@code minErrors} are known.
     */
    double margin() {
        if (size < minErrors) {
            return Double.NaN;
        }
        int k = (int) Math.ceil(quantile * size - 1e-9);
        return sorted[Math.min(size, Math.max(1, k)) - 1];
    }
}
