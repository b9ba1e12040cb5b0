package io.headroom.datasets.catalog;

import java.io.IOException;

/** A download that did not produce a verified file; the message says why and what to do. */
public final class FetchException extends IOException {
    /** Why a fetch failed: the environment (no network) or the data (wrong bytes). */
    public enum Reason { NO_SOURCE, UNREACHABLE, HTTP_STATUS, SIZE, CHECKSUM }

    private final Reason reason;

    public FetchException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
