package io.headroom.cli.evaluate;

import java.time.Duration;
import java.util.Locale;
import java.util.Map;

/**
 * The outcome of a what-if evaluation: settings as resolved, the three policies' results, the perfect-foresight bound on
 * instance-minutes ({@link WhatIfEvaluator#perfectForesightInstanceMinutes}), and the predictive policy's forecasts
 * (req/s, indexed by the step they forecast; NaN where none was made).
 */
public record Evaluation(DemandSeries demand, EvaluationSettings settings, int leadSteps, int seasonSteps,
                         double capacityPerInstance, int staticFleet, Map<String, PolicyResult> policies,
                         double oracleInstanceMinutes, double[] forecastMean, double[] forecastLower, double[] forecastUpper,
                         Map<String, Integer> stepsByModel, int retrains, int trainingFailures, String lastSelection,
                         Duration elapsed) {

    public PolicyResult predictive() {
        return policies.get("predictive");
    }

    public PolicyResult reactive() {
        return policies.get("reactive");
    }

    public PolicyResult staticFleetResult() {
        return policies.get("static");
    }

    /** Predictive under-provisioned minutes over reactive's (NaN when reactive has none). */
    public double underprovisionedRatio() {
        double r = reactive().underprovisionedMinutes();
        return r == 0 ? (predictive().underprovisionedMinutes() == 0 ? 0 : Double.NaN) : predictive().underprovisionedMinutes() / r;
    }

    /** Predictive instance-minutes over reactive's. */
    public double instanceMinutesRatio() {
        return predictive().instanceMinutes() / reactive().instanceMinutes();
    }

    /** The goal: predictive under-provisioned minutes <= 15 % of reactive's, at <= 90 % of its instance-minutes. */
    public boolean meetsGoal() {
        double u = underprovisionedRatio();
        return !Double.isNaN(u) && u <= 0.15 && instanceMinutesRatio() <= 0.90;
    }

    /** The perfect-foresight instance-minutes over reactive's: no policy that is never short spends less. */
    public double oracleRatio() {
        return oracleInstanceMinutes / reactive().instanceMinutes();
    }

    /** False when even perfect foresight needs more than 90 % of reactive's instance-minutes: the goal is out of reach. */
    public boolean goalWithinBound() {
        return oracleRatio() <= 0.90;
    }

    public String toJson() {
        StringBuilder b = new StringBuilder(1024).append("{\n");
        b.append("  \"dataset\": ").append(Json.quote(demand.name())).append(",\n");
        b.append("  \"description\": ").append(Json.quote(demand.description())).append(",\n");
        b.append("  \"synthetic\": ").append(demand.synthetic()).append(",\n");
        b.append("  \"from\": ").append(Json.quote(demand.start().toString())).append(",\n");
        b.append("  \"to\": ").append(Json.quote(demand.timeOf(demand.length()).toString())).append(",\n");
        b.append("  \"step_seconds\": ").append(Json.num(demand.stepSeconds())).append(",\n");
        b.append("  \"steps\": ").append(demand.length()).append(",\n");
        b.append("  \"recorded_steps\": ").append(demand.recordedSteps()).append(",\n");
        b.append("  \"peak_rate\": ").append(Json.num(demand.peakRate())).append(",\n");
        b.append("  \"lead_time_seconds\": ").append(Json.num(settings.leadTime().toMillis() / 1000.0)).append(",\n");
        b.append("  \"lead_steps\": ").append(leadSteps).append(",\n");
        b.append("  \"capacity_per_instance\": ").append(Json.num(capacityPerInstance)).append(",\n");
        b.append("  \"target_utilization\": ").append(Json.num(settings.targetUtilisation())).append(",\n");
        b.append("  \"coverage\": ").append(Json.num(settings.coverage())).append(",\n");
        b.append("  \"season_steps\": ").append(seasonSteps).append(",\n");
        b.append("  \"retrain_every_seconds\": ").append(settings.retrainEvery().toSeconds()).append(",\n");
        b.append("  \"retrains\": ").append(retrains).append(",\n");
        b.append("  \"training_failures\": ").append(trainingFailures).append(",\n");
        b.append("  \"model_steps\": {");
        int k = 0;
        for (Map.Entry<String, Integer> e : stepsByModel.entrySet()) {
            b.append(k++ == 0 ? "" : ", ").append(Json.quote(e.getKey())).append(": ").append(e.getValue());
        }
        b.append("},\n");
        b.append("  \"static_fleet\": ").append(staticFleet).append(",\n");
        b.append("  \"policies\": {\n");
        k = 0;
        for (PolicyResult p : policies.values()) {
            b.append(k++ == 0 ? "" : ",\n").append("    ").append(Json.quote(p.name())).append(": {")
                    .append("\"underprovisioned_minutes\": ").append(Json.num(p.underprovisionedMinutes()))
                    .append(", \"excess_requests\": ").append(Json.num(p.excessRequests()))
                    .append(", \"instance_minutes\": ").append(Json.num(p.instanceMinutes()))
                    .append(", \"mean_utilization\": ").append(Json.num(p.meanUtilization()))
                    .append(", \"scale_ups\": ").append(p.scaleUps()).append('}');
        }
        b.append("\n  },\n");
        b.append("  \"predictive_vs_reactive\": {\"underprovisioned_ratio\": ").append(Json.num(underprovisionedRatio()))
                .append(", \"instance_minutes_ratio\": ").append(Json.num(instanceMinutesRatio()))
                .append(", \"meets_goal\": ").append(meetsGoal()).append("},\n");
        b.append("  \"perfect_foresight\": {\"instance_minutes\": ").append(Json.num(oracleInstanceMinutes))
                .append(", \"instance_minutes_ratio\": ").append(Json.num(oracleRatio()))
                .append(", \"goal_within_bound\": ").append(goalWithinBound()).append("},\n");
        b.append("  \"elapsed_seconds\": ").append(Json.num(elapsed.toMillis() / 1000.0)).append('\n');
        return b.append("}\n").toString();
    }

    /** The three policies as a fixed-width table. */
    public String table() {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%-11s %18s %16s %17s %10s %9s%n", "policy", "under-prov. min", "excess requests",
                "instance-minutes", "mean util", "scale-ups"));
        for (PolicyResult p : policies.values()) {
            b.append(String.format(Locale.ROOT, "%-11s %18s %16s %17s %9.1f%% %9d%n", p.name(), group(p.underprovisionedMinutes()),
                    group(p.excessRequests()), group(p.instanceMinutes()), 100 * p.meanUtilization(), p.scaleUps()));
        }
        return b.toString();
    }

    /** The header lines, the table, and the predictive-vs-reactive line. */
    public String report() {
        StringBuilder b = new StringBuilder();
        b.append(demand.synthetic() ? "SYNTHETIC " : "").append("trace: ").append(demand.description()).append('\n');
        b.append(String.format(Locale.ROOT, "  %s to %s, %d steps of %s (%d recorded), peak %.2f req/s%n", demand.start(),
                demand.timeOf(demand.length()), demand.length(), human(demand.step()), demand.recordedSteps(), demand.peakRate()));
        b.append(String.format(Locale.ROOT,
                "  lead time %s (%d steps); %.4g req/s per instance; target utilisation %.0f%%; static fleet %d; season %d steps%n",
                human(settings.leadTime()), leadSteps, capacityPerInstance, 100 * settings.targetUtilisation(), staticFleet, seasonSteps));
        b.append(String.format(Locale.ROOT, "  predictor: %d retrains every %s, models by steps used %s; last: %s%n", retrains,
                human(settings.retrainEvery()), stepsByModel, lastSelection));
        b.append('\n').append(table()).append('\n');
        b.append(String.format(Locale.ROOT,
                "predictive vs reactive: %s of the under-provisioned minutes at %.0f%% of the instance-minutes (goal: <= 15%% at <= 90%%: %s)%n",
                Double.isNaN(underprovisionedRatio()) ? "n/a" : String.format(Locale.ROOT, "%.0f%%", 100 * underprovisionedRatio()),
                100 * instanceMinutesRatio(), meetsGoal() ? "met" : "not met"));
        b.append(String.format(Locale.ROOT,
                "perfect foresight (never short, sized at 100 %%): %s instance-minutes, %.1f%% of reactive's%s%n", group(oracleInstanceMinutes),
                100 * oracleRatio(), goalWithinBound() ? "" : ": the goal's 90 % is out of reach for any policy on this trace"));
        b.append(String.format(Locale.ROOT, "evaluated in %.1f s%n", elapsed.toMillis() / 1000.0));
        return b.toString();
    }

    static String group(double v) {
        return Math.abs(v - Math.rint(v)) < 1e-9 ? String.format(Locale.ROOT, "%,d", (long) Math.rint(v))
                : String.format(Locale.ROOT, "%,.1f", v);
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s % 3600 == 0 && s > 0) {
            return s / 3600 + "h";
        }
        if (s % 60 == 0 && s > 0) {
            return s / 60 + "m";
        }
        return d.toMillis() % 1000 == 0 ? s + "s" : d.toMillis() + "ms";
    }
}
