package io.headroom.ingest.model;

import java.util.Objects;

/**
 * What one router instance saw for one route × backend in one window.
 *
 * @param backend      backend address {@code host:port}, or {@code "-"} for requests that never reached one
 *                     (rejected by the gateway, or no healthy backend)
 * @param requests     requests completed in the window (answered by the backend or by the router)
 * @param status2xx    responses 1xx/2xx
 * @param status3xx    responses 3xx
 * @param status4xx    responses 4xx from the backend
 * @param status5xx    responses 5xx from the backend
 * @param errors       failures produced by the router: connect failure, timeout, reset (502/504)
 * @param rejections   requests the router refused itself (429, 503 shedding, no backend)
 * @param bytesIn      request body bytes received from clients
 * @param bytesOut     response body bytes sent to clients
 * @param latency      end-to-end latency of the requests counted here
 */
public record BackendStats(
        String backend,
        long requests,
        long status2xx,
        long status3xx,
        long status4xx,
        long status5xx,
        long errors,
        long rejections,
        long bytesIn,
        long bytesOut,
        LatencyHistogram latency) {

    public BackendStats {
        Objects.requireNonNull(backend, "backend");
        Objects.requireNonNull(latency, "latency");
        if (requests < 0 || status2xx < 0 || status3xx < 0 || status4xx < 0 || status5xx < 0 || errors < 0
                || rejections < 0 || bytesIn < 0 || bytesOut < 0) {
            throw new IllegalArgumentException("negative counter in stats for " + backend);
        }
    }

    /** Requests the backend answered with a non-5xx status: the throughput it really served. */
    public long healthyResponses() {
        return status2xx + status3xx + status4xx;
    }

    public BackendStats merge(BackendStats o) {
        if (!backend.equals(o.backend)) {
            throw new IllegalArgumentException("cannot merge stats of " + backend + " with " + o.backend);
        }
        return new BackendStats(backend, requests + o.requests, status2xx + o.status2xx, status3xx + o.status3xx,
                status4xx + o.status4xx, status5xx + o.status5xx, errors + o.errors, rejections + o.rejections,
                bytesIn + o.bytesIn, bytesOut + o.bytesOut, latency.merge(o.latency));
    }
}
