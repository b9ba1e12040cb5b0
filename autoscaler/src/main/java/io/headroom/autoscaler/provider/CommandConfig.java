package io.headroom.autoscaler.provider;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * Settings of a {@link CommandProvider}.
 *
 * @param command    the executable and its arguments (no shell: name {@code /bin/sh -c ...} if you want one)
 * @param timeout    how long one run may take before it is killed and the action fails
 * @param workingDir where it runs; null: this process's working directory
 */
public record CommandConfig(List<String> command, Duration timeout, Path workingDir) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public CommandConfig {
        command = List.copyOf(command);
        Objects.requireNonNull(timeout, "timeout");
        if (command.isEmpty() || command.getFirst().isBlank()) {
            throw new IllegalArgumentException("command: empty (expected: an executable and its arguments)");
        }
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: > 0)");
        }
    }
}
