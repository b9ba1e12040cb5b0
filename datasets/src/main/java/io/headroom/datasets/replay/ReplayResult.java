package io.headroom.datasets.replay;

import io.headroom.ingest.json.JsonStrings;

import org.HdrHistogram.Histogram;

import java.time.Duration;
import java.util.Locale;

/**
 * The outcome of a replay. Latencies in milliseconds. "Corrected" is measured from each request's
 * intended send time (open-loop: includes any time the replayer or the server made it wait);
 * "uncorrected" from when it actually left. Requests skipped at the in-flight cap have no latency:
 * they are counted in {@link #skipped()} and {@link #behind()} and make {@link #fellBehind()} true.
 */
public record ReplayResult(String trace, String description, boolean synthetic, double speedup, int maxInFlight,
                           long scheduled, long sent, long completed, long skipped, long lateSends,
                           long abandoned, long errors, long[] statusClasses, Duration maxLag,
                           Duration elapsed, Duration scheduleSpan, Duration sendSpan, boolean stoppedEarly, String stopReason,
                           long malformedInput, Latency corrected, Latency uncorrected,
                           Histogram correctedHistogram, Histogram uncorrectedHistogram) {

    /** Percentiles of one histogram, in milliseconds. */
    public record Latency(long count, double p50, double p90, double p99, double p999, double max, double mean) {
        static Latency of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Latency(0, 0, 0, 0, 0, 0, 0);
            }
            return new Latency(h.getTotalCount(), ms(h.getValueAtPercentile(50)), ms(h.getValueAtPercentile(90)),
                    ms(h.getValueAtPercentile(99)), ms(h.getValueAtPercentile(99.9)), ms(h.getMaxValue()), h.getMean() / 1000.0);
        }

        private static double ms(long micros) {
            return micros / 1000.0;
        }

        String toJson() {
            return String.format(Locale.ROOT,
                    "{\"count\":%d,\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"p999\":%.3f,\"max\":%.3f,\"mean\":%.3f}",
                    count, p50, p90, p99, p999, max, mean);
        }
    }

    public long status(int k) {
        return statusClasses[k];
    }

    /** Skipped at the cap plus sent late. */
    public long behind() {
        return skipped + lateSends;
    }

    public boolean fellBehind() {
        return behind() > 0;
    }

    /** Requests per second the schedule asked for: scheduled over the span from the first to the last intended send. */
    public double scheduledRate() {
        double s = scheduleSpan.toNanos() / 1e9;
        return s > 0 ? scheduled / s : 0;
    }

    /** Requests per second that actually left: sent over the time from start to the last actual send. */
    public double achievedRate() {
        double s = sendSpan.toNanos() / 1e9;
        return s > 0 ? sent / s : 0;
    }

    public String toJson() {
        StringBuilder sb = new StringBuilder(512);
        sb.append('{');
        sb.append("\"trace\":").append(q(trace)).append(',');
        sb.append("\"description\":").append(q(description)).append(',');
        sb.append("\"synthetic\":").append(synthetic).append(',');
        sb.append(String.format(Locale.ROOT, "\"speedup\":%s,", num(speedup)));
        sb.append("\"maxInFlight\":").append(maxInFlight).append(',');
        sb.append("\"scheduled\":").append(scheduled).append(',');
        sb.append("\"sent\":").append(sent).append(',');
        sb.append("\"completed\":").append(completed).append(',');
        sb.append("\"skipped\":").append(skipped).append(',');
        sb.append("\"lateSends\":").append(lateSends).append(',');
        sb.append("\"behind\":").append(behind()).append(',');
        sb.append("\"fellBehind\":").append(fellBehind()).append(',');
        sb.append("\"abandoned\":").append(abandoned).append(',');
        sb.append("\"errors\":").append(errors).append(',');
        sb.append("\"status\":{");
        for (int k = 1; k <= 5; k++) {
            sb.append("\"").append(k).append("xx\":").append(statusClasses[k]).append(k < 5 ? "," : "");
        }
        sb.append("},");
        sb.append(String.format(Locale.ROOT, "\"maxLagMs\":%.3f,", maxLag.toNanos() / 1e6));
        sb.append(String.format(Locale.ROOT, "\"elapsedS\":%.3f,", elapsed.toNanos() / 1e9));
        sb.append(String.format(Locale.ROOT, "\"scheduleSpanS\":%.3f,", scheduleSpan.toNanos() / 1e9));
        sb.append(String.format(Locale.ROOT, "\"sendSpanS\":%.3f,", sendSpan.toNanos() / 1e9));
        sb.append(String.format(Locale.ROOT, "\"scheduledRate\":%.3f,", scheduledRate()));
        sb.append(String.format(Locale.ROOT, "\"achievedRate\":%.3f,", achievedRate()));
        sb.append("\"stoppedEarly\":").append(stoppedEarly).append(',');
        sb.append("\"stopReason\":").append(q(stopReason)).append(',');
        sb.append("\"malformedInput\":").append(malformedInput).append(',');
        sb.append("\"latencyMs\":{\"corrected\":").append(corrected.toJson())
                .append(",\"uncorrected\":").append(uncorrected.toJson()).append('}');
        sb.append('}');
        return sb.toString();
    }

    private static String num(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }

    static String q(String s) {
        return JsonStrings.quote(s);
    }

    @Override
    public String toString() {
        return toJson();
    }
}
