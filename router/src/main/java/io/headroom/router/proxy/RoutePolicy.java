package io.headroom.router.proxy;

import io.headroom.router.auth.Authenticator;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.limit.RouteLimiter;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;

import java.util.Locale;

/**
 * What a route requires before a request is forwarded: credentials and scopes, and rate limits.
 *
 * @param auth          required credentials and scopes, or null for none
 * @param authenticator checks credentials (shared by every route), or null when {@code auth} is null
 * @param apiKeyHeader  the API key header, or null
 * @param strip         lower-case names of credential headers removed before forwarding (empty when {@code auth} is null)
 * @param limits        the rate limits that apply, or null for none
 */
public record RoutePolicy(RouteConfig.Auth auth, Authenticator authenticator, HeaderName apiKeyHeader, String[] strip,
                          RouteLimiter limits) {
    /** No auth, no limits. */
    public static final RoutePolicy OPEN = new RoutePolicy(null, null, null, new String[0], null);

    /** The policy of a route; credentials are stripped whenever the route checks them. */
    public static RoutePolicy of(RouteConfig.Auth auth, Authenticator authenticator, RouteLimiter limits) {
        if (auth == null) {
            return new RoutePolicy(null, null, null, new String[0], limits);
        }
        String key = authenticator.apiKeyHeader();
        String[] strip = key == null ? new String[]{"authorization"}
                : new String[]{"authorization", key.toLowerCase(Locale.ROOT)};
        return new RoutePolicy(auth, authenticator, key == null ? null : HeaderNames.create(key), strip, limits);
    }
}
