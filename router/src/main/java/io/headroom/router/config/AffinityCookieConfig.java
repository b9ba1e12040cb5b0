package io.headroom.router.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Cookie affinity for a pool that hashes on a cookie ({@code balancer: {type: ring-hash | maglev, hash-on: cookie:NAME}}):
 * {@code affinity-cookie: {name: NAME, ttl: 1h, path: /, http-only: true, same-site: lax, secure: false}}. A request
 * without the cookie gets a fresh random token, is routed by the token's hash, and its response sets the cookie, so
 * the client's next requests land on the same member. The token names no backend: the consistent hash maps it, so
 * removing one of N members moves about 1/N of the clients and a dead member's clients fall over to others.
 *
 * @param name     cookie name (the hash-on cookie)
 * @param ttl      {@code Max-Age}; zero makes a session cookie
 * @param path     {@code Path}
 * @param httpOnly add {@code HttpOnly}
 * @param sameSite {@code Strict}, {@code Lax} or {@code None}, or null to leave it out
 * @param secure   always add {@code Secure} (it is added anyway to answers over TLS)
 */
public record AffinityCookieConfig(String name, Duration ttl, String path, boolean httpOnly, String sameSite, boolean secure) {

    public AffinityCookieConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(path, "path");
        if (name.isEmpty() || !name.matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
            throw new IllegalArgumentException("cookie name '" + name + "' is not a token");
        }
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl: " + ttl + " (expected: >= 0)");
        }
        if (!path.startsWith("/") || path.indexOf(';') >= 0 || path.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
            throw new IllegalArgumentException("path '" + path + "' (expected: starting with /, no ';', spaces or controls)");
        }
        if (sameSite != null) {
            String s = sameSite.toLowerCase(Locale.ROOT);
            sameSite = switch (s) {
                case "strict" -> "Strict";
                case "lax" -> "Lax";
                case "none" -> "None";
                default -> throw new IllegalArgumentException("same-site '" + sameSite + "' (expected: strict, lax or none)");
            };
            if (sameSite.equals("None") && !secure) {
                throw new IllegalArgumentException("same-site none needs secure: browsers drop SameSite=None cookies without Secure");
            }
        }
    }

    /** The attributes after {@code name=value}, e.g. {@code ; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax}. */
    public String attributes() {
        StringBuilder sb = new StringBuilder("; Path=").append(path);
        if (!ttl.isZero()) {
            sb.append("; Max-Age=").append(Math.max(1, ttl.toSeconds()));
        }
        if (httpOnly) {
            sb.append("; HttpOnly");
        }
        if (sameSite != null) {
            sb.append("; SameSite=").append(sameSite);
        }
        if (secure) {
            sb.append("; Secure");
        }
        return sb.toString();
    }
}
