package io.headroom.predictor.plan;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import io.headroom.ingest.model.ConsumerStats;
import io.headroom.ingest.model.QuotaAllowance;
import io.headroom.ingest.model.TelemetryWindow;
import io.headroom.predictor.core.PredictorCore;
import io.headroom.time.CalendarPeriod;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Cluster-wide calendar quota counts and allowances: exact, on literal windows. */
class PeriodQuotaLedgerTest {
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
    // 2026-11-29 is a Sunday; Berlin is UTC+1: the day runs from 2026-11-28T23:00Z to 2026-11-29T23:00Z
    private static final long DAY_START = Instant.parse("2026-11-28T23:00:00Z").toEpochMilli();
    private static final long DAY_END = Instant.parse("2026-11-29T23:00:00Z").toEpochMilli();
    private static final long MONTH_START = Instant.parse("2026-10-31T23:00:00Z").toEpochMilli();
    private static final long NOON = Instant.parse("2026-11-29T11:00:00Z").toEpochMilli();

    private final PeriodQuotaLedger ledger = new PeriodQuotaLedger(new PeriodQuotaSettings(BERLIN,
            Map.of("acme", Map.of(CalendarPeriod.DAY, 1000L, CalendarPeriod.MONTH, 20_000L)), 0.1, 0.1));

    private static TelemetryWindow window(String instance, long sequence, long start, ConsumerStats... consumers) {
        return new TelemetryWindow(instance, sequence, start, 1000, "api", "api", List.of(), List.of(consumers));
    }

    private static QuotaLeaseAllocator.InstanceShare share(String id, double acmeRate, long observed, long sinceSeen) {
        return new QuotaLeaseAllocator.InstanceShare(id, 100, observed, sinceSeen, Map.of("acme", acmeRate));
    }

    @Test
    void countsAdmittedRequestsOncePerWindowAndResetsAtLocalMidnight() {
        ledger.accept(window("r1", 1, NOON, new ConsumerStats("acme", 70, 10), new ConsumerStats("other", 5, 0)));
        ledger.accept(window("r2", 1, NOON, new ConsumerStats("acme", 20, 0)));
        ledger.accept(window("r1", 1, NOON, new ConsumerStats("acme", 70, 10))); // re-read: not counted twice
        ledger.accept(window("r1", 2, NOON + 1000, new ConsumerStats(ConsumerStats.OTHER, 9, 0)));
        assertThat(ledger.used("acme", CalendarPeriod.DAY, NOON)).isEqualTo(80);
        assertThat(ledger.usedByInstance("acme", CalendarPeriod.DAY, NOON)).isEqualTo(Map.of("r1", 60L, "r2", 20L));
        assertThat(ledger.used("acme", CalendarPeriod.MONTH, NOON)).isEqualTo(80);
        assertThat(ledger.duplicates()).isEqualTo(1);
        // the last second of the Berlin day still counts in it; the next one starts the day afresh
        ledger.accept(window("r2", 2, DAY_END - 1000, new ConsumerStats("acme", 5, 0)));
        assertThat(ledger.used("acme", CalendarPeriod.DAY, DAY_END - 1)).isEqualTo(85);
        ledger.accept(window("r2", 3, DAY_END, new ConsumerStats("acme", 3, 0)));
        assertThat(ledger.used("acme", CalendarPeriod.DAY, DAY_END)).isEqualTo(3);
        assertThat(ledger.used("acme", CalendarPeriod.MONTH, DAY_END)).as("the month goes on").isEqualTo(88);
        // a late window of the day before counts nowhere now
        ledger.accept(window("r1", 3, DAY_END - 2000, new ConsumerStats("acme", 4, 0)));
        assertThat(ledger.used("acme", CalendarPeriod.DAY, DAY_END)).isEqualTo(3);
        assertThat(ledger.earliestWindowStart(NOON)).isEqualTo(MONTH_START);
    }

