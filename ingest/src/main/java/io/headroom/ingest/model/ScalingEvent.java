package io.headroom.ingest.model;

import java.util.Objects;

/**
 * An audit record of something the autoscaler did or decided (or, with {@link Action#QUOTA}, a quota change of the
 * predictor's), published to {@code headroom.events}.
 *
 * @param pool        pool name (the Kafka key)
 * @param atMillis    when it happened (epoch ms)
 * @param action      what happened
 * @param instance    instance concerned (address or provider id), or {@code ""} for pool-level decisions
 * @param desired     desired instances after the decision
 * @param ready       ready instances at that moment
 * @param reason      why
 */
public record ScalingEvent(String pool, long atMillis, Action action, String instance, int desired, int ready, String reason) {

    public enum Action {
        /** A scale decision was taken (desired changed). */
        DECIDED,
        /** An instance was asked to start. */
        STARTING,
        /** An instance passed its health check and joined the pool. */
        READY,
        /** An instance left the pool and is draining. */
        DRAINING,
        /** An instance was stopped. */
        STOPPED,
        /** A provider call failed. */
        FAILED,
        /** An intent was seen but held back (cooldown, bounds, dry run, kill switch). */
        HELD,
        /**
         * The predictor tightened or loosened a consumer tier's rate limits ahead of a forecast: {@code instance} is
         * {@code tier:NAME}, {@code desired} the percentage of the configured limits now in force, {@code ready} -1.
         */
        QUOTA
    }

    public ScalingEvent {
        Objects.requireNonNull(pool, "pool");
        Objects.requireNonNull(action, "action");
        Objects.requireNonNull(instance, "instance");
        Objects.requireNonNull(reason, "reason");
    }
}
