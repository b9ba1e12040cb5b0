package io.headroom.cli.admin;

import io.headroom.router.analytics.UsageAnalytics;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.YearMonth;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code GET /api/usage}: the router's usage analytics for billing, per day or calendar month, per consumer and route.
 *
 * <pre>
 * GET /api/usage?period=day&amp;date=2026-11-29&amp;consumer=acme&amp;route=orders
 * GET /api/usage?period=month&amp;date=2026-11
 * </pre>
 * {@code period} is {@code day} (default) or {@code month}; {@code date} is {@code YYYY-MM-DD} for a day and
 * {@code YYYY-MM} (or any day in it) for a month, today or this month by default, in the quota time zone.
 * {@code consumer} and {@code route} narrow the answer. Every figure is exact: a filtered total is the analytics' own
 * total for that consumer, route or pair, never a sum of percentiles.
 */
final class UsageApi {
    private static final Set<String> PARAMS = Set.of("period", "date", "consumer", "route", "format");

    /** The answer: an HTTP status, its body and the body's media type. */
    record Answer(int status, String body, String type) {
        Answer(int status, String body) {
            this(status, body, "application/json");
        }
    }

    private UsageApi() {
    }

    static Answer query(UsageAnalytics usage, String rawQuery, Clock clock) {
        Map<String, String> q;
        try {
            q = params(rawQuery);
        } catch (IllegalArgumentException e) {
            return bad(e.getMessage());
        }
        for (String k : q.keySet()) {
            if (!PARAMS.contains(k)) {
                return bad("unknown parameter '" + k + "'; use period=day|month, date, consumer, route, format=json|csv");
            }
        }
        String format = q.getOrDefault("format", "json");
        if (!format.equals("json") && !format.equals("csv")) {
            return bad("format '" + format + "' is unknown; use json or csv");
        }
        String period = q.getOrDefault("period", "day");
        LocalDate today = Instant.ofEpochMilli(clock.millis()).atZone(usage.zone()).toLocalDate();
        String date = q.get("date");
        UsageAnalytics.Report report;
        boolean retained;
        switch (period) {
            case "day" -> {
                LocalDate d;
                try {
                    d = date == null ? today : LocalDate.parse(date);
                } catch (DateTimeParseException e) {
                    return bad("date '" + date + "' is not a day; write YYYY-MM-DD, e.g. " + today);
                }
                report = usage.day(d);
                retained = usage.days().contains(d);
            }
            case "month" -> {
                YearMonth m;
                try {
                    m = date == null ? YearMonth.from(today) : date.length() == 7 ? YearMonth.parse(date) : YearMonth.from(LocalDate.parse(date));
                } catch (DateTimeParseException e) {
                    return bad("date '" + date + "' is not a month; write YYYY-MM, e.g. " + YearMonth.from(today));
                }
                report = usage.month(m);
                retained = usage.months().contains(m);
            }
            default -> {
                return bad("period '" + period + "' is unknown; use day or month");
            }
        }
        String consumer = q.get("consumer");
        String route = q.get("route");
        List<UsageAnalytics.Row> rows = report.rows().stream()
                .filter(r -> consumer == null || r.consumer().equals(consumer))
                .filter(r -> route == null || r.route().equals(route))
                .toList();
        UsageAnalytics.Usage total;
        if (consumer != null && route != null) {
            total = rows.isEmpty() ? null : rows.getFirst().usage();
        } else if (consumer != null) {
            total = report.byConsumer().get(consumer);
        } else if (route != null) {
            total = report.byRoute().get(route);
        } else {
            total = report.total();
        }
        // Narrowed to a consumer, the per-route figures are that consumer's rows (and vice versa): exact, not sums.
        Map<String, UsageAnalytics.Usage> byConsumer = new LinkedHashMap<>();
        Map<String, UsageAnalytics.Usage> byRoute = new LinkedHashMap<>();
        if (consumer == null && route == null) {
            byConsumer.putAll(report.byConsumer());
            byRoute.putAll(report.byRoute());
        } else if (consumer != null && route == null) {
            rows.forEach(r -> byRoute.put(r.route(), r.usage()));
            if (total != null) {
                byConsumer.put(consumer, total);
            }
        } else if (consumer == null) {
            rows.forEach(r -> byConsumer.put(r.consumer(), r.usage()));
            if (total != null) {
                byRoute.put(route, total);
            }
        } else if (total != null) {
            byConsumer.put(consumer, total);
            byRoute.put(route, total);
        }
        if (format.equals("csv")) {
            return new Answer(200, csv(report.period(), rows), "text/csv; charset=utf-8");
        }
        Json j = new Json().beginObject().field("period", period).field("date", report.period()).field("time_zone", "Z".equals(report.zone()) ? "UTC" : report.zone())
                .field("retained", retained);
        if (consumer != null) {
            j.field("consumer", consumer);
        }
        if (route != null) {
            j.field("route", route);
        }
        j.name("total");
        usage(j, total);
        j.name("by_consumer").beginObject();
        byConsumer.forEach((k, v) -> usage(j.name(k), v));
        j.endObject().name("by_route").beginObject();
        byRoute.forEach((k, v) -> usage(j.name(k), v));
        j.endObject().name("rows").beginArray();
        for (UsageAnalytics.Row r : rows) {
            j.beginObject().field("consumer", r.consumer()).field("route", r.route());
            fields(j, r.usage());
            j.endObject();
        }
        j.endArray().name("days_retained").beginArray();
        usage.days().forEach(d -> j.value(d.toString()));
        j.endArray().name("months_retained").beginArray();
        usage.months().forEach(m -> j.value(m.toString()));
        j.endArray().endObject();
        return new Answer(200, j.toString());
    }

