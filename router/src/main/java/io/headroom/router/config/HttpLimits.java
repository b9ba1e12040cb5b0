package io.headroom.router.config;

import java.time.Duration;

/**
 * Limits on what a client may send, applied by Helidon's HTTP/1.1 listener before the proxy sees the request.
 *
 * @param maxRequestBody   bytes of request body (Content-Length or chunked); over it the answer is 413; -1 = unlimited
 * @param maxHeaderSize    bytes of all request headers together; over it the answer is 431 ({@code CodecErrors})
 * @param maxRequestLine   bytes of the request line (method, target, version); over it the answer is 414 or 400
 * @param clientIdleTimeout Helidon's idle-connection sweep closes a client connection idle this long (checked every
 *                         half of it). Helidon 4.5.0 has no header-read deadline: a client that stops in the middle
 *                         of its headers or body is not cut by this (docs/router.md, hostile input)
 * @param headerReadTimeout a connection whose headers have not all arrived this long after its request line is
 *                         closed (slowloris); zero = off (the default: it costs a map put and remove per request)
 * @param lane             {@code lane:} whether the router's own HTTP/1.1 lane serves plain bodiless requests before
 *                         Helidon's codec (on by default; docs/router.md, "The lane"). The system property
 *                         {@code headroom.lane=off} turns it off whatever the file says (A/B runs)
 */
public record HttpLimits(long maxRequestBody, int maxHeaderSize, int maxRequestLine, Duration clientIdleTimeout,
                         Duration headerReadTimeout, boolean lane) {
    public static final long DEFAULT_MAX_REQUEST_BODY = 10L * 1024 * 1024;
    public static final int DEFAULT_MAX_HEADER_SIZE = 16 * 1024;
    public static final int DEFAULT_MAX_REQUEST_LINE = 8 * 1024;
    public static final Duration DEFAULT_CLIENT_IDLE_TIMEOUT = Duration.ofSeconds(30);
    public static final HttpLimits DEFAULT = new HttpLimits(DEFAULT_MAX_REQUEST_BODY, DEFAULT_MAX_HEADER_SIZE,
            DEFAULT_MAX_REQUEST_LINE, DEFAULT_CLIENT_IDLE_TIMEOUT, Duration.ZERO, true);

    /** With the lane on. */
    public HttpLimits(long maxRequestBody, int maxHeaderSize, int maxRequestLine, Duration clientIdleTimeout,
                      Duration headerReadTimeout) {
        this(maxRequestBody, maxHeaderSize, maxRequestLine, clientIdleTimeout, headerReadTimeout, true);
    }

    /** Whether the lane runs: configured on, and not turned off by {@code -Dheadroom.lane=off}. */
    public boolean laneOn() {
        return lane && !"off".equalsIgnoreCase(System.getProperty("headroom.lane", "on"));
    }

    public HttpLimits {
        if (maxRequestBody < -1 || maxHeaderSize < 256 || maxRequestLine < 64 || clientIdleTimeout.isNegative() || clientIdleTimeout.isZero()
                || headerReadTimeout.isNegative()) {
            throw new IllegalArgumentException("bad HTTP limits: body " + maxRequestBody + ", headers " + maxHeaderSize
                    + ", request line " + maxRequestLine + ", client idle timeout " + clientIdleTimeout + ", header read timeout "
                    + headerReadTimeout);
        }
    }
}
