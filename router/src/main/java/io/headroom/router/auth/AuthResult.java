package io.headroom.router.auth;

import java.util.List;

/**
 * The outcome of checking a request's credentials: an identity, or a refusal to send as it is.
 *
 * @param identity  who it is, when accepted; null when refused
 * @param status    401 or 403 when refused; 0 when accepted
 * @param challenges values of {@code WWW-Authenticate} (one per accepted scheme)
 * @param error     short machine-readable reason ({@code missing_credentials}, {@code invalid_token}, ...)
 * @param detail    what was wrong, for the JSON error body (never echoes the credential)
 */
public record AuthResult(Identity identity, int status, List<String> challenges, String error, String detail) {
    public static AuthResult accepted(Identity identity) {
        return new AuthResult(identity, 0, List.of(), null, null);
    }

    public boolean ok() {
        return identity != null;
    }
}
