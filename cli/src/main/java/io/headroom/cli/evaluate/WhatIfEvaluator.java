package io.headroom.cli.evaluate;

import io.headroom.predictor.plan.PoolSettings;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Replays a demand series through three autoscaling policies in simulated time (no sleeping, no Kafka, no
 * processes) and scores each against a capacity model: instances asked for at step {@code t} are ready at
 * {@code t + lead}, each ready instance serves {@code capacity} req/s, and demand above the ready capacity is
 * under-provisioning.
 *
 * <p>Each step, in order: instances whose lead time has passed become ready; the step is scored against the ready
 * capacity; then each policy sees the step's demand (as an HPA sees its metrics within the minute) and sets its
 * target. Gap steps (unknown demand) are neither scored nor decided on.
 */
public final class WhatIfEvaluator {
    private WhatIfEvaluator() {
    }

    private static final class Score {
        final String name;
        final int[] ready;
        final int[] target;
        double under;
        double excess;
        double instanceMinutes;
        double util;
        int scored;
        int scaleUps;

        Score(String name, int n) {
            this.name = name;
            this.ready = new int[n];
            this.target = new int[n];
        }

        void score(int t, Fleet f, double demand, double perInstancePerStep, double stepMinutes) {
            ready[t] = f.ready();
            if (Double.isNaN(demand)) {
                return;
            }
            double cap = f.ready() * perInstancePerStep;
            if (demand > cap + 1e-9) {
                under += stepMinutes;
                excess += demand - cap;
            }
            instanceMinutes += f.requested() * stepMinutes;
            util += cap <= 0 ? (demand > 0 ? 1 : 0) : Math.min(1, demand / cap);
            scored++;
        }

        void set(int t, Fleet f, int newTarget) {
            if (newTarget > f.requested()) {
                scaleUps++;
            }
            f.setTarget(newTarget, t);
            target[t] = f.requested();
        }

        PolicyResult result() {
            return new PolicyResult(name, under, excess, instanceMinutes, scored == 0 ? 0 : util / scored, scaleUps, ready, target);
        }
    }

