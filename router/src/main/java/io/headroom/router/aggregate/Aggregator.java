package io.headroom.router.aggregate;

import com.nimbusds.jose.shaded.gson.JsonArray;
import com.nimbusds.jose.shaded.gson.JsonElement;
import com.nimbusds.jose.shaded.gson.JsonObject;
import com.nimbusds.jose.shaded.gson.JsonPrimitive;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.control.PoolState;
import io.headroom.router.log.AccessLog;
import io.headroom.router.route.RouteMatcher;
import io.headroom.router.route.UpstreamFetch;
import io.headroom.router.telemetry.RouteTelemetry;
import io.headroom.time.Ticker;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * An aggregating route: one GET fans out to several upstream calls, each on its own virtual thread with its own
 * deadline, and their JSON answers are merged into one document by the route's template. A call fails when it gets no
 * backend, times out, answers other than 2xx, or answers something that is not JSON (or longer than
 * {@code max-body}); then its policy applies: {@code fail} answers 502 (504 for a timeout) naming the call,
 * {@code omit} leaves out every template value that refers to it, {@code default} uses its configured JSON instead.
 * An answer with omitted or defaulted calls names them in {@code X-Headroom-Partial}.
 *
 * <p>Each call is counted in the route's telemetry cell for its pool, as a response or an error of the backend that
 * took it, so the predictor sees the load the fan-out puts on each pool.
 */
public final class Aggregator {
    /** Header naming the calls that were omitted or replaced by their default. */
    public static final String PARTIAL_HEADER = "X-Headroom-Partial";
    private static final Object MISSING = new Object();

    /** A call resolved against its pool, telemetry cell and the route's variables. */
    private record Call(RouteConfig.AggregateCall config, PoolState pool, RouteTelemetry telemetry, String[] literals, int[] vars,
                        JsonElement fallback) {
    }

    /** One call's outcome: its JSON, or why it failed. */
    private record Outcome(JsonElement json, String failure, boolean timedOut) {
    }

    private final Call[] calls;
    private final Object template;
    private final RouteMatcher matcher;
    private final long maxBody;
    private final Ticker ticker;
    private final LongAdder requests = new LongAdder();
    private final LongAdder partial = new LongAdder();
    private final LongAdder failed = new LongAdder();

    /**
     * @param route     the route (its {@code aggregate:} must be set)
     * @param matcher   its matcher, for the path's variables
     * @param pools     pool by name
     * @param telemetry the route's telemetry cell for a pool
     */
    public Aggregator(RouteConfig route, RouteMatcher matcher, Function<String, PoolState> pools,
                      Function<String, RouteTelemetry> telemetry, Ticker ticker) {
        RouteConfig.Aggregate a = route.aggregate();
        List<String> vars = List.of(matcher.path().variables());
        this.calls = new Call[a.calls().size()];
        for (int i = 0; i < calls.length; i++) {
            RouteConfig.AggregateCall c = a.calls().get(i);
            List<String> lits = new ArrayList<>();
            List<Integer> idx = new ArrayList<>();
            String t = c.target();
            int from = 0;
            int open;
            while ((open = t.indexOf('{', from)) >= 0) {
                int close = t.indexOf('}', open);
                lits.add(t.substring(from, open));
                idx.add(vars.indexOf(t.substring(open + 1, close)));
                from = close + 1;
            }
            lits.add(t.substring(from));
            calls[i] = new Call(c, pools.apply(c.pool()), telemetry.apply(c.pool()), lits.toArray(new String[0]),
                    idx.stream().mapToInt(Integer::intValue).toArray(), c.defaultJson() == null ? null : Json.parse(c.defaultJson()));
        }
        this.template = a.template();
        this.matcher = matcher;
        this.maxBody = a.maxBody();
        this.ticker = ticker;
    }

