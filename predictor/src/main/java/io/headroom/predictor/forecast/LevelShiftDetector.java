package io.headroom.predictor.forecast;

/**
 * Detects a sustained level shift: the mean of the last {@code recentSteps} observed steps differs from the mean of
 * the reference (the end of the history the model was fit on) by more than {@code sigmas} standard errors AND by more
 * than {@code minRelativeChange} of the reference level. Both must hold: the first ignores noise, the second ignores
 * statistically real but operationally small drifts. A pure function of its inputs.
 *
 * @param referenceSteps    steps at the end of the training history that define the reference level
 * @param recentSteps       steps at the end of the current history compared with it
 * @param sigmas            threshold in standard errors of the recent mean
 * @param minRelativeChange threshold relative to the reference mean (e.g. 0.3 = 30 %)
 */
public record LevelShiftDetector(int referenceSteps, int recentSteps, double sigmas, double minRelativeChange) {
    public static final LevelShiftDetector DEFAULT = new LevelShiftDetector(300, 30, 6, 0.3);

    public LevelShiftDetector {
        if (referenceSteps < 2 || recentSteps < 2 || !(sigmas > 0) || !(minRelativeChange >= 0)) {
            throw new IllegalArgumentException("referenceSteps " + referenceSteps + ", recentSteps " + recentSteps + ", sigmas " + sigmas
                    + ", minRelativeChange " + minRelativeChange + " (expected: steps >= 2, sigmas > 0, change >= 0)");
        }
    }

    /** Mean and standard deviation of the observed values among the last {@code steps} of {@code y}; null if under 2. */
    static double[] stats(double[] y, int steps) {
        double sum = 0;
        double sq = 0;
        int n = 0;
        for (int i = Math.max(0, y.length - steps); i < y.length; i++) {
            if (!Double.isNaN(y[i])) {
                sum += y[i];
                sq += y[i] * y[i];
                n++;
            }
        }
        if (n < 2) {
            return null;
        }
        double mean = sum / n;
        return new double[] {mean, Math.sqrt(Math.max(0, sq / n - mean * mean)), n};
    }

    /** The reference (mean, sd, n) taken from a training history; null if it has under 2 observed steps. */
    public double[] reference(double[] trainingHistory) {
        return stats(trainingHistory, referenceSteps);
    }

    /** True if the end of {@code recent} has shifted away from {@code reference} (see the class comment). */
    public boolean shifted(double[] reference, double[] recent) {
        if (reference == null) {
            return false;
        }
        double[] now = stats(recent, recentSteps);
        if (now == null || now[2] < recentSteps / 2.0) {
            return false;
        }
        double diff = Math.abs(now[0] - reference[0]);
        // Poisson-like floor on the spread, so a perfectly flat reference does not flag every wiggle.
        double sd = Math.max(reference[1], Math.sqrt(Math.max(1, reference[0])));
        return diff > sigmas * sd / Math.sqrt(now[2]) && diff > minRelativeChange * Math.max(1e-9, Math.abs(reference[0]));
    }
}
