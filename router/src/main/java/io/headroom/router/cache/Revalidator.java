package io.headroom.router.cache;

import io.headroom.router.control.PoolState;
import io.headroom.router.route.UpstreamFetch;
import io.headroom.time.Ticker;

/** One background request of a stale-while-revalidate refresh, within the pool's request timeout. */
final class Revalidator {
    /**
     * @param status  the backend's status
     * @param headers its headers, name/value pairs
     * @param body    its body, or null when it exceeded the limit
     */
    record Result(int status, String[] headers, byte[] body) {
    }

    private Revalidator() {
    }

    /** Sends the request and reads the answer; null when no backend could be asked or the exchange failed. */
    static Result fetch(PoolState pool, String method, String target, String[] headers, long maxBody, Ticker ticker) {
        UpstreamFetch.Result r = UpstreamFetch.fetch(pool, method, target, headers, maxBody, ticker.read() + pool.requestTimeoutNanos(),
                ticker);
        return r.ok() ? new Result(r.status(), r.headers(), r.body()) : null;
    }
}
