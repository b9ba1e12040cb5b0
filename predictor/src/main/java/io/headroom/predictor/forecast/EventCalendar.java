package io.headroom.predictor.forecast;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * Scheduled events known in advance (launches, sales, broadcasts, matches) that a forecast may use as input: the
 * schedule is known before the traffic, so reading it at forecast time leaks nothing. Immutable; queries are
 * {@code O(log n)} plus the events that overlap the queried time.
 *
 * <p>{@link #NONE} is the empty calendar: models then have no event features at all, so their results are exactly
 * what they were without a calendar. Events that start at the same second count once (the largest weight, the latest
 * end): two simultaneous matches draw one audience peak, not two.
 */
public final class EventCalendar {
    /** One scheduled event.
     *
     * @param startEpochSecond when it starts
     * @param endEpochSecond   when it ends (equal to the start for an instant)
     * @param series           the series or pool it applies to, null for every series
     * @param weight           its relative size (1 = ordinary), scales its features
     * @param label            free text, e.g. "Brazil - France (final)"
     * @param line             the line of the events file it came from (0 if none)
     */
    public record Event(long startEpochSecond, long endEpochSecond, String series, double weight, String label, int line) {
        public Event {
            if (endEpochSecond < startEpochSecond || !(weight > 0) || !Double.isFinite(weight)) {
                throw new IllegalArgumentException("event " + label + ": end " + endEpochSecond + " before start " + startEpochSecond
                        + " or weight " + weight + " (expected: end >= start, finite weight > 0)");
            }
            label = label == null ? "" : label;
        }

        /** True if this event applies to {@code name} (it names no series, or names this one). */
        public boolean appliesTo(String name) {
            return series == null || series.equals(name);
        }
    }

    /** No events: no event features. */
    public static final EventCalendar NONE = new EventCalendar(List.of());

    /** Event features read at most this far ({@value} minutes) before or after an event's start (or after its end). */
    static final int HORIZON_MINUTES = 360;

    private final List<Event> events;
    private final long[] starts;     // distinct starts, ascending
    private final double[] weights;  // largest weight per distinct start
    private final long[] evStart;    // all events by start, for the in-event query
    private final long[] evEnd;
    private final double[] evWeight;
    private final long longest;

    private EventCalendar(List<Event> events) {
        List<Event> sorted = new ArrayList<>(events);
        sorted.sort(Comparator.comparingLong(Event::startEpochSecond).thenComparingLong(Event::endEpochSecond));
        this.events = List.copyOf(sorted);
        this.evStart = sorted.stream().mapToLong(Event::startEpochSecond).toArray();
        this.evEnd = sorted.stream().mapToLong(Event::endEpochSecond).toArray();
        this.evWeight = sorted.stream().mapToDouble(Event::weight).toArray();
        this.longest = sorted.stream().mapToLong(e -> e.endEpochSecond() - e.startEpochSecond()).max().orElse(0);
        long[] s = new long[sorted.size()];
        double[] w = new double[sorted.size()];
        int n = 0;
        for (Event e : sorted) {
            if (n > 0 && s[n - 1] == e.startEpochSecond()) {
                w[n - 1] = Math.max(w[n - 1], e.weight());
            } else {
                s[n] = e.startEpochSecond();
                w[n++] = e.weight();
            }
        }
        this.starts = Arrays.copyOf(s, n);
        this.weights = Arrays.copyOf(w, n);
    }

    public static EventCalendar of(List<Event> events) {
        return events.isEmpty() ? NONE : new EventCalendar(Objects.requireNonNull(events, "events"));
    }

    /** The events, by start. */
    public List<Event> events() {
        return events;
    }

    public boolean isEmpty() {
        return events.isEmpty();
    }

    /** The events that apply to series {@code name} (those naming no series, and those naming it). */
    public EventCalendar forSeries(String name) {
        List<Event> keep = events.stream().filter(e -> e.appliesTo(name)).toList();
        return keep.size() == events.size() ? this : of(keep);
    }

    /** The events that name no series (those every series shares). */
    public EventCalendar shared() {
        List<Event> keep = events.stream().filter(e -> e.series() == null).toList();
        return keep.size() == events.size() ? this : of(keep);
    }

    /** True if some event's features are non-zero anywhere in {@code [fromEpochSecond, toEpochSecond]}. */
    public boolean touches(long fromEpochSecond, long toEpochSecond) {
        int i = firstStartAtOrAfter(fromEpochSecond - HORIZON_MINUTES * 60L - longest);
        return i < starts.length && starts[i] <= toEpochSecond + HORIZON_MINUTES * 60L;
    }

    /** Minutes from {@code t} to the next start at or after it; {@code Double.POSITIVE_INFINITY} if none. */
    public double minutesUntilNext(long t) {
        int i = firstStartAtOrAfter(t);
        return i < starts.length ? (starts[i] - t) / 60.0 : Double.POSITIVE_INFINITY;
    }

    /** Minutes since the latest start at or before {@code t}; {@code Double.POSITIVE_INFINITY} if none. */
    public double minutesSinceLast(long t) {
        int i = firstStartAtOrAfter(t + 1) - 1;
        return i >= 0 ? (t - starts[i]) / 60.0 : Double.POSITIVE_INFINITY;
    }

    /** The largest weight of the events under way at {@code t} (start <= t < end), 0 if none. */
    public double weightAt(long t) {
        double w = 0;
        int hi = firstEventStartAfter(t);
        for (int i = hi - 1; i >= 0 && evStart[i] >= t - longest; i--) {
            if (t < evEnd[i]) {
                w = Math.max(w, evWeight[i]);
            }
        }
        return w;
    }

    /**
     * Adds {@code sign × weight × hat_k(minutes from start to t)} into {@code out[offset + k]} for every distinct start
     * near {@code t}, where {@code hat_k} is the piecewise-linear basis function of knot {@code knots[k]} (1 at the knot,
     * falling to 0 at the neighbouring knots; the first and last fall to 0 over 30 and 60 minutes beyond).
     */
    void addProfile(long t, double[] knots, double sign, double[] out, int offset) {
        int i = firstStartAtOrAfter(t - (long) (knots[knots.length - 1] + 60) * 60L);
        for (; i < starts.length && starts[i] <= t - (long) (knots[0] - 30) * 60L; i++) {
            double m = (t - starts[i]) / 60.0;
            for (int k = 0; k < knots.length; k++) {
                double left = k == 0 ? knots[0] - 30 : knots[k - 1];
                double right = k == knots.length - 1 ? knots[k] + 60 : knots[k + 1];
                double v = m <= left || m >= right ? 0 : m <= knots[k] ? (m - left) / (knots[k] - left) : (right - m) / (right - knots[k]);
                out[offset + k] += sign * weights[i] * v;
            }
        }
    }

    private int firstStartAtOrAfter(long t) {
        int i = Arrays.binarySearch(starts, t);
        if (i >= 0) {
            return i;
        }
        return -i - 1;
    }

    private int firstEventStartAfter(long t) {
        int lo = 0;
        int hi = evStart.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (evStart[mid] <= t) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EventCalendar c && c.events.equals(events);
    }

    @Override
    public int hashCode() {
        return events.hashCode();
    }

    @Override
    public String toString() {
        return events.isEmpty() ? "no events" : events.size() + " events from " + java.time.Instant.ofEpochSecond(evStart[0]) + " to "
                + java.time.Instant.ofEpochSecond(evStart[evStart.length - 1]);
    }
}
