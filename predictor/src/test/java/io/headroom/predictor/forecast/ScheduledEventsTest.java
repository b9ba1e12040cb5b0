package io.headroom.predictor.forecast;

import io.headroom.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The events file, the calendar's queries, the ev_* features (neutral without events, blind to the traffic) and save/load. */
class ScheduledEventsTest {
    private static long at(String iso) {
        return OffsetDateTime.parse(iso).toEpochSecond();
    }

    private static EventCalendar parse(String... lines) {
        return EventsFile.parse("events.csv", List.of(lines));
    }

    @Test
    void theWorldCupScheduleHoldsSixtyFourMatchesInParisTime() {
        EventCalendar c = EventsFile.load(Path.of("../examples/worldcup98-matches.csv"));
        assertThat(c.events()).hasSize(64);
        assertThat(c.events().getFirst().startEpochSecond()).isEqualTo(at("1998-06-10T15:30Z"));
        assertThat(c.events().getFirst().label()).isEqualTo("Brazil - Scotland (A) Saint-Denis");
        assertThat(c.events().getLast().startEpochSecond()).isEqualTo(at("1998-07-12T19:00Z"));
        assertThat(c.events().getLast().endEpochSecond() - c.events().getLast().startEpochSecond()).isEqualTo(7200);
        assertThat(c.events()).allMatch(e -> e.series() == null && e.weight() == 1);
    }

    @Test
    void formsOfTimeDurationSeriesWeightAndLabel() {
        EventCalendar c = parse("# comment", "", "start,end,series,weight,label",
                "2026-12-01T09:00[Europe/Paris],2026-12-01T10:30+01:00,checkout,2.5,sale, day one",
                "2026-12-01T09:00Z,,,,instant");
        assertThat(c.events()).hasSize(2);
        EventCalendar.Event sale = c.events().get(0);
        assertThat(sale.startEpochSecond()).isEqualTo(at("2026-12-01T08:00Z"));
        assertThat(sale.endEpochSecond() - sale.startEpochSecond()).isEqualTo(5400);
        assertThat(sale.series()).isEqualTo("checkout");
        assertThat(sale.weight()).isEqualTo(2.5);
        assertThat(sale.label()).isEqualTo("sale, day one");
        assertThat(sale.line()).isEqualTo(4);
        assertThat(c.events().get(1).endEpochSecond()).isEqualTo(c.events().get(1).startEpochSecond());
        assertThat(parse("start,duration", "2026-12-01T09:00Z,1h30m", "2026-12-02T09:00Z,PT2H", "2026-12-03T09:00Z,3d").events())
                .extracting(e -> e.endEpochSecond() - e.startEpochSecond()).containsExactly(5400L, 7200L, 3 * 86_400L);
        assertThat(c.forSeries("checkout").events()).hasSize(2);
        assertThat(c.forSeries("search").events()).hasSize(1);
        assertThat(c.shared().events()).extracting(EventCalendar.Event::label).containsExactly("instant");
    }

