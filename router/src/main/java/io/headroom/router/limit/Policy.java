package io.headroom.router.limit;

import io.headroom.router.config.RouteConfig;

/**
 * One rate limit as the limiter uses it: GCRA parameters and its {@code RateLimit-Policy} item, built once.
 *
 * @param name      policy name in the headers: {@code consumer}, {@code route} or {@code route-consumer}
 * @param perSecond sustained rate
 * @param burst     requests admitted at once from idle
 * @param emission  T = 1/rate in nanoseconds
 * @param capacity  B × T in nanoseconds
 * @param header    {@code "name";q=B;w=W} with W = seconds to refill the whole burst
 */
public record Policy(String name, double perSecond, long burst, long emission, long capacity, String header) {
    private static final long NEVER = Long.MAX_VALUE / 4;

    public static Policy of(String name, double perSecond, long burst) {
        long emission = perSecond > 0 ? Math.max(1, Math.round(1e9 / perSecond)) : NEVER;
        long b = Math.max(1, burst);
        long capacity = emission >= NEVER / b ? NEVER : emission * b;
        long window = perSecond > 0 ? Math.max(1, (long) Math.ceil(b / perSecond)) : 0;
        return new Policy(name, perSecond, b, emission, capacity, "\"" + name + "\";q=" + b + ";w=" + window);
    }

    public static Policy of(String name, RouteConfig.Rate rate) {
        return rate == null ? null : of(name, rate.perSecond(), rate.burst());
    }
}
