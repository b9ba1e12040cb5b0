package io.headroom.router.proxy;

import io.helidon.http.DirectHandler;
import io.helidon.http.HeaderNames;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.http.Status;

/**
 * Answers for requests Helidon's HTTP/1.1 codec refuses before the proxy runs. Helidon 4.5.0 answers every
 * malformed head with 400; a head over {@code max-header-size} gets 431 here instead (RFC 6585), so clients can tell
 * "too big" from "broken". Everything else keeps Helidon's default answer. Runs only on refused requests.
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
        return fallback.handle(request, eventType, defaultStatus, responseHeaders, thrown, logger);
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, Throwable thrown) {
        return handle(request, eventType, defaultStatus, responseHeaders, thrown, System.getLogger(CodecErrors.class.getName()));
    }

    /** Helidon's header parser throws {@code IllegalStateException("Header size exceeded")}, possibly wrapped. */
    private static boolean headersTooLarge(Throwable t) {
        for (int depth = 0; t != null && depth < 8; depth++, t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("Header size exceeded")) {
                return true;
            }
        }
        return false;
    }

    private static TransportResponse headersTooLarge(ServerResponseHeaders responseHeaders) {
        return TransportResponse.builder()
                .status(HEADERS_TOO_LARGE)
                .headers(responseHeaders)
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .keepAlive(false)
                .entity(ErrorBody.json("headers_too_large", "the request headers exceed max-header-size"))
                .build();
    }

    @Override
    public TransportResponse handle(TransportRequest request, EventType eventType, Status defaultStatus,
                                    ServerResponseHeaders responseHeaders, String message) {
        if (eventType == EventType.BAD_REQUEST && message != null && message.contains("Header size exceeded")) {
            return TransportResponse.builder()
                    .status(HEADERS_TOO_LARGE)
                    .headers(responseHeaders)
                    .header(HeaderNames.CONTENT_TYPE, "application/json")
                    .keepAlive(false)
                    .entity(ErrorBody.json("headers_too_large", "the request headers exceed max-header-size"))
                    .build();
        }
        return fallback.handle(request, eventType, defaultStatus, responseHeaders, message);
    }
}