    /**
     * Makes the calls, waits for each until its deadline, and answers.
     *
     * @param head         a HEAD request (the calls are made; no body is sent)
     * @param path         the normalized request path (for the route's variables)
     * @param query        the raw query string, or null (not forwarded: the calls' paths say what they need)
     * @param headers      the forwarded end-to-end request headers, name/value pairs
     * @param limitHeaders RateLimit and RateLimit-Policy values, or null
     * @param log          the access-log entry, or null
     */
    public void serve(ServerResponse res, boolean head, String path, String query, String[] headers, String[] limitHeaders,
                      AccessLog.Entry log) {
        requests.increment();
        String[] sent = callHeaders(headers);
        String[] values = matcher.captures(path);
        long start = ticker.read();
        @SuppressWarnings("unchecked")
        CompletableFuture<UpstreamFetch.Result>[] pending = new CompletableFuture[calls.length];
        long[] deadlines = new long[calls.length];
        for (int i = 0; i < calls.length; i++) {
            Call c = calls[i];
            String target = target(c, values);
            long deadline = start + c.config().timeout().toNanos();
            deadlines[i] = deadline;
            CompletableFuture<UpstreamFetch.Result> f = new CompletableFuture<>();
            pending[i] = f;
            Thread.ofVirtual().name("headroom-aggregate-" + c.config().name()).start(() -> {
                try {
                    f.complete(UpstreamFetch.fetch(c.pool(), "GET", target, sent, maxBody, deadline, ticker));
                } catch (Throwable t) {
                    f.completeExceptionally(t);
                }
            });
        }
        Map<String, JsonElement> results = new java.util.HashMap<>();
        List<String> partialCalls = new ArrayList<>();
        for (int i = 0; i < calls.length; i++) {
            Call c = calls[i];
            Outcome o = await(c, pending[i], deadlines[i], start);
            if (o.json() != null) {
                results.put(c.config().name(), o.json());
                continue;
            }
            switch (c.config().onFailure()) {
                case FAIL -> {
                    failed.increment();
                    res.status(o.timedOut() ? Status.GATEWAY_TIMEOUT_504 : Status.BAD_GATEWAY_502);
                    res.header(HeaderNames.CONTENT_TYPE, "application/json");
                    limits(res, limitHeaders);
                    String detail = "call " + c.config().name() + " (pool " + c.config().pool() + "): " + o.failure();
                    res.send("{\"error\":\"aggregate_failed\",\"detail\":" + Json.write(new JsonPrimitive(detail)) + "}");
                    return;
                }
                case DEFAULT -> {
                    results.put(c.config().name(), c.fallback().deepCopy());
                    partialCalls.add(c.config().name());
                }
                default -> partialCalls.add(c.config().name());
            }
        }
        Object doc = resolve(template, results);
        byte[] body = Json.write(doc == MISSING ? new JsonObject() : (JsonElement) doc).getBytes(StandardCharsets.UTF_8);
        if (!partialCalls.isEmpty()) {
            partial.increment();
            res.header(HeaderNames.create(PARTIAL_HEADER), String.join(", ", partialCalls));
        }
        res.status(Status.OK_200);
        res.header(HeaderNames.CONTENT_TYPE, "application/json");
        limits(res, limitHeaders);
        if (log != null) {
            log.backend = "aggregate";
            log.bytesOut = head ? 0 : body.length;
        }
        if (head) {
            res.header(HeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
            res.send();
        } else {
            res.send(body);
        }
    }

    private Outcome await(Call c, CompletableFuture<UpstreamFetch.Result> f, long deadline, long start) {
        UpstreamFetch.Result r;
        try {
            // the fetch enforces the deadline itself (connection watchdog); waiting a little longer only lets it report
            r = f.get(Math.max(1, deadline - ticker.read()) + TimeUnit.MILLISECONDS.toNanos(200), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            c.telemetry().rejection(0, 0, ticker.read() - start);
            return new Outcome(null, "timed out after " + c.config().timeout().toMillis() + " ms", true);
        } catch (ExecutionException e) {
            c.telemetry().rejection(0, 0, ticker.read() - start);
            return new Outcome(null, "failed: " + e.getCause(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(null, "interrupted", false);
        }
        long latency = ticker.read() - start;
        if (r.backend() == null) {
            c.telemetry().rejection(0, 0, latency);
            return new Outcome(null, r.error(), false);
        }
        if (!r.ok()) {
            c.telemetry().error(r.backend(), 0, 0, latency);
            return new Outcome(null, r.timedOut() ? "timed out after " + c.config().timeout().toMillis() + " ms" : r.error(), r.timedOut());
        }
        c.telemetry().response(r.backend(), r.status(), 0, r.body() == null ? 0 : r.body().length, latency);
        if (r.status() < 200 || r.status() > 299) {
            return new Outcome(null, "answered " + r.status(), false);
        }
        if (r.body() == null) {
            return new Outcome(null, "the answer is longer than max-body (" + maxBody + " bytes)", false);
        }
        try {
            return new Outcome(Json.parse(new String(r.body(), StandardCharsets.UTF_8)), null, false);
        } catch (IllegalArgumentException e) {
            return new Outcome(null, "the answer is not JSON", false);
        }
    }

    /**
     * The request's headers as the calls send them: without what would change the answer's form (encodings, ranges,
     * conditionals), since each answer must be whole, plain JSON to be merged.
     */
    static String[] callHeaders(String[] headers) {
        List<String> out = new ArrayList<>(headers.length);
        for (int i = 0; i < headers.length; i += 2) {
            String lower = headers[i].toLowerCase(java.util.Locale.ROOT);
            if (lower.equals("accept-encoding") || lower.equals("range") || lower.startsWith("if-") || lower.equals("accept")) {
                continue;
            }
            out.add(headers[i]);
            out.add(headers[i + 1]);
        }
        out.add("Accept");
        out.add("application/json");
        return out.toArray(new String[0]);
    }

    private static String target(Call c, String[] values) {
        if (c.vars().length == 0) {
            return c.literals()[0];
        }
        StringBuilder b = new StringBuilder(c.literals()[0]);
        for (int i = 0; i < c.vars().length; i++) {
            b.append(values[c.vars()[i]]).append(c.literals()[i + 1]);
        }
        return b.toString();
    }

    private static void limits(ServerResponse res, String[] limitHeaders) {
        if (limitHeaders != null) {
            res.header(HeaderNames.create("RateLimit"), limitHeaders[0]);
            res.header(HeaderNames.create("RateLimit-Policy"), limitHeaders[1]);
        }
    }

    /** The template with every reference replaced; {@link #MISSING} for a value to leave out. */
    @SuppressWarnings("unchecked")
    static Object resolve(Object t, Map<String, JsonElement> results) {
        if (t instanceof Map<?, ?> m) {
            JsonObject o = new JsonObject();
            for (Map.Entry<String, Object> e : ((Map<String, Object>) m).entrySet()) {
                Object v = resolve(e.getValue(), results);
                if (v != MISSING) {
                    o.add(e.getKey(), (JsonElement) v);
                }
            }
            return o;
        }
        if (t instanceof List<?> l) {
            JsonArray a = new JsonArray();
            for (Object item : l) {
                Object v = resolve(item, results);
                if (v != MISSING) {
                    a.add((JsonElement) v);
                }
            }
            return a;
        }
        String s = (String) t;
        if (s.startsWith("$$")) {
            return new JsonPrimitive(s.substring(1));
        }
        if (!s.startsWith("$")) {
            return new JsonPrimitive(s);
        }
        String[] parts = s.substring(1).split("\\.");
        JsonElement e = results.get(parts[0]);
        for (int i = 1; i < parts.length && e != null; i++) {
            String p = parts[i];
            if (e.isJsonObject()) {
                e = e.getAsJsonObject().get(p);
            } else if (e.isJsonArray() && p.chars().allMatch(Character::isDigit) && p.length() < 10) {
                int k = Integer.parseInt(p);
                e = k < e.getAsJsonArray().size() ? e.getAsJsonArray().get(k) : null;
            } else {
                e = null;
            }
        }
        return e == null ? MISSING : e.deepCopy();
    }

    /**
     * @param requests aggregated requests answered
     * @param partial  answered with some calls omitted or defaulted
     * @param failed   answered 502/504 because a {@code fail} call failed
     */
    public record Stats(long requests, long partial, long failed) {
    }

    public Stats stats() {
        return new Stats(requests.sum(), partial.sum(), failed.sum());
    }
}
