package io.headroom.router.config;

import java.util.Locale;

/**
 * What the router does with the forwarding headers ({@code X-Forwarded-For}, {@code X-Forwarded-Proto},
 * {@code X-Forwarded-Host}, {@code Forwarded}) of a request it sends to a member: {@code router.forwarding:}.
 */
public enum Forwarding {
    /**
     * The default: the client's {@code X-Forwarded-For} and {@code Forwarded} are extended with this hop (the client's
     * address, scheme and host); {@code X-Forwarded-Proto} and {@code X-Forwarded-Host} are this hop's. For a router
     * behind a load balancer or proxy that writes them.
     */
    APPEND,
    /**
     * Whatever the client sent of the four is dropped and only this hop's are written, so a client cannot put addresses
     * of its choosing in front of its own. For a router that faces clients directly.
     */
    REPLACE,
    /**
     * The router neither adds nor removes them: the client's own pass as they came (what nginx and HAProxy do unless
     * configured to write them).
     */
    OFF;

    /** The configuration's spelling. */
    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code append}, {@code replace} or {@code off} (any case, surrounding blanks ignored); null for anything else. */
    public static Forwarding parse(String s) {
        if (s == null) {
            return null;
        }
        return switch (s.strip().toLowerCase(Locale.ROOT)) {
            case "append" -> APPEND;
            case "replace" -> REPLACE;
            case "off" -> OFF;
            default -> null;
        };
    }
}
