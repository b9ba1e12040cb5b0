package io.headroom.router.proxy;

import io.headroom.router.control.PoolState;
import io.headroom.router.route.Mirror;
import io.headroom.router.route.PathRewriter;
import io.headroom.router.route.RouteMatcher;
import io.headroom.router.route.TrafficSplit;
import io.headroom.router.telemetry.RouteTelemetry;

import java.util.Objects;

/**
 * A route resolved against its pools and telemetry cells: its conditions, path rewrite, weighted split, mirror and
 * (when configured) auth and rate-limit policies.
 */
public final class Route {
    /**
     * One pool a route forwards to, with the telemetry cell of (route, pool).
     *
     * @param pool      the pool
     * @param telemetry where requests sent to it are counted
     */
    public record Target(PoolState pool, RouteTelemetry telemetry) {
    }

    private final String name;
    private final RouteMatcher matcher;
    private final PathRewriter rewriter;
    private final Target primary;
    private final TrafficSplit<Target> split;
    private final Mirror mirror;
    private final RoutePolicy policy;

    /**
     * @param name     route name
     * @param matcher  its conditions
     * @param rewriter its path rewrite
     * @param primary  the first (or only) pool; refusals are counted on its telemetry cell
     * @param split    weighted choice between pools, or null to always use {@code primary}
     * @param mirror   shadow traffic, or null
     * @param policy   auth and rate limits, or {@link RoutePolicy#OPEN}
     */
    public Route(String name, RouteMatcher matcher, PathRewriter rewriter, Target primary, TrafficSplit<Target> split,
                 Mirror mirror, RoutePolicy policy) {
        this.name = Objects.requireNonNull(name, "name");
        this.matcher = Objects.requireNonNull(matcher, "matcher");
        this.rewriter = Objects.requireNonNull(rewriter, "rewriter");
        this.primary = Objects.requireNonNull(primary, "primary");
        this.split = split;
        this.mirror = mirror;
        this.policy = Objects.requireNonNull(policy, "policy");
    }

    public String name() {
        return name;
    }

    public RouteMatcher matcher() {
        return matcher;
    }

    /** The pool for this request: the split's draw, or the primary. */
    public Target pick() {
        return split == null ? primary : split.pick();
    }

    public Target primary() {
        return primary;
    }

    /** The primary pool (as before splits existed). */
    public PoolState pool() {
        return primary.pool();
    }

    /** The primary pool's telemetry cell. */
    public RouteTelemetry telemetry() {
        return primary.telemetry();
    }

    /** The path sent upstream for a request path this route matched. */
    public String upstreamPath(String path) {
        return rewriter.apply(path);
    }

    public Mirror mirror() {
        return mirror;
    }

    public RoutePolicy policy() {
        return policy;
    }

    @Override
    public String toString() {
        return "Route[" + name + "]";
    }
}
