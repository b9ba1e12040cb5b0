package io.headroom.cli.evaluate;

/**
 * What one policy did over a trace, scored on recorded steps only (gaps are skipped).
 *
 * @param name                    {@code predictive}, {@code reactive} or {@code static}
 * @param underprovisionedMinutes minutes in which demand was above the ready capacity (100 % of each ready instance)
 * @param excessRequests          requests above the ready capacity, summed over those minutes
 * @param instanceMinutes         instance-minutes asked for (starting + ready): what a cloud bills
 * @param meanUtilization         mean over steps of min(1, demand / ready capacity)
 * @param scaleUps                steps at which the policy asked for more instances
 * @param ready                   ready instances per step (the capacity scored)
 * @param target                  instances asked for at the end of each step
 */
public record PolicyResult(String name, double underprovisionedMinutes, double excessRequests, double instanceMinutes,
                           double meanUtilization, int scaleUps, int[] ready, int[] target) {

    /** True when demand exceeded the ready capacity at step {@code i} (always false for a gap). */
    public boolean underprovisionedAt(DemandSeries d, double capacityPerInstance, int i) {
        return !d.isGap(i) && d.counts()[i] > ready[i] * capacityPerInstance * d.stepSeconds() + 1e-9;
    }
}