    private static void usage(Json j, UsageAnalytics.Usage u) {
        j.beginObject();
        fields(j, u);
        j.endObject();
    }

    private static void fields(Json j, UsageAnalytics.Usage u) {
        if (u == null) {
            u = new UsageAnalytics.Usage(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        }
        j.field("requests", u.requests()).field("errors", u.serverErrors() + u.clientErrors())
                .field("server_errors", u.serverErrors()).field("client_errors", u.clientErrors())
                .field("bytes_in", u.bytesIn()).field("bytes_out", u.bytesOut())
                .name("latency_ms").beginObject().field("mean", u.meanMillis()).field("p50", u.p50Millis()).field("p95", u.p95Millis())
                .field("p99", u.p99Millis()).field("max", u.maxMillis()).endObject();
    }

    /**
     * One line per (consumer, route) with the period in the first column, so the files of several days concatenate.
     * Names are quoted as RFC 4180 says, and one that a spreadsheet would take for a formula ({@code = + - @}) is
     * prefixed with {@code '}: consumer ids can come from tokens that callers chose.
     */
    static String csv(String period, List<UsageAnalytics.Row> rows) {
        StringBuilder sb = new StringBuilder("period,consumer,route,requests,errors,server_errors,client_errors,bytes_in,bytes_out,"
                + "latency_mean_ms,latency_p50_ms,latency_p95_ms,latency_p99_ms,latency_max_ms\n");
        for (UsageAnalytics.Row r : rows) {
            UsageAnalytics.Usage u = r.usage();
            sb.append(period).append(',').append(cell(r.consumer())).append(',').append(cell(r.route())).append(',')
                    .append(u.requests()).append(',').append(u.serverErrors() + u.clientErrors()).append(',').append(u.serverErrors())
                    .append(',').append(u.clientErrors()).append(',').append(u.bytesIn()).append(',').append(u.bytesOut());
            for (double v : new double[]{u.meanMillis(), u.p50Millis(), u.p95Millis(), u.p99Millis(), u.maxMillis()}) {
                sb.append(',').append(String.format(java.util.Locale.ROOT, "%.3f", v));
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    static String cell(String s) {
        String v = !s.isEmpty() && "=+-@\t\r".indexOf(s.charAt(0)) >= 0 ? "'" + s : s;
        if (v.indexOf(',') >= 0 || v.indexOf('"') >= 0 || v.indexOf('\n') >= 0 || v.indexOf('\r') >= 0) {
            return '"' + v.replace("\"", "\"\"") + '"';
        }
        return v;
    }

    /** Decodes {@code a=1&b=2}; a repeated parameter is an error (which one would win is a guess). */
    static Map<String, String> params(String raw) {
        Map<String, String> out = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return out;
        }
        for (String part : raw.split("&")) {
            if (part.isEmpty()) {
                continue;
            }
            int eq = part.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? part : part.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(part.substring(eq + 1), StandardCharsets.UTF_8);
            if (out.put(k, v) != null) {
                throw new IllegalArgumentException("parameter '" + k + "' is given twice; give it once");
            }
        }
        return out;
    }

    private static Answer bad(String detail) {
        return new Answer(400, new Json().beginObject().field("error", "bad_request").field("detail", detail).endObject().toString());
    }
}
