package io.headroom.datasets.progress;

import java.time.Duration;

/**
 * Plain-text progress bars for the CLI: {@code [#########.........]  45.0% ETA 1m05s label}.
 * Pure functions of their arguments, so they test exactly and draw on any terminal.
 */
public final class ProgressBar {
    private ProgressBar() {
    }

    /** A bar with an unknown ETA ({@code ETA --}). */
    public static String render(double fraction, int width, String label) {
        return render(fraction, width, label, null);
    }

    /**
     * @param fraction clamped to 0..1 (NaN counts as 0)
     * @param width    characters between the brackets (at least 1)
     * @param label    text after the bar; may be null or empty
     * @param eta      time left, or null when unknown
     */
    public static String render(double fraction, int width, String label, Duration eta) {
        if (width < 1) {
            throw new IllegalArgumentException("width: " + width + " (expected: >= 1)");
        }
        double f = Double.isNaN(fraction) ? 0 : Math.max(0, Math.min(1, fraction));
        int filled = (int) Math.floor(f * width);
        StringBuilder sb = new StringBuilder(width + 40);
        sb.append('[');
        sb.append("#".repeat(filled));
        sb.append(".".repeat(width - filled));
        sb.append("] ");
        sb.append(String.format(java.util.Locale.ROOT, "%5.1f%%", f * 100));
        sb.append(" ETA ").append(eta == null ? "--" : duration(eta));
        if (label != null && !label.isEmpty()) {
            sb.append(' ').append(label);
        }
        return sb.toString();
    }

    /** Compact duration: {@code 45s}, {@code 1m05s}, {@code 2h03m}, {@code 3d04h}. */
    public static String duration(Duration d) {
        long s = Math.max(0, (d.toMillis() + 999) / 1000);
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm%02ds", s / 60, s % 60);
        }
        if (s < 86_400) {
            return String.format("%dh%02dm", s / 3600, (s % 3600) / 60);
        }
        return String.format("%dd%02dh", s / 86_400, (s % 86_400) / 3600);
    }
}
