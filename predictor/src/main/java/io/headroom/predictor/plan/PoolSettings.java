package io.headroom.predictor.plan;

/**
 * Capacity settings of one pool.
 *
 * @param name                 pool name
 * @param capacityPerInstance  req/s one instance serves at 100 %
 * @param targetUtilisation    fraction of that capacity to plan for, in (0, 1]
 */
public record PoolSettings(String name, double capacityPerInstance, double targetUtilisation) {
    public PoolSettings {
        if (!(capacityPerInstance > 0) || !(targetUtilisation > 0 && targetUtilisation <= 1)) {
            throw new IllegalArgumentException("pool " + name + ": capacity-per-instance " + capacityPerInstance + ", target-utilisation "
                    + targetUtilisation + " (expected: capacity > 0, 0 < utilisation <= 1)");
        }
    }

    /** Req/s one instance should carry: capacity × target utilisation. */
    public double plannedPerInstance() {
        return capacityPerInstance * targetUtilisation;
    }
}
