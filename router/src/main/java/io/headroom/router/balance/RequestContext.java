package io.headroom.router.balance;

/**
 * What a balancer may look at to pick a backend. Round robin ignores it; sticky or hash-based balancers use it.
 *
 * @param route route name
 * @param path  raw request path
 */
public record RequestContext(String route, String path) {
    /** For callers that have nothing to say about the request. */
    public static final RequestContext NONE = new RequestContext("", "/");
}
