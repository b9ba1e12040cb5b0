package io.headroom.predictor.forecast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The features of the lag regressor, their names in one place, and how to compute them at an origin.
 *
 * <p>Everything is relative to the current level {@code y[t]} and divided by a per-fit {@code scale}, so one model
 * serves a route at 10 req/s and one at 10k, and a model with all-zero weights is exactly last-value. The target
 * is {@code (y[t + h] - y[t]) / scale}. Features at origin {@code t}:
 * <ul>
 *   <li>{@code level}: {@code y[t] / scale}</li>
 *   <li>{@code lag_i}, i = 1..lags-1: {@code (y[t - i] - y[t]) / scale}</li>
 *   <li>{@code mean_w}, {@code max_w}: rolling mean and max of the last w steps, minus {@code y[t]}, over scale</li>
 *   <li>{@code std_w}: rolling standard deviation over scale</li>
 *   <li>{@code slope_w}: least-squares slope of the last w steps times h, over scale (weight 1 = extrapolate the trend)</li>
 *   <li>{@code season}: (if a season S is set) {@code (y[t + h - S * ceil(h / S)] - y[t]) / scale}</li>
 * </ul>
 */
public final class LagFeatureSchema {
    private final int lags;
    private final int[] windows;
    private final int season;
    private final String[] names;

    /**
     * @param lags    recent lags, including the level (>= 1)
     * @param windows rolling window lengths (each >= 2)
     * @param season  season length in steps, 0 for none
     */
    public LagFeatureSchema(int lags, int[] windows, int season) {
        if (lags < 1 || season < 0) {
            throw new IllegalArgumentException("lags: " + lags + ", season: " + season + " (expected: lags >= 1, season >= 0)");
        }
        for (int w : windows) {
            if (w < 2) {
                throw new IllegalArgumentException("window: " + w + " (expected: >= 2)");
            }
        }
        this.lags = lags;
        this.windows = windows.clone();
        this.season = season;
        List<String> n = new ArrayList<>();
        n.add("level");
        for (int i = 1; i < lags; i++) {
            n.add("lag_" + i);
        }
        for (int w : windows) {
            n.add("mean_" + w);
            n.add("max_" + w);
            n.add("std_" + w);
            n.add("slope_" + w);
        }
        if (season > 0) {
            n.add("season");
        }
        this.names = n.toArray(String[]::new);
    }

    /** 10 lags, windows of 5, 15 and 60 steps, no season. */
    public static LagFeatureSchema standard(int season) {
        return new LagFeatureSchema(10, new int[] {5, 15, 60}, season);
    }

    public String[] names() {
        return names.clone();
    }

    String[] namesShared() {
        return names;
    }

    public int size() {
        return names.length;
    }

    /** How many steps up to and including the origin the features read at horizon {@code h}. */
    public int span(int h) {
        int s = Math.max(lags, Arrays.stream(windows).max().orElse(1));
        if (season > 0) {
            s = Math.max(s, season * (int) Math.ceil((double) h / season) - h + 1);
        }
        return s;
    }

    /** True if every step the features at origin {@code t} read is observed (not a gap). */
    public boolean complete(double[] y, int t, int h) {
        int span = span(h);
        if (t - span + 1 < 0) {
            return false;
        }
        for (int i = t - Math.max(lags, maxWindow()) + 1; i <= t; i++) {
            if (Double.isNaN(y[i])) {
                return false;
            }
        }
        return season == 0 || !Double.isNaN(y[seasonIndex(t, h)]);
    }

    private int maxWindow() {
        return Arrays.stream(windows).max().orElse(1);
    }

    private int seasonIndex(int t, int h) {
        return t + h - season * (int) Math.ceil((double) h / season);
    }

    /** Features at origin {@code t} into {@code out}; {@code y} must be gap-free over the span (see {@link #complete}). */
    public void compute(double[] y, int t, int h, double scale, double[] out) {
        double level = y[t];
        int k = 0;
        out[k++] = level / scale;
        for (int i = 1; i < lags; i++) {
            out[k++] = (y[t - i] - level) / scale;
        }
        for (int w : windows) {
            double sum = 0;
            double max = Double.NEGATIVE_INFINITY;
            double sxy = 0;
            double xMean = (w - 1) / 2.0;
            for (int j = 0; j < w; j++) {
                double v = y[t - w + 1 + j];
                sum += v;
                max = Math.max(max, v);
            }
            double mean = sum / w;
            double var = 0;
            double sxx = 0;
            for (int j = 0; j < w; j++) {
                double v = y[t - w + 1 + j];
                var += (v - mean) * (v - mean);
                sxy += (j - xMean) * (v - mean);
                sxx += (j - xMean) * (j - xMean);
            }
            out[k++] = (mean - level) / scale;
            out[k++] = (max - level) / scale;
            out[k++] = Math.sqrt(var / w) / scale;
            out[k++] = sxy / sxx * h / scale;
        }
        if (season > 0) {
            out[k] = (y[seasonIndex(t, h)] - level) / scale;
        }
    }
}
