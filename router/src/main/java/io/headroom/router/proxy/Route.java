package io.headroom.router.proxy;

import io.headroom.router.control.PoolState;
import io.headroom.router.telemetry.RouteTelemetry;

/**
 * A route resolved against its pool and telemetry cell.
 *
 * @param name      route name
 * @param prefix    path prefix
 * @param pool      the pool it forwards to
 * @param telemetry where its requests are counted
 */
public record Route(String name, String prefix, PoolState pool, RouteTelemetry telemetry) {
}
