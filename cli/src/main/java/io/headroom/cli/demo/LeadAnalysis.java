package io.headroom.cli.demo;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Did capacity come before the load? From a per-second timeline, for every instance count {@code k} the load
 * came to need, compares when the predictive policy first asked for {@code k} instances with when the observed
 * load first needed them (what a reactive autoscaler would have reacted to).
 */
public final class LeadAnalysis {

    /**
     * One second of the timeline.
     *
     * @param second    seconds since the live replay started
     * @param needed    instances the observed load needed at that second: ceil(observed / per-instance capacity)
     * @param requested instances the predictive policy asked for at that second
     * @param ready     instances ready and in the pool
     */
    public record Sample(int second, int needed, int requested, int ready) {
    }

    /** For one instance count: when it was first needed and first requested; lead = needed - requested, in seconds. */
    public record Level(int instances, int firstNeeded, int firstRequested, int firstReady) {
        public boolean requestedAhead() {
            return firstRequested >= 0 && firstRequested < firstNeeded;
        }

        public int leadSeconds() {
            return firstRequested < 0 ? Integer.MIN_VALUE : firstNeeded - firstRequested;
        }
    }

    public record Result(List<Level> levels, int secondsObserved, int secondsUnderProvisioned, int peakNeeded, int peakRequested,
                         int peakReady) {
        /** Levels above the starting one, where scaling up was actually needed. */
        public List<Level> scaleUps() {
            return levels.stream().filter(l -> l.firstNeeded() > 0).toList();
        }

        public String describe() {
            StringBuilder sb = new StringBuilder();
            for (Level l : scaleUps()) {
                sb.append(String.format(Locale.ROOT, "  %2d instance(s): needed at +%ds, requested at %s, ready at %s  -> %s%n",
                        l.instances(), l.firstNeeded(), at(l.firstRequested()), at(l.firstReady()),
                        l.firstRequested() < 0 ? "never requested"
                                : l.requestedAhead() ? l.leadSeconds() + " s ahead"
                                : l.leadSeconds() == 0 ? "same second (reactive)" : (-l.leadSeconds()) + " s late"));
            }
            return sb.toString();
        }

        private static String at(int s) {
            return s < 0 ? "never" : "+" + s + "s";
        }
    }

    private LeadAnalysis() {
    }

    public static Result analyse(List<Sample> timeline) {
        int peakNeeded = 0;
        int peakRequested = 0;
        int peakReady = 0;
        int under = 0;
        for (Sample s : timeline) {
            peakNeeded = Math.max(peakNeeded, s.needed());
            peakRequested = Math.max(peakRequested, s.requested());
            peakReady = Math.max(peakReady, s.ready());
            if (s.ready() < s.needed()) {
                under++;
            }
        }
        int start = timeline.isEmpty() ? 0 : timeline.get(0).needed();
        List<Level> levels = new ArrayList<>();
        for (int k = Math.max(1, start + 1); k <= peakNeeded; k++) {
            levels.add(new Level(k, first(timeline, k, Field.NEEDED), first(timeline, k, Field.REQUESTED), first(timeline, k, Field.READY)));
        }
        return new Result(List.copyOf(levels), timeline.size(), under, peakNeeded, peakRequested, peakReady);
    }

    private enum Field { NEEDED, REQUESTED, READY }

    private static int first(List<Sample> timeline, int k, Field f) {
        for (Sample s : timeline) {
            int v = switch (f) {
                case NEEDED -> s.needed();
                case REQUESTED -> s.requested();
                case READY -> s.ready();
            };
            if (v >= k) {
                return s.second();
            }
        }
        return -1;
    }
}
