package io.headroom.router.proxy;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;

import java.util.function.Predicate;

/**
 * Answers for requests Helidon's HTTP/1.1 codec refuses before the proxy runs. Helidon 4.5.0 answers every
 * malformed head with 400; a head over {@code max-header-size} gets 431 here instead (RFC 6585), so clients can tell
 * "too big" from "broken". A request line whose method is not a token ({@code Connection: close} where a request
 * line should be, as a client that gets its own framing wrong sends) makes Helidon 4.5.0 throw from
 * {@code Method.create} and answer 500 "Internal error" with no request parsed yet; an internal error before a request
 * line was read can only come from reading the client's bytes, so it gets 400 here (found by HeaderFuzzHttpTest).
 * Everything else keeps Helidon's default answer. Runs only on refused requests.
 */
public final class CodecErrors implements DirectHandler {
    private static final Status HEADERS_TOO_LARGE = Status.create(431, "Request Header Fields Too Large");
    private final DirectHandler fallback = DirectHandler.defaultHandler();

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, Throwable thrown, System.Logger logger) {
        if (eventType == EventType.BAD_REQUEST && headersTooLarge(thrown)) {
            return headersTooLarge(responseHeaders);
        }
        if (eventType == EventType.INTERNAL_ERROR && (malformedToken(thrown) || request.method().isEmpty())) {
            return malformedRequestLine(responseHeaders);
        }
        return fallback.handle(request, eventType, defaultStatus, responseHeaders, thrown, logger);
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, Throwable thrown) {
        return handle(request, eventType, defaultStatus, responseHeaders, thrown, System.getLogger(CodecErrors.class.getName()));
    }

    /** Helidon's header parser throws {@code IllegalStateException("Header size exceeded")}, possibly wrapped. */
    private static boolean headersTooLarge(Throwable t) {
        return anyCause(t, c -> c.getMessage() != null && c.getMessage().contains("Header size exceeded"));
    }

    /** Helidon's token check ({@code HttpToken.validate}) throws {@code IllegalArgumentException("Token contains illegal character ...")}. */
    private static boolean malformedToken(Throwable t) {
        return anyCause(t, c -> c instanceof IllegalArgumentException && c.getMessage() != null
                && c.getMessage().startsWith("Token contains illegal character"));
    }

    /** Whether {@code t} or one of its first causes (8 at most) matches. */
    private static boolean anyCause(Throwable t, Predicate<Throwable> matches) {
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (matches.test(t)) {
                return true;
            }
        }
        return false;
    }

    private static TransportResponse malformedRequestLine(ServerResponseHeaders responseHeaders) {
        return jsonError(Status.BAD_REQUEST_400, responseHeaders, "bad_request", "malformed request line (the method is not an HTTP token)");
    }

    private static TransportResponse headersTooLarge(ServerResponseHeaders responseHeaders) {
        return jsonError(HEADERS_TOO_LARGE, responseHeaders, "headers_too_large", "the request headers exceed max-header-size");
    }

    /** A JSON error answer that closes the connection. */
    private static TransportResponse jsonError(Status status, ServerResponseHeaders responseHeaders, String error, String message) {
        return TransportResponse.builder()
                .status(status)
                .headers(responseHeaders)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .keepAlive(false)
                .entity(ErrorBody.json(error, message))
                .build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, String message) {
        if (eventType == EventType.INTERNAL_ERROR && request.method().isEmpty()) {
            return malformedRequestLine(responseHeaders); // Helidon passes no cause here: nothing was parsed yet
        }
        if (eventType == EventType.BAD_REQUEST && message != null && message.contains("Header size exceeded")) {
            return headersTooLarge(responseHeaders);
        }
        return fallback.handle(request, eventType, defaultStatus, responseHeaders, message);
    }
}
