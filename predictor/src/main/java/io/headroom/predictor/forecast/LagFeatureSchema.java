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
 *   <li>{@code slag_P}, {@code slag_P_change}, for each seasonal lag P (e.g. one day, one week, in steps, P > h + 2):
 *       the 5-step mean around {@code y[t + h - P]} minus {@code y[t]}, and that mean minus the 5-step mean around
 *       {@code y[t - P]} (what happened over the horizon one period ago), over scale. For a lag longer than a day, a
 *       step before the history reads the axis' {@link CoarsePast} (e.g. the hour ring's mean of that hour a week ago,
 *       when a day of minutes and a week of hours are kept); a gap, or a step before the history with no known past, reads as "no information"
 *       (0), never as a real zero.</li>
 *   <li>{@code tod_sin1, tod_cos1, tod_sin2, tod_cos2, dow_sin, dow_cos}: (if calendar is on and the time axis is
 *       known) cyclic time of day (two harmonics) and day of week (UTC) of the target step {@code t + h}.</li>
 *   <li>with a non-empty {@link EventCalendar} (scheduled events, known in advance) and a known time axis, at the
 *       target time {@code T} (the start of step {@code t + h}) and the origin time {@code O} (the start of step
 *       {@code t}): {@code ev_until} (minutes {@code u} from {@code T} to the next event start, capped at 6 h, as
 *       {@code 1 - u / 6h}: 1 at a start, 0 when none is within 6 h), {@code ev_since} (the same of the minutes since the
 *       latest start), {@code ev_in} (the weight of
 *       the event under way at {@code T}, 0 if none), {@code ev_in_now} (the same at {@code O}), and
 *       {@code ev_p<k>} for knots {@code k} in {@link #EVENT_KNOTS} minutes from a start:
 *       {@code (p_k(T) - p_k(O)) * y[t] / scale}, where {@code p_k(x)} sums, over the starts near {@code x}, weight
 *       times the piecewise-linear basis function of knot {@code k} (times the level: an event moves traffic in
 *       proportion to it). A linear model on them learns the traffic profile around a start (the rise from kick-off, the peak at
 *       the final whistle, the decay) and forecasts its change over the horizon. They read the calendar and the clock,
 *       never the traffic, so they leak nothing. Far from any event they are all 0, so a model
 *       trained there forecasts as it would without them.</li>
 * </ul>
 */
public final class LagFeatureSchema {
    private final int lags;
    private final int[] windows;
    private final int season;
    private final int[] seasonalLags;
    private final boolean calendar;
    private final EventCalendar events;
    private final String[] names;

    /** Knots (minutes from an event start) of the {@code ev_p<k>} profile features; negative = before the start. */
    public static final double[] EVENT_KNOTS = {-60, -15, 0, 5, 10, 20, 35, 50, 65, 80, 95, 105, 112, 118, 125, 135, 150, 180, 240, 300};
    /** Cap of {@code ev_until} and {@code ev_since}, in minutes. */
    static final double EVENT_CAP_MINUTES = 360;

    /**
     * @param lags    recent lags, including the level (>= 1)
     * @param windows rolling window lengths (each >= 2)
     * @param season  season length in steps, 0 for none
     */
    public LagFeatureSchema(int lags, int[] windows, int season) {
        this(lags, windows, season, new int[0], false);
    }

    /**
     * @param lags         recent lags, including the level (>= 1)
     * @param windows      rolling window lengths (each >= 2)
     * @param season       season length in steps, 0 for none
     * @param seasonalLags periods in steps for the {@code slag_P} features (each >= 8), e.g. a day and a week
     * @param calendar     cyclic time of day and day of week (used only with a known {@link TimeAxis})
     */
    public LagFeatureSchema(int lags, int[] windows, int season, int[] seasonalLags, boolean calendar) {
        this(lags, windows, season, seasonalLags, calendar, EventCalendar.NONE);
    }

    /**
     * @param events scheduled events for the {@code ev_*} features ({@link EventCalendar#NONE}: none, and no such features)
     */
    public LagFeatureSchema(int lags, int[] windows, int season, int[] seasonalLags, boolean calendar, EventCalendar events) {
        this.events = java.util.Objects.requireNonNull(events, "events");
        for (int p : seasonalLags) {
            if (p < 8) {
                throw new IllegalArgumentException("seasonal lag: " + p + " (expected: >= 8 steps)");
            }
        }
        this.seasonalLags = seasonalLags.clone();
        this.calendar = calendar;
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
        for (int p : seasonalLags) {
            n.add("slag_" + p);
            n.add("slag_" + p + "_change");
        }
        if (calendar) {
            n.addAll(List.of("tod_sin1", "tod_cos1", "tod_sin2", "tod_cos2", "dow_sin", "dow_cos"));
        }
        if (!events.isEmpty()) {
            n.addAll(List.of("ev_until", "ev_since", "ev_in", "ev_in_now"));
            for (double k : EVENT_KNOTS) {
                n.add("ev_p" + (k < 0 ? "m" + (int) -k : Integer.toString((int) k)));
            }
        }
        this.names = n.toArray(String[]::new);
    }

    /** 10 lags, windows of 5, 15 and 60 steps, no season. */
    public static LagFeatureSchema standard(int season) {
        return new LagFeatureSchema(10, new int[] {5, 15, 60}, season);
    }

    /**
     * The standard schema for a series on {@code axis}: 10 lags, windows of 5, 15 and 60 steps, and, when the axis is
     * known, seasonal lags of a day and a week and calendar features ({@link #fitting} drops what a history is too
     * short for).
     */
    public static LagFeatureSchema standard(int season, TimeAxis axis) {
        if (!axis.known() || axis.daySteps() < 8) {
            return standard(season);
        }
        return new LagFeatureSchema(10, new int[] {5, 15, 60}, season, new int[] {axis.daySteps(), axis.weekSteps()}, true);
    }

    /** This schema with the {@code ev_*} features of {@code calendar} ({@link EventCalendar#NONE}: without them). */
    public LagFeatureSchema withEvents(EventCalendar calendar) {
        return calendar.equals(events) ? this : new LagFeatureSchema(lags, windows, season, seasonalLags, this.calendar, calendar);
    }

    /**
     * This schema without what a history of {@code length} steps cannot support at horizon {@code h}: a seasonal lag
     * needs {@code minRows} rows after one period (counting the steps of the axis' {@link CoarsePast} before the
     * history, which the lag reads there); calendar features need a known axis and at least a day of history
     * (on a shorter history time of day is only a trend, which would extrapolate badly); event features need a known
     * axis and an event near the history (else they would be constant: nothing to learn).
     */
    public LagFeatureSchema fitting(int length, int h, int minRows, TimeAxis axis) {
        // The coarse past before index 0 counts for the seasonal lags that read it.
        int[] keep = java.util.Arrays.stream(seasonalLags)
                .filter(p -> p > h + 2 && p + 2 + h + minRows <= length + (readsPast(p, axis) ? (long) axis.pastSteps() : 0)).toArray();
        boolean cal = calendar && axis.known() && axis.daySteps() > 0 && length >= axis.daySteps();
        EventCalendar ev = !events.isEmpty() && axis.known() && events.touches(axis.epochSecond(0), axis.epochSecond(length + h))
                ? events : EventCalendar.NONE;
        if (keep.length == seasonalLags.length && cal == calendar && ev == events) {
            return this;
        }
        return new LagFeatureSchema(lags, windows, season, keep, cal, ev);
    }

    public int lags() {
        return lags;
    }

    public int[] windows() {
        return windows.clone();
    }

    public int season() {
        return season;
    }

    public int[] seasonalLags() {
        return seasonalLags.clone();
    }

    /** e.g. {@code " incl. slag_1440, slag_10080"}: the seasonal lags kept, for descriptions ("" without any). */
    public String seasonalNote() {
        return seasonalLags.length == 0 ? "" : " incl. " + Arrays.stream(seasonalLags).mapToObj(p -> "slag_" + p)
                .collect(java.util.stream.Collectors.joining(", "));
    }

    public boolean calendar() {
        return calendar;
    }

    /** The scheduled events the {@code ev_*} features read ({@link EventCalendar#NONE}: no such features). */
    public EventCalendar events() {
        return events;
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
        compute(y, t, h, scale, TimeAxis.NONE, out);
    }

    /** Features at origin {@code t}, reading calendar features (if on) from {@code axis} (index 0 of {@code y}). */
    public void compute(double[] y, int t, int h, double scale, TimeAxis axis, double[] out) {
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
            out[k++] = (y[seasonIndex(t, h)] - level) / scale;
        }
        for (int p : seasonalLags) {
            TimeAxis past = readsPast(p, axis) ? axis : TimeAxis.NONE;
            double then = smoothed(y, t + h - p, t, past);
            double before = smoothed(y, t - p, t, past);
            out[k++] = Double.isNaN(then) ? 0 : (then - level) / scale;
            out[k++] = Double.isNaN(then) || Double.isNaN(before) ? 0 : (then - before) / scale;
        }
        if (calendar) {
            if (axis.known()) {
                long target = axis.epochSecond(t + h);
                double day = Math.floorMod(target, 86_400L) / 86_400.0 * 2 * Math.PI;
                double week = Math.floorMod(target + 3 * 86_400L, 7 * 86_400L) / (7 * 86_400.0) * 2 * Math.PI; // 0 = Monday
                out[k++] = Math.sin(day);
                out[k++] = Math.cos(day);
                out[k++] = Math.sin(2 * day);
                out[k++] = Math.cos(2 * day);
                out[k++] = Math.sin(week);
                out[k++] = Math.cos(week);
            } else {
                for (int i = 0; i < 6; i++) {
                    out[k++] = 0;
                }
            }
        }
        if (!events.isEmpty()) {
            if (axis.known()) {
                long target = axis.epochSecond(t + h);
                long origin = axis.epochSecond(t);
                out[k++] = 1 - Math.min(events.minutesUntilNext(target), EVENT_CAP_MINUTES) / EVENT_CAP_MINUTES;
                out[k++] = 1 - Math.min(events.minutesSinceLast(target), EVENT_CAP_MINUTES) / EVENT_CAP_MINUTES;
                out[k++] = events.weightAt(target);
                out[k++] = events.weightAt(origin);
                java.util.Arrays.fill(out, k, k + EVENT_KNOTS.length, 0);
                events.addProfile(target, EVENT_KNOTS, 1, out, k);
                events.addProfile(origin, EVENT_KNOTS, -1, out, k);
                for (int i = 0; i < EVENT_KNOTS.length; i++) {
                    out[k + i] *= level / scale;
                }
                k += EVENT_KNOTS.length;
            } else {
                java.util.Arrays.fill(out, k, k + 4 + EVENT_KNOTS.length, 0);
                k += 4 + EVENT_KNOTS.length;
            }
        }
    }

    /**
     * Whether the seasonal lag of period {@code p} reads the axis' {@link CoarsePast} before the history: only lags
     * longer than a day (the weekly one). Measured on NASA 1995 through the live path (60 minutes ahead, a day of
     * minutes): reading the daily lag from yesterday's hourly means too made the week of Jul 10 21% worse than
     * without the past (the day of minutes already carries the daily shape in its time-of-day features, and a linear
     * model trained on a day cannot tell the two apart), while the weekly lag alone moved it by +1.7% and Aug 14-21
     * by -4.1%.
     */
    static boolean readsPast(int p, TimeAxis axis) {
        return axis.known() && p > axis.daySteps();
    }

    /**
     * Mean of the observed steps among {@code c-2..c+2} up to {@code limit}: from {@code y} in {@code [0, limit]}, and
     * before index 0 from the axis' coarse past (the mean of the hour holding that step); NaN if none is known.
     */
    private static double smoothed(double[] y, int c, int limit, TimeAxis axis) {
        double sum = 0;
        int n = 0;
        for (int i = c - 2; i <= Math.min(limit, c + 2); i++) {
            double v = i >= 0 ? y[i] : axis.pastValue(i);
            if (!Double.isNaN(v)) {
                sum += v;
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}
