package io.headroom.router.config;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A route: which requests it takes ({@link Match}), how their path is rewritten, which pool(s) get them, where a copy
 * goes, who may call it and how often. docs/gateway.md has every key and the precedence between routes.
 *
 * @param name       route name (telemetry key)
 * @param pathPrefix path prefix, starting with {@code /} (ignored when {@code match.path()} is set)
 * @param pool       the primary pool: the only one, or the first of {@code split}
 * @param match      the other conditions ({@link Match#ANY}: none)
 * @param rewrite    path rewrite, or null to forward the path as it came (less a version prefix)
 * @param split      weighted pools (canary); empty means all traffic to {@code pool}
 * @param mirror     shadow pool that gets a copy, or null
 * @param auth       required credentials and scopes, or null for anonymous access
 * @param limits     rate limits of this route, or {@link Limits#NONE}
 * @param transform  request and response header changes, or {@link Transform#NONE}
 * @param cache      response cache for GET and HEAD, or null for none
 * @param aggregate  fan-out to several upstream calls merged into one JSON document, or null for plain forwarding
 * @param grpc       JSON to gRPC translation and gRPC passthrough (docs/grpc.md), or null for plain forwarding
 */
public record RouteConfig(String name, String pathPrefix, String pool, Match match, Rewrite rewrite, List<WeightedPool> split,
                          Mirror mirror, Auth auth, Limits limits, Transform transform, Cache cache, Aggregate aggregate,
                          io.headroom.router.grpc.GrpcRouteSpec grpc) {
    public RouteConfig {
        Objects.requireNonNull(transform, "transform");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(pathPrefix, "pathPrefix");
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(match, "match");
        split = List.copyOf(split);
        Objects.requireNonNull(limits, "limits");
        if (!pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("path-prefix '" + pathPrefix + "' must start with /");
        }
    }

    /** Without a {@code grpc:} block. */
    public RouteConfig(String name, String pathPrefix, String pool, Match match, Rewrite rewrite, List<WeightedPool> split,
                       Mirror mirror, Auth auth, Limits limits, Transform transform, Cache cache, Aggregate aggregate) {
        this(name, pathPrefix, pool, match, rewrite, split, mirror, auth, limits, transform, cache, aggregate, null);
    }

    /** Without header transformation, response cache and aggregation. */
    public RouteConfig(String name, String pathPrefix, String pool, Match match, Rewrite rewrite, List<WeightedPool> split,
                       Mirror mirror, Auth auth, Limits limits) {
        this(name, pathPrefix, pool, match, rewrite, split, mirror, auth, limits, Transform.NONE, null, null);
    }

    /** A plain prefix route, as in the walking skeleton. */
    public RouteConfig(String name, String pathPrefix, String pool) {
        this(name, pathPrefix, pool, Match.ANY, null, List.of(), null, null, Limits.NONE);
    }

    /** Every pool this route may forward to (primary, split, mirror and aggregation calls). */
    public List<String> pools() {
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        out.add(pool);
        if (aggregate != null) {
            for (AggregateCall c : aggregate.calls()) {
                if (!out.contains(c.pool())) {
                    out.add(c.pool());
                }
            }
        }
        for (WeightedPool w : split) {
            if (!out.contains(w.pool())) {
                out.add(w.pool());
            }
        }
        if (mirror != null && !out.contains(mirror.pool())) {
            out.add(mirror.pool());
        }
        return out;
    }

    /**
     * Conditions besides the path prefix. All given ones must hold.
     *
     * @param host    exact host ({@code api.example.com}) or a suffix wildcard ({@code *.example.com}); null = any
     * @param path    exact path ({@code /health}) or template ({@code /users/{id}}); null = use the prefix
     * @param methods upper-case method names; empty = any
     * @param headers header name → required value ({@code "*"}: present with any value)
     * @param query   query parameter → required value ({@code "*"}: present)
     * @param version API version condition, or null
     */
    public record Match(String host, String path, List<String> methods, Map<String, String> headers,
                        Map<String, String> query, Version version) {
        public static final Match ANY = new Match(null, null, List.of(), Map.of(), Map.of(), null);

        public Match {
            methods = List.copyOf(methods);
            headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
            query = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(query));
        }
    }

    /** How the API version is chosen. */
    public enum VersionKind { PATH, HEADER, MEDIA_TYPE }

    /**
     * @param kind   by leading path segment, by header or by media type in {@code Accept}
     * @param value  {@code /v2}; the header value; or the media type ({@code application/vnd.acme.v2+json},
     *               {@code application/json; version=2})
     * @param header header name for {@link VersionKind#HEADER}, else null
     * @param strip  for {@link VersionKind#PATH}: remove the version segment before forwarding
     */
    public record Version(VersionKind kind, String value, String header, boolean strip) {
        public Version {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(value, "value");
        }
    }

    public enum RewriteKind { STRIP_PREFIX, PREFIX, PATH }

    /**
     * @param kind  strip the matched prefix; replace it with {@code value}; or build the whole path from the
     *              template {@code value} with the variables of the route's path template
     * @param value replacement prefix or template; null for {@link RewriteKind#STRIP_PREFIX}
     */
    public record Rewrite(RewriteKind kind, String value) {
        public Rewrite {
            Objects.requireNonNull(kind, "kind");
        }
    }

    /** One pool of a weighted split. */
    public record WeightedPool(String pool, double weight) {
        public WeightedPool {
            Objects.requireNonNull(pool, "pool");
            if (!(weight >= 0) || Double.isInfinite(weight)) {
                throw new IllegalArgumentException("split weight of " + pool + ": " + weight + " (expected: finite, >= 0)");
            }
        }
    }

    /**
     * @param pool        shadow pool
     * @param percent     share of requests mirrored, 0..100
     * @param maxInFlight mirrored requests outstanding at once; more are dropped
     */
    public record Mirror(String pool, double percent, int maxInFlight) {
        public Mirror {
            Objects.requireNonNull(pool, "pool");
            if (maxInFlight < 1) {
                throw new IllegalArgumentException("maxInFlight: " + maxInFlight + " (expected: >= 1)");
            }
        }
    }

    /**
     * {@code api-key}, {@code jwt}, {@code introspection} (opaque bearer tokens checked by RFC 7662), or
     * {@code client-certificate} (the TLS client certificate verified in the handshake, {@code router.tls.client-auth}).
     */
    public enum AuthMethod { API_KEY, JWT, INTROSPECTION, CLIENT_CERTIFICATE }

    /**
     * @param methods accepted credentials (any one suffices)
     * @param scopes  scopes the consumer must hold, all of them
     */
    public record Auth(List<AuthMethod> methods, List<String> scopes) {
        public Auth {
            methods = List.copyOf(methods);
            scopes = List.copyOf(scopes);
            if (methods.isEmpty()) {
                throw new IllegalArgumentException("auth needs at least one method");
            }
        }
    }

    /**
     * @param route          one limit for all of the route's traffic, or null
     * @param consumer       a limit for each consumer on this route, or null
     * @param routeQuotas    long-period quotas of all of the route's traffic (period to limit); empty for none
     * @param consumerQuotas long-period quotas of each consumer on this route; empty for none
     */
    public record Limits(Rate route, Rate consumer, Map<QuotaPeriod, Long> routeQuotas, Map<QuotaPeriod, Long> consumerQuotas) {
        public static final Limits NONE = new Limits(null, null);

        public Limits {
            routeQuotas = RateLimitConfig.Quotas.periods(routeQuotas);
            consumerQuotas = RateLimitConfig.Quotas.periods(consumerQuotas);
        }

        /** Rates only, no quotas. */
        public Limits(Rate route, Rate consumer) {
            this(route, consumer, Map.of(), Map.of());
        }
    }

    /**
     * A sustained rate with a burst (GCRA).
     *
     * @param perSecond sustained requests per second
     * @param burst     requests admitted at once from idle (at least 1)
     * @param text      how the file wrote the rate ({@code 100/s}), for messages
     */
    public record Rate(double perSecond, long burst, String text) {
        public Rate {
            if (!(perSecond > 0) || Double.isInfinite(perSecond) || burst < 1) {
                throw new IllegalArgumentException("rate " + perSecond + "/s, burst " + burst + " (expected: rate > 0, burst >= 1)");
            }
        }
    }

    /**
     * Header changes in one direction. Names keep the case written in the file; matching ignores case.
     *
     * @param set    headers set to a value, replacing whatever came
     * @param remove headers removed
     * @param rename header to new name: the values move, and any header already under the new name is dropped
     */
    public record HeaderOps(Map<String, String> set, List<String> remove, Map<String, String> rename) {
        public static final HeaderOps NONE = new HeaderOps(Map.of(), List.of(), Map.of());

        public HeaderOps {
            set = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(set));
            remove = List.copyOf(remove);
            rename = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(rename));
        }

        public boolean isEmpty() {
            return set.isEmpty() && remove.isEmpty() && rename.isEmpty();
        }
    }

    /**
     * A route's header transformation.
     *
     * @param request  changes to the request before it goes upstream (and to mirrored copies)
     * @param response changes to the backend's response before it goes to the client
     */
    public record Transform(HeaderOps request, HeaderOps response) {
        public static final Transform NONE = new Transform(HeaderOps.NONE, HeaderOps.NONE);

        public Transform {
            Objects.requireNonNull(request, "request");
            Objects.requireNonNull(response, "response");
        }
    }

    /**
     * A route's response cache (GET and HEAD).
     *
     * @param maxBytes             bound of the whole cache: bodies, headers and bookkeeping
     * @param maxEntryBytes        largest body stored
     * @param defaultTtl           freshness of a response that states none (0: only explicit freshness, or revalidation by ETag)
     * @param staleWhileRevalidate how long past freshness a response may be served while it is revalidated in the
     *                             background, when the response does not say ({@code stale-while-revalidate})
     * @param maxVariants          most stored variants ({@code Vary}, per-consumer copies) of one URL
     */
    public record Cache(long maxBytes, long maxEntryBytes, java.time.Duration defaultTtl, java.time.Duration staleWhileRevalidate,
                        int maxVariants) {
        public Cache {
            if (maxBytes < 1 || maxEntryBytes < 0 || maxEntryBytes > maxBytes || maxVariants < 1 || defaultTtl.isNegative()
                    || staleWhileRevalidate.isNegative()) {
                throw new IllegalArgumentException("cache: max-bytes " + maxBytes + ", max-entry-bytes " + maxEntryBytes
                        + ", max-variants " + maxVariants + " (expected: >= 1, 0..max-bytes, >= 1)");
            }
        }
    }

    /** What an aggregation does when one call fails (error status, timeout, no backend, not JSON). */
    public enum OnCallFailure { OMIT, FAIL, DEFAULT }

    /**
     * One upstream call of an aggregation.
     *
     * @param name        the name the template refers to ({@code $name})
     * @param pool        the pool it goes to
     * @param target      path and query, with the route's {@code {variables}}
     * @param timeout     its own deadline
     * @param onFailure   omit its references, fail the whole request, or use {@code defaultJson}
     * @param defaultJson the JSON used instead when it fails under {@link OnCallFailure#DEFAULT}, else null
     */
    public record AggregateCall(String name, String pool, String target, java.time.Duration timeout, OnCallFailure onFailure,
                                String defaultJson) {
        public AggregateCall {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(pool, "pool");
            Objects.requireNonNull(target, "target");
            Objects.requireNonNull(timeout, "timeout");
            Objects.requireNonNull(onFailure, "onFailure");
        }
    }

    /**
     * A route that answers GET by calling several upstreams in parallel and merging their JSON.
     *
     * @param calls    the calls, in file order
     * @param template the answer's shape: a tree of maps ({@code Map<String, Object>}), lists and strings, where a
     *                 string {@code $call} or {@code $call.field.sub} is replaced by (part of) that call's JSON
     * @param maxBody  longest body read from one call
     */
    public record Aggregate(List<AggregateCall> calls, Object template, long maxBody) {
        public Aggregate {
            calls = List.copyOf(calls);
            Objects.requireNonNull(template, "template");
            if (calls.isEmpty()) {
                throw new IllegalArgumentException("an aggregation needs at least one call");
            }
        }
    }
}
