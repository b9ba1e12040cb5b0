package io.headroom.router.proxy;

import io.headroom.router.lane.UriChars;

import io.helidon.http.DirectHandler;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.RequestException;
import io.helidon.http.WritableHeaders;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.DirectTransportRequest;
import io.helidon.webserver.http1.Http1Connection;
import io.helidon.webserver.http1.Http1ConnectionListener;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;

/**
 * Helidon 4.5.0's request path and {@code Host} checks ({@code validate-path}, {@code validate-request-host-header}),
 * with the same answers at a fraction of the cost: the router turns Helidon's off and registers this as a receive
 * listener of the HTTP/1.1 codec, which calls it at the same point of the same request loop, before routing and
 * before any protocol upgrade (WebSocket, h2c).
 *
 * <p>Helidon checks every path with {@code URI.create(path).normalize()} and every {@code Host} with a list, two
 * substrings, {@code Integer.parseInt} and an IPv4 regular expression (about 0.3 µs and 400 bytes a request; JMH
 * {@code RequestValidationBenchmark}). Here one scan accepts the common case: a path of RFC 3986 {@code pchar}s and
 * {@code /} (no {@code ;}, which Helidon treats as matrix parameters) with well-formed {@code %XX} escapes, and one
 * {@code Host} of unreserved characters with an optional port of 1 to 9 digits. Both are subsets of what Helidon
 * accepts. Anything else, valid or not, goes through Helidon's own code ({@code UriPath.validate}, and
 * {@code Http1Connection.validateHostHeader} by a method handle), so a refusal carries Helidon's exception, status,
 * message and closed connection, as before. {@code RequestChecksTest} proves the subsets against Helidon's checks.
 *
 * <p>HTTP/2 requests are not HTTP/1.1 codec requests: Helidon's HTTP/2 checks are unchanged.
 *
 * <p>It must be the codec's only receive listener: Helidon 4.5.0 calls none of the methods of a list of receive
 * listeners (its {@code Http1ConnectionListenerUtil.ListFrameListener} implements none), so another listener (the
 * {@link HeaderReadDeadline}) is called from here, before the checks.
 */
public final class RequestChecks implements Http1ConnectionListener {
    private static final MethodHandle HELIDON_HOST_CHECK;
    /** The request being checked, from {@link #prologue} to {@link #headers}, on the connection's thread (for refusals). */
    private static final ThreadLocal<HttpPrologue> PROLOGUE = new ThreadLocal<>();

    static {
        try {
            MethodHandles.Lookup helidon = MethodHandles.privateLookupIn(Http1Connection.class, MethodHandles.lookup());
            HELIDON_HOST_CHECK = helidon.findStatic(Http1Connection.class, "validateHostHeader",
                    MethodType.methodType(void.class, HttpPrologue.class, WritableHeaders.class, boolean.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError("Helidon's Http1Connection.validateHostHeader(HttpPrologue, WritableHeaders, "
                    + "boolean) is not there (a Helidon other than 4.5.x?): the router's Host check needs it for refusals: " + e);
        }
    }

    /** Called before the checks, or null. */
    private final Http1ConnectionListener also;

    /** The checks alone. */
    public RequestChecks() {
        this(null);
    }

    /** The checks, after {@code also} (null for none) has seen each prologue, header block and data read. */
    public RequestChecks(Http1ConnectionListener also) {
        this.also = also;
    }

    @Override
    public void data(ConnectionContext ctx, io.helidon.common.buffers.BufferData data) {
        if (also != null) {
            also.data(ctx, data);
        }
    }

    @Override
    public void data(ConnectionContext ctx, byte[] bytes, int offset, int length) {
        if (also != null) {
            also.data(ctx, bytes, offset, length);
        }
    }

    @Override
    public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        if (also != null) {
            also.prologue(ctx, prologue);
        }
        PROLOGUE.set(prologue);
        if (!plainPath(prologue.uriPath().rawPath())) {
            checkPathAsHelidon(prologue);
        }
    }

    @Override
    public void headers(ConnectionContext ctx, Headers headers) {
        if (also != null) {
            also.headers(ctx, headers);
        }
        if (headers.contains(HeaderNames.HOST)) {
            Header host = headers.get(HeaderNames.HOST);
            if (host.valueCount() == 1 && plainHost(host.get())) {
                return;
            }
        }
        checkHostAsHelidon(PROLOGUE.get(), headers);
    }

    /** Whether {@code path} is one the scan accepts: {@code /} first, not {@code //}, pchars and {@code /}, good escapes. */
    static boolean plainPath(String path) {
        int n = path.length();
        if (n == 0 || path.charAt(0) != '/' || (n > 1 && path.charAt(1) == '/')) {
            return false;
        }
        for (int i = 1; i < n; i++) {
            char c = path.charAt(i);
            if (UriChars.path(c)) {
                continue;
            }
            if (c == '%' && i + 2 < n && UriChars.hex(path.charAt(i + 1)) && UriChars.hex(path.charAt(i + 2))) {
                i += 2;
                continue;
            }
            return false;
        }
        return true;
    }

    /** Whether {@code host} is {@code reg-name-or-IPv4 [":" port]} of unreserved characters and a 1-9 digit port. */
    static boolean plainHost(String host) {
        int n = host.length();
        int i = 0;
        while (i < n) {
            char c = host.charAt(i);
            if (UriChars.unreserved(c)) {
                i++;
            } else {
                break;
            }
        }
        if (i == 0) {
            return false; // empty, or no host before the colon
        }
        if (i == n) {
            return true;
        }
        if (host.charAt(i) != ':') {
            return false;
        }
        int digits = n - i - 1;
        if (digits < 1 || digits > 9) {
            return false;
        }
        for (int k = i + 1; k < n; k++) {
            char c = host.charAt(k);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    /** Helidon's {@code validate-path}, as {@code Http1Prologue} runs it and with the refusal it throws. */
    static void checkPathAsHelidon(HttpPrologue prologue) {
        try {
            prologue.uriPath().validate();
        } catch (IllegalArgumentException e) {
            throw RequestException.builder()
                    .type(DirectHandler.EventType.BAD_REQUEST)
                    .request(DirectTransportRequest.create("HTTP/1.1", prologue.method().text(), target(prologue)))
                    .message("Invalid path: " + e.getMessage())
                    .safeMessage(false)
                    .build();
        }
    }

    /** Helidon's {@code validate-request-host-header}: its own code, so a refusal is its own. */
    static void checkHostAsHelidon(HttpPrologue prologue, Headers headers) {
        try {
            HELIDON_HOST_CHECK.invokeExact(prologue, (WritableHeaders) headers, true);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t); // the method declares no checked exception
        }
    }

    /** The request target as the client sent it (path, query, fragment), for the refusal's description. */
    private static String target(HttpPrologue prologue) {
        String target = prologue.uriPath().rawPath();
        if (prologue.query() != null && !prologue.query().rawValue().isEmpty()) {
            target = target + "?" + prologue.query().rawValue();
        }
        if (prologue.fragment() != null && prologue.fragment().hasValue()) {
            target = target + "#" + prologue.fragment().rawValue();
        }
        return target;
    }
}
