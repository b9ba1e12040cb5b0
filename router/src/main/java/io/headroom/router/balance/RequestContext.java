package io.headroom.router.balance;

/**
 * What a balancer may look at to pick a backend. Round robin ignores it; ring hash and Maglev use {@link #hash()}.
 *
 * @param route  route name
 * @param path   raw request path
 * @param hash   64-bit hash of the pool's hash key (header, cookie or client IP), when {@code hashed}
 * @param hashed whether the request carried the hash key; hash balancers pick at random when it did not
 */
public record RequestContext(String route, String path, long hash, boolean hashed) {
    /** For callers that have nothing to say about the request. */
    public static final RequestContext NONE = new RequestContext("", "/");

    /** A context without a hash key. */
    public RequestContext(String route, String path) {
        this(route, path, 0, false);
    }

    /** A context whose hash key is {@code key}'s {@link Hashing#hash64}. */
    public static RequestContext hashed(String route, String path, CharSequence key) {
        return new RequestContext(route, path, Hashing.hash64(key), true);
    }
}