    @Test
    void errorsNameFileLineAndFix() {
        assertThatThrownBy(() -> parse("start,when")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("events.csv:1").hasMessageContaining("unknown column 'when'").hasMessageContaining("fix:");
        assertThatThrownBy(() -> parse("label", "x")).hasMessageContaining("events.csv:1").hasMessageContaining("no 'start'");
        assertThatThrownBy(() -> parse("start,end,duration")).hasMessageContaining("both 'end' and 'duration'");
        assertThatThrownBy(() -> parse("# only", "start,duration", "2026-12-01T09:00Z,2h", "2026-12-01T09:00,2h"))
                .hasMessageContaining("events.csv:4").hasMessageContaining("has no time zone")
                .hasMessageContaining("2026-12-01T09:00+02:00");
        assertThatThrownBy(() -> parse("start,duration", "yesterday,2h")).hasMessageContaining("events.csv:2")
                .hasMessageContaining("not a date and time");
        assertThatThrownBy(() -> parse("start,duration", "2026-12-01T09:00Z,two hours")).hasMessageContaining("events.csv:2")
                .hasMessageContaining("not a duration").hasMessageContaining("90m, 2h");
        assertThatThrownBy(() -> parse("start,end", "2026-12-01T09:00Z,2026-12-01T08:00Z")).hasMessageContaining("before start");
        assertThatThrownBy(() -> parse("start,weight", "2026-12-01T09:00Z,-1")).hasMessageContaining("not a positive number");
        assertThatThrownBy(() -> parse("start,weight", "2026-12-01T09:00Z,1,extra")).hasMessageContaining("events.csv:2")
                .hasMessageContaining("expected 2 comma-separated fields");
        assertThatThrownBy(() -> parse("# nothing")).hasMessageContaining("empty");
        assertThatThrownBy(() -> EventsFile.load(Path.of("no-such-events.csv"))).hasMessageContaining("not found");
    }

    @Test
    void calendarQueriesAndSimultaneousStartsCountOnce() {
        EventCalendar c = parse("start,duration,weight", "2026-01-01T12:00Z,2h,1", "2026-01-01T12:00Z,1h,3", "2026-01-01T18:00Z,30m,1");
        long noon = at("2026-01-01T12:00Z");
        assertThat(c.minutesUntilNext(noon - 600)).isEqualTo(10);
        assertThat(c.minutesUntilNext(noon)).isZero();
        assertThat(c.minutesSinceLast(noon + 5400)).isEqualTo(90);
        assertThat(c.minutesSinceLast(noon - 1)).isInfinite();
        assertThat(c.minutesUntilNext(noon + 7 * 3600)).isInfinite();
        assertThat(c.weightAt(noon + 1800)).isEqualTo(3);   // both under way: the larger weight
        assertThat(c.weightAt(noon + 5400)).isEqualTo(1);   // only the 2-hour one
        assertThat(c.weightAt(noon + 7200)).isZero();       // the end is exclusive
        double[] knots = LagFeatureSchema.EVENT_KNOTS;
        double[] p = new double[knots.length];
        c.addProfile(noon, knots, 1, p, 0);                 // at a start: the 0-minute knot, weight 3 (one peak, not 1 + 3)
        assertThat(p[Arrays.binarySearch(knots, 0)]).isEqualTo(3);
        assertThat(Arrays.stream(p).sum()).isEqualTo(3);
        assertThat(c.touches(noon + 15 * 3600, noon + 20 * 3600)).isFalse(); // 18:00 + 6 h + the longest event (2 h) < 03:00
        assertThat(c.touches(noon - 3 * 3600, noon - 2 * 3600)).isTrue();
    }

    @Test
    void withoutEventsTheSchemaIsUnchangedAndFarFromEventsTheFeaturesAreZero() {
        TimeAxis axis = new TimeAxis(at("2026-01-01T00:00Z"), 60);
        LagFeatureSchema plain = LagFeatureSchema.standard(0, axis);
        assertThat(plain.withEvents(EventCalendar.NONE)).isSameAs(plain);
        EventCalendar c = parse("start,duration", "2026-01-03T12:00Z,2h");
        LagFeatureSchema ev = plain.withEvents(c);
        assertThat(ev.names()).startsWith(plain.names()).contains("ev_until", "ev_since", "ev_in", "ev_in_now", "ev_p0", "ev_pm60", "ev_p300");
        double[] y = new double[4 * 1440];
        Arrays.setAll(y, i -> 100 + i % 7);
        double[] f = new double[ev.size()];
        ev.compute(y, 1000, 5, 10, axis, f);                              // Jan 1, 16:40: two days before
        assertThat(Arrays.copyOfRange(f, plain.size(), ev.size())).containsOnly(0.0);
        int kick = (int) ((at("2026-01-03T12:00Z") - axis.startEpochSecond()) / 60);
        ev.compute(y, kick + 30, 5, 10, axis, f);                         // 30 min into it, forecasting 35
        int base = plain.size();
        assertThat(f[base]).isEqualTo(0);                                 // no next start within 6 h
        assertThat(f[base + 1]).isCloseTo(1 - 35 / 360.0, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(f[base + 2]).isEqualTo(1);
        assertThat(f[base + 3]).isEqualTo(1);
        // The profile change over the horizon: p(35) - p(30): the 35-minute knot gains, the 20-minute one loses
        int k35 = base + 4 + Arrays.binarySearch(LagFeatureSchema.EVENT_KNOTS, 35);
        assertThat(f[k35]).isGreaterThan(0); // times the level over scale (10.x), positive either way
        assertThat(f[k35 - 1]).isLessThan(0);
        // Window already fitted on a history far from the event drops the features (nothing to learn there)
        assertThat(ev.fitting(1000, 5, 60, axis).names()).doesNotContain("ev_in");
        assertThat(ev.fitting(4 * 1440, 5, 60, axis).names()).contains("ev_in");
        assertThat(ev.fitting(4 * 1440, 5, 60, TimeAxis.NONE).names()).doesNotContain("ev_in");
    }

    @Test
    void eventFeaturesReadTheScheduleAndThePastNeverTheFuture() {
        TimeAxis axis = new TimeAxis(at("2026-01-01T00:00Z"), 60);
        LagFeatureSchema ev = LagFeatureSchema.standard(0, axis).withEvents(parse("start,duration", "2026-01-01T12:00Z,2h"));
        int base = ev.size() - 4 - LagFeatureSchema.EVENT_KNOTS.length;
        Random rnd = new Random(1);
        double[] a = new double[1440];
        double[] b = new double[1440];
        Arrays.setAll(a, i -> 50 + rnd.nextGaussian());
        Arrays.setAll(b, i -> 5000 * rnd.nextDouble());
        double[] fa = new double[ev.size()];
        double[] fb = new double[ev.size()];
        double[] fc = new double[ev.size()];
        for (int t = 600; t < 1000; t += 7) {
            ev.compute(a, t, 15, 3, axis, fa);
            ev.compute(b, t, 15, 99, axis, fb);
            // until, since, in, in_now: the schedule and the clock only, whatever the traffic
            assertThat(Arrays.copyOfRange(fa, base, base + 4)).containsExactly(Arrays.copyOfRange(fb, base, base + 4));
            // and no feature at origin t reads a step after it: rewrite the future, the features stay
            double[] future = a.clone();
            for (int i = t + 1; i < future.length; i++) {
                future[i] = 1e6 * rnd.nextDouble();
            }
            ev.compute(future, t, 15, 3, axis, fc);
            assertThat(fc).containsExactly(fa);
        }
    }

    @Test
    void thePredictorConfigNamesAnEventsFile(@TempDir Path dir) throws Exception {
        var ok = io.headroom.config.ConfigNode.parse("headroom.yaml", "predictor:\n  events: ../examples/worldcup98-matches.csv\n");
        assertThat(io.headroom.predictor.plan.PredictorSettings.from(ok).events().events()).hasSize(64);
        assertThat(io.headroom.predictor.plan.PredictorSettings.from(io.headroom.config.ConfigNode.empty()).events()).isEqualTo(EventCalendar.NONE);
        Path bad = dir.resolve("launches.csv");
        java.nio.file.Files.writeString(bad, "start,duration\n2026-12-01T09:00Z,forever\n");
        var cfg = io.headroom.config.ConfigNode.parse("headroom.yaml", "predictor:\n  lead-time: 30s\n  events: " + bad + "\n");
        assertThatThrownBy(() -> io.headroom.predictor.plan.PredictorSettings.from(cfg)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("headroom.yaml:3").hasMessageContaining("launches.csv:2").hasMessageContaining("not a duration");
        var missing = io.headroom.config.ConfigNode.parse("headroom.yaml", "predictor:\n  events: nope.csv\n");
        assertThatThrownBy(() -> io.headroom.predictor.plan.PredictorSettings.from(missing)).hasMessageContaining("headroom.yaml:2")
                .hasMessageContaining("not found");
    }

    @Test
    void aModelWithEventFeaturesRoundTrips(@TempDir Path dir) throws Exception {
        TimeAxis axis = new TimeAxis(at("2026-01-01T00:00Z"), 60);
        EventCalendar c = parse("start,duration,weight,label", "2026-01-02T12:00Z,2h,1,one", "2026-01-03T12:00Z,2h,2,two");
        double[] y = new double[4 * 1440];
        Random rnd = new Random(4);
        Arrays.setAll(y, i -> 100 + 100 * c.weightAt(axis.epochSecond(i)) + 5 * rnd.nextGaussian());
        TribuoLagForecaster f = new TribuoLagForecaster(RegressorSpec.linearSgdAbsolute(), LagFeatureSchema.standard(0, axis).withEvents(c),
                5, 0.9, 3000, 60).relative(true);
        f.timeAxis(axis);
        f.fit(y);
        assertThat(f.schema().events()).isEqualTo(c);
        f.save(dir);
        TribuoLagForecaster g = TribuoLagForecaster.load(dir);
        g.timeAxis(axis);
        assertThat(g.schema().events().events()).extracting(EventCalendar.Event::label).containsExactly("one", "two");
        assertThat(g.schema().names()).containsExactly(f.schema().names());
        assertThat(g.pointForecasts(y, y.length - 900, y.length - 4, 5)).containsExactly(f.pointForecasts(y, y.length - 900, y.length - 4, 5));
    }
}