    public static Evaluation evaluate(DemandSeries d, EvaluationSettings s) {
        long began = System.nanoTime();
        int n = d.length();
        double stepSeconds = d.stepSeconds();
        double stepMinutes = stepSeconds / 60.0;
        long stepMillis = d.step().toMillis();
        int lead = (int) Math.max(1, (s.leadTime().toMillis() + stepMillis - 1) / stepMillis);
        double peak = d.peakRate();
        double capacity = Double.isNaN(s.capacityPerInstance())
                ? (peak > 0 ? peak / s.peakInstances() : 1.0)
                : s.capacityPerInstance();
        int staticFleet = Math.max(1, (int) Math.ceil(peak / capacity - 1e-9));
        int season = seasonSteps(d, s.season());
        PoolSettings pool = new PoolSettings("what-if", capacity, s.targetUtilisation());
        double planned = pool.plannedPerInstance();
        double perInstancePerStep = capacity * stepSeconds;

        int first = 0;
        while (first < n && d.isGap(first)) {
            first++;
        }
        int warm = first < n ? ReactivePolicy.need(d.rate(first), planned) : 1;
        Fleet predictiveFleet = new Fleet(lead, warm);
        Fleet reactiveFleet = new Fleet(lead, warm);
        Fleet staticFleetModel = new Fleet(lead, staticFleet);
        Score ps = new Score("predictive", n);
        Score rs = new Score("reactive", n);
        Score ss = new Score("static", n);
        PredictivePolicy predictive = new PredictivePolicy(pool, lead, d.step(), s.leadTime(), s.coverage(), s.retrainEvery(), season,
                s.marginQuantile(), (int) Math.max(1, s.marginWindow().toMillis() / stepMillis), s.sizingUtilisation(), s.floorUtilisation(),
                s.events());
        ReactivePolicy reactive = new ReactivePolicy(planned, s.hpaTolerance(),
                (int) Math.max(1, s.hpaScaleDownWindow().toMillis() / stepMillis),
                (int) Math.max(1, stepMillis / s.hpaSyncPeriod().toMillis()));
        double[] mean = nanArray(n + lead);
        double[] lower = nanArray(n + lead);
        double[] upper = nanArray(n + lead);
        double[] counts = d.counts();

        for (int t = 0; t < n; t++) {
            predictiveFleet.advance(t);
            reactiveFleet.advance(t);
            staticFleetModel.advance(t);
            double demand = counts[t];
            ps.score(t, predictiveFleet, demand, perInstancePerStep, stepMinutes);
            rs.score(t, reactiveFleet, demand, perInstancePerStep, stepMinutes);
            ss.score(t, staticFleetModel, demand, perInstancePerStep, stepMinutes);
            if (Double.isNaN(demand)) { // unknown demand: hold
                ps.target[t] = predictiveFleet.requested();
                rs.target[t] = reactiveFleet.requested();
                ss.target[t] = staticFleetModel.requested();
                continue;
            }
            long now = d.start().toEpochMilli() + t * stepMillis;
            PredictivePolicy.Step p = predictive.decide(t, counts, now, predictiveFleet.requested());
            mean[t + lead] = p.forecast().mean();
            lower[t + lead] = p.forecast().lower();
            upper[t + lead] = p.forecast().upper();
            ps.set(t, predictiveFleet, p.target());
            rs.set(t, reactiveFleet, reactive.decide(t, demand / stepSeconds, reactiveFleet.requested()));
            ss.set(t, staticFleetModel, staticFleet);
        }
        Map<String, PolicyResult> policies = new LinkedHashMap<>();
        policies.put("predictive", ps.result());
        policies.put("reactive", rs.result());
        policies.put("static", ss.result());
        double oracle = perfectForesightInstanceMinutes(counts, perInstancePerStep, lead) * stepMinutes;
        return new Evaluation(d, s, lead, season, capacity, staticFleet, policies, oracle, mean, lower, upper,
                new LinkedHashMap<>(predictive.stepsByModel()), predictive.retrains(), predictive.trainingFailures(),
                predictive.lastSelection(), Duration.ofNanos(System.nanoTime() - began));
    }

    /**
     * The fewest instance-steps any policy can spend without an under-provisioned step: a fleet that knows the future
     * asks at each step for the most instances that any of the next {@code lead} steps needs at 100 % (an instance
     * ready at {@code t + k} was asked for by {@code t + k - lead} and is billed from then), at least 1. A gap step is
     * not counted and needs nothing. This bounds the instance-minutes half of the goal from below: when it is above
     * 90 % of reactive's, no policy, however good its forecast, meets both halves.
     */
    static double perfectForesightInstanceMinutes(double[] counts, double perInstancePerStep, int lead) {
        int n = counts.length;
        int[] need = new int[n];
        for (int t = 0; t < n; t++) {
            need[t] = Double.isNaN(counts[t]) ? 0 : Math.max(1, (int) Math.ceil(counts[t] / perInstancePerStep - 1e-9));
        }
        double sum = 0;
        for (int t = 0; t < n; t++) {
            if (Double.isNaN(counts[t])) {
                continue;
            }
            int most = 0;
            for (int k = 0; k <= lead && t + k < n; k++) {
                most = Math.max(most, need[t + k]);
            }
            sum += most;
        }
        return sum;
    }

    /** The season in steps: as set, or one day when the series spans at least three days (0 = none). */
    static int seasonSteps(DemandSeries d, Duration season) {
        long stepMillis = d.step().toMillis();
        if (season != null) {
            return (int) (season.toMillis() / stepMillis);
        }
        long day = Duration.ofDays(1).toMillis();
        return d.length() * stepMillis >= 3 * day && day % stepMillis == 0 ? (int) (day / stepMillis) : 0;
    }

    private static double[] nanArray(int n) {
        double[] a = new double[n];
        Arrays.fill(a, Double.NaN);
        return a;
    }
}
