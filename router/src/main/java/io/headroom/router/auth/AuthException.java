package io.headroom.router.auth;

/** A credential that was presented but is not acceptable; the message says why (and never contains the credential). */
public final class AuthException extends Exception {
    public AuthException(String message) {
        super(message, null, false, false);
    }
}
