package io.headroom.router.proxy;

import io.headroom.router.aggregate.Aggregator;
import io.headroom.router.auth.Authenticator;
import io.headroom.router.cache.ResponseCache;
import io.headroom.router.config.AuthConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.limit.RouteLimiter;
import io.headroom.router.transform.HeaderTransform;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

import java.util.Locale;
import java.util.TreeSet;

/**
 * What a route requires before a request is forwarded (credentials and scopes, rate limits and quotas) and how its
 * headers change on the way.
 *
 * @param auth          required credentials and scopes, or null for none
 * @param authenticator checks credentials (shared by every route), or null when {@code auth} is null
 * @param apiKeyHeader  the API key header, or null
 * @param strip         lower-case names of request headers not forwarded as they came: credential headers (when the
 *                      route checks them) and the transformation's drops (removed, set, renamed, identity headers)
 * @param limits        the rate limits that apply, or null for none
 * @param transform     header changes ({@link HeaderTransform#NONE}: none)
 * @param cache         the route's response cache, or null
 * @param aggregator    answers by fanning out to several calls instead of forwarding, or null
 * @param grpc          answers by a gRPC call (JSON translation or passthrough) instead of forwarding, or null
 */
public record RoutePolicy(RouteConfig.Auth auth, Authenticator authenticator, HeaderName apiKeyHeader, String[] strip,
                          RouteLimiter limits, HeaderTransform transform, ResponseCache cache, Aggregator aggregator,
                          io.headroom.router.grpc.GrpcRoute grpc) {
    /** No auth, no limits. */
    public static final RoutePolicy OPEN = new RoutePolicy(null, null, null, new String[0], null, HeaderTransform.NONE, null, null);

    /** Without gRPC. */
    public RoutePolicy(RouteConfig.Auth auth, Authenticator authenticator, HeaderName apiKeyHeader, String[] strip,
                       RouteLimiter limits, HeaderTransform transform, ResponseCache cache, Aggregator aggregator) {
        this(auth, authenticator, apiKeyHeader, strip, limits, transform, cache, aggregator, null);
    }

    /** This policy, answering through {@code aggregator} instead of forwarding. */
    public RoutePolicy withAggregator(Aggregator aggregator) {
        return new RoutePolicy(auth, authenticator, apiKeyHeader, strip, limits, transform, cache, aggregator, grpc);
    }

    /** This policy, answering by gRPC calls instead of forwarding. */
    public RoutePolicy withGrpc(io.headroom.router.grpc.GrpcRoute grpc) {
        return new RoutePolicy(auth, authenticator, apiKeyHeader, strip, limits, transform, cache, aggregator, grpc);
    }

    /**
     * Everything a route's config asks for besides forwarding: auth, limits, header changes, response cache.
     *
     * @param identityHeaders {@code router.auth.identity-headers}
     */
    public static RoutePolicy of(RouteConfig route, Authenticator authenticator, RouteLimiter limits,
                                 AuthConfig.IdentityHeaders identityHeaders) {
        return of(route, authenticator, limits, identityHeaders, null);
    }

    /**
     * As {@link #of(RouteConfig, Authenticator, RouteLimiter, AuthConfig.IdentityHeaders)}, with the client certificate
     * headers of {@code router.tls} (null without client certificates).
     */
    public static RoutePolicy of(RouteConfig route, Authenticator authenticator, RouteLimiter limits,
                                 AuthConfig.IdentityHeaders identityHeaders, io.headroom.router.config.TlsConfig.ClientCertificates client) {
        RoutePolicy p = of(route.auth(), authenticator, limits, HeaderTransform.of(route.transform(), identityHeaders, client));
        if (route.cache() == null) {
            return p;
        }
        return new RoutePolicy(p.auth, p.authenticator, p.apiKeyHeader, p.strip, p.limits, p.transform,
                new ResponseCache(route.cache(), identityHeaders, route.auth() != null, p.transform), null);
    }

    /** The policy of a route; credentials are stripped whenever the route checks them. */
    public static RoutePolicy of(RouteConfig.Auth auth, Authenticator authenticator, RouteLimiter limits) {
        return of(auth, authenticator, limits, HeaderTransform.NONE);
    }

    /** As {@link #of(RouteConfig.Auth, Authenticator, RouteLimiter)}, with header changes. */
    public static RoutePolicy of(RouteConfig.Auth auth, Authenticator authenticator, RouteLimiter limits, HeaderTransform transform) {
        TreeSet<String> strip = new TreeSet<>(java.util.List.of(transform.requestDrops()));
        if (auth == null) {
            return new RoutePolicy(null, null, null, strip.toArray(new String[0]), limits, transform, null, null);
        }
        String key = authenticator.apiKeyHeader();
        strip.add("authorization");
        if (key != null) {
            strip.add(key.toLowerCase(Locale.ROOT));
        }
        return new RoutePolicy(auth, authenticator, key == null ? null : HeaderNames.create(key), strip.toArray(new String[0]), limits,
                transform, null, null);
    }
}
