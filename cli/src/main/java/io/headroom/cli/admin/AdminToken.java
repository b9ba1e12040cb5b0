package io.headroom.cli.admin;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The admin bearer token. Only its SHA-256 digest is kept, and a presented token is compared digest to digest with
 * {@link MessageDigest#isEqual} (constant time, and equal-length inputs so the length of the token does not leak
 * either). {@link #toString()} never shows the value.
 */
public final class AdminToken {
    /** Shorter tokens are refused at start: guessable. */
    public static final int MIN_LENGTH = 16;

    private final byte[] digest;
    private final String source;

    /**
     * @param value  the token
     * @param source where it came from, for logs ("file /run/secrets/x", "environment variable X")
     */
    public AdminToken(String value, String source) {
        this.digest = sha256(value);
        this.source = source;
    }

    /** Whether {@code presented} is the token; constant time in the token's content. */
    public boolean matches(String presented) {
        return presented != null && MessageDigest.isEqual(digest, sha256(presented));
    }

    public String source() {
        return source;
    }

    static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    @Override
    public String toString() {
        return "AdminToken[from " + source + "]";
    }
}
