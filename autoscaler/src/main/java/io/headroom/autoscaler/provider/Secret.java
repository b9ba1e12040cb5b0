package io.headroom.autoscaler.provider;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.logging.Logger;

/**
 * A secret read from an environment variable or a file, never from the YAML. {@link #toString()} names where it
 * came from, never the value, so it is safe in logs and exception messages.
 */
public final class Secret {
    private static final Logger LOG = Logger.getLogger(Secret.class.getName());

    private final byte[] value;
    private final String origin;

    private Secret(byte[] value, String origin) {
        this.value = value;
        this.origin = origin;
    }

    /** For tests and programmatic use. */
    public static Secret of(String value, String origin) {
        Objects.requireNonNull(value, "value");
        if (value.isEmpty()) {
            throw new IllegalArgumentException("empty secret from " + origin);
        }
        return new Secret(value.getBytes(StandardCharsets.UTF_8), origin);
    }

    /** The value of environment variable {@code name}; fails when it is unset or empty. */
    public static Secret fromEnv(String name, Function<String, String> env) {
        String v = env.apply(name);
        if (v == null || v.isEmpty()) {
            throw new IllegalArgumentException("environment variable " + name + " is not set or empty");
        }
        return of(v, "environment variable " + name);
    }

    /** The content of {@code file}, trailing line breaks removed; warns when other users may read it. */
    public static Secret fromFile(Path file) throws IOException {
        String v = Files.readString(file, StandardCharsets.UTF_8).replaceAll("[\\r\\n]+$", "");
        if (v.isEmpty()) {
            throw new IOException("secret file " + file + " is empty");
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
            if (perms.contains(PosixFilePermission.OTHERS_READ)) {
                LOG.warning("secret file " + file + " is readable by every user; chmod 600 it");
            }
        } catch (UnsupportedOperationException e) {
            // not a POSIX file system
        }
        return of(v, "file " + file);
    }

    /** A copy of the bytes. */
    public byte[] bytes() {
        return Arrays.copyOf(value, value.length);
    }

    public String origin() {
        return origin;
    }

    @Override
    public String toString() {
        return "Secret[from " + origin + "]";
    }
}
