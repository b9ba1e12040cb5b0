package io.headroom.ingest.codec;

/** A record could not be decoded: wrong type, unknown version, truncated or corrupt bytes. */
public final class CodecException extends RuntimeException {
    public CodecException(String message) {
        super(message);
    }
}