    @Test
    void allowancesSplitWhatRemainsByShareOverAFloorAndNeverAddUpToMoreThanIt() {
        ledger.accept(window("r1", 1, NOON, new ConsumerStats("acme", 300, 0)));
        ledger.accept(window("r2", 1, NOON, new ConsumerStats("acme", 100, 0)));
        ledger.accept(window("r3", 1, NOON, new ConsumerStats("acme", 100, 0)));
        List<QuotaAllowance> all = ledger.allowances(NOON + 5000, List.of(share("r1", 70, 10, 0), share("r2", 20, 10, 0),
                share("r3", 10, 10, 0), share("gone", 50, 10, 31), share("new", 0, 0, 0)), 3, 30);
        List<QuotaAllowance> day = all.stream().filter(a -> a.period().equals("day")).toList();
        assertThat(day).extracting(QuotaAllowance::instanceId).containsExactly("new", "r1", "r2", "r3");
        // remaining 500, 450 handed out: 45 even over 4 (11.25 each), 405 by share 70/20/10 among the established
        assertThat(day).extracting(QuotaAllowance::used).containsExactly(0L, 300L, 100L, 100L);
        assertThat(day).extracting(a -> a.allowance() - a.used()).containsExactly(11L, 294L, 92L, 51L);
        assertThat(day.stream().mapToLong(a -> a.allowance() - a.used()).sum()).isLessThanOrEqualTo(500);
        assertThat(day).allSatisfy(a -> {
            assertThat(a.windowStartMillis()).isEqualTo(DAY_START);
            assertThat(a.windowEndMillis()).isEqualTo(DAY_END);
            assertThat(a.limit()).isEqualTo(1000);
        });
        // the next day starts from zero: 900 split the same way
        assertThat(day).extracting(QuotaAllowance::nextAllowance).containsExactly(22L, 589L, 184L, 103L);
        // used up: nothing more for anyone, and never below what an instance already counted
        ledger.accept(window("r1", 2, NOON + 1000, new ConsumerStats("acme", 600, 0)));
        List<QuotaAllowance> spent = ledger.allowances(NOON + 6000, List.of(share("r1", 70, 10, 0), share("r2", 20, 10, 0)), 3, 30)
                .stream().filter(a -> a.period().equals("day")).toList();
        assertThat(spent).extracting(QuotaAllowance::allowance).containsExactly(900L, 100L);
    }

    @Test
    void withoutAnyKnownShareTheSplitIsEven() {
        List<QuotaAllowance> day = ledger.allowances(NOON, List.of(share("a", 0, 0, 0), share("b", 0, 0, 0)), 3, 30).stream()
                .filter(a -> a.period().equals("day")).toList();
        assertThat(day).extracting(QuotaAllowance::allowance).containsExactly(450L, 450L);
    }

    @Test
    void parsesPeriodQuotasAndRewindsToTheStartOfTheMonth() {
        PredictorSettings s = PredictorSettings.from(ConfigNode.parse("headroom.yaml", """
                predictor:
                  period-quotas:
                    time-zone: Europe/Berlin
                    reserve: 0.05
                    consumers:
                      acme: {day: 1000, month: 20000}
                """));
        PeriodQuotaSettings p = s.quotas().periods();
        assertThat(p.zone()).isEqualTo(BERLIN);
        assertThat(p.reserve()).isEqualTo(0.05);
        assertThat(p.floor()).isEqualTo(PeriodQuotaSettings.DEFAULT_FLOOR);
        assertThat(p.consumers()).isEqualTo(Map.of("acme", Map.of(CalendarPeriod.DAY, 1000L, CalendarPeriod.MONTH, 20_000L)));
        assertThat(PredictorCore.inline(s).rewindFrom(NOON)).as("the month started before the day of history").isEqualTo(MONTH_START);
        PredictorSettings none = PredictorSettings.from(ConfigNode.parse("h.yaml", "predictor: {}\n"));
        assertThat(PredictorCore.inline(none).rewindFrom(NOON)).as("without them, the history kept").isEqualTo(NOON - none.replaySpan().toMillis());
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("headroom.yaml", """
                predictor:
                  period-quotas:
                    time-zone: Mars/Olympus
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:3")
                .hasMessageContaining("IANA zone");
        assertThatThrownBy(() -> PredictorSettings.from(ConfigNode.parse("headroom.yaml", """
                predictor:
                  period-quotas:
                    consumers:
                      acme: {week: 10}
                """))).isInstanceOf(ConfigException.class).hasMessageContaining("headroom.yaml:4").hasMessageContaining("week");
    }

    @Test
    void theExampleInTheGatewayDocParses() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("../docs/gateway.md"));
        int from = doc.indexOf("```yaml\npredictor:\n  period-quotas:") + 8;
        assertThat(from).as("the predictor.period-quotas example in docs/gateway.md").isGreaterThan(8);
        PeriodQuotaSettings p = PredictorSettings.from(ConfigNode.parse("gateway.md", doc.substring(from, doc.indexOf("```", from))))
                .quotas().periods();
        assertThat(p).isEqualTo(new PeriodQuotaSettings(BERLIN,
                Map.of("mobile-app", Map.of(CalendarPeriod.DAY, 10_000L, CalendarPeriod.MONTH, 200_000L)), 0.1, 0.1));
    }
}
