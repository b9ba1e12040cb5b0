package io.headroom.predictor.evaluate;

import io.headroom.predictor.forecast.EventCalendar;
import io.headroom.predictor.forecast.EventsFile;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * WorldCup98 during the tournament, with and without the match schedule ({@code examples/worldcup98-matches.csv}) as
 * forecast input, on three held-out stretches: group stage (Jun 25-26, 8 matches), rest days after the semi-finals
 * (Jul 9-10, no match) and the last weekend (Jul 11-12: third place and final). Slow: run with
 * {@code -Dheadroom.eval.full=true}; the figures are in docs/forecaster.md. {@code -Dheadroom.eval.stretch=group|rest|final}
 * runs one stretch.
 */
class WorldCupEventsEvaluationTest {
    static final Path SCHEDULE = Path.of("../examples/worldcup98-matches.csv");

    @Test
    void matchScheduleAsForecastInput() throws Exception {
        assumeTrue(Files.isRegularFile(Traces.WORLDCUP), "WorldCup dataset not present: " + Traces.WORLDCUP);
        assumeTrue(RealTracesEvaluationTest.FULL, "slow (minutes): run with -Dheadroom.eval.full=true");
        EventCalendar matches = EventsFile.load(SCHEDULE);
        assertThat(matches.events()).hasSize(64);
        String only = System.getProperty("headroom.eval.stretch", "");
        String[][] stretches = {{"group", "1998-06-27T00:00Z"}, {"rest", "1998-07-11T00:00Z"}, {"final", "1998-07-13T00:00Z"}};
        for (String[] s : stretches) {
            if (!only.isEmpty() && !only.equals(s[0])) {
                continue;
            }
            Traces.Series w = Traces.worldCup().slice(Traces.epoch("1998-06-01T00:00Z"), Traces.epoch(s[1]));
            for (EventCalendar ev : new EventCalendar[] {EventCalendar.NONE, matches}) {
                long t0 = System.nanoTime();
                ForecastEvaluation.Settings settings = ForecastEvaluation.Settings.forSeries(w.y().length, 60).withEvents(ev);
                ForecastEvaluation.Report r = new ForecastEvaluation(settings).run(w.y(), w.startEpochSecond(), 60, 5, 15);
                System.out.printf("%n== worldcup98 to %s (%s), %s: %.1f s%n%s%s%n", s[1], s[0], ev.isEmpty() ? "no events" : "match schedule",
                        (System.nanoTime() - t0) / 1e9, r.toTable(), r.toJson());
                for (ForecastEvaluation.HorizonResult h : r.horizons()) {
                    assertThat(h.maeRatio()).as(h.horizonLabel()).isPositive().isFinite();
                }
            }
        }
    }
}
