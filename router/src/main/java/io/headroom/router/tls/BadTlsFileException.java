package io.headroom.router.tls;

import java.nio.file.Path;
import java.util.Objects;

/** A TLS file ({@code router.tls}) that cannot be put in service: which file, and what is wrong with it. */
public final class BadTlsFileException extends IllegalArgumentException {
    private final transient Path file;
    private final String problem;

    public BadTlsFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** The file at fault. */
    public Path file() {
        return file;
    }

    /** What is wrong with it, without the path. */
    public String problem() {
        return problem;
    }
}
