package io.headroom.router.auth;

import java.util.Objects;
import java.util.Set;

/**
 * Who made a request, as far as the gateway knows.
 *
 * @param consumer consumer id (from the API key's entry or the JWT's consumer claim); {@link #ANONYMOUS_ID} if none
 * @param scopes   scopes the credential grants
 * @param method   {@code api-key}, {@code jwt} or {@code none}
 */
public record Identity(String consumer, Set<String> scopes, String method) {
    public static final String ANONYMOUS_ID = "anonymous";
    public static final Identity ANONYMOUS = new Identity(ANONYMOUS_ID, Set.of(), "none");

    public Identity {
        Objects.requireNonNull(consumer, "consumer");
        scopes = Set.copyOf(scopes);
        Objects.requireNonNull(method, "method");
    }
}
