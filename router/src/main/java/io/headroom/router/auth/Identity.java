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

    /**
     * The scopes in a {@code scope}-style claim: a space-separated string (RFC 6749, RFC 7662) or a JSON array of
     * strings; anything else grants none.
     */
    static Set<String> scopesOf(Object claim) {
        java.util.Set<String> out = new java.util.HashSet<>();
        if (claim instanceof String s) {
            for (String p : s.split(" ")) {
                if (!p.isEmpty()) {
                    out.add(p);
                }
            }
        } else if (claim instanceof java.util.List<?> l) {
            for (Object o : l) {
                if (o instanceof String s && !s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }
}
