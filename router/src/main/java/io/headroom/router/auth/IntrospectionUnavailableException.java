package io.headroom.router.auth;

/**
 * The introspection endpoint gave no verdict in time (down, slow, refusing the gateway's credentials, or answering
 * something that is not an RFC 7662 response). The request fails closed: 503 or 401, as configured.
 */
public final class IntrospectionUnavailableException extends Exception {
    public IntrospectionUnavailableException(String message) {
        super(message, null, false, false);
    }
}
