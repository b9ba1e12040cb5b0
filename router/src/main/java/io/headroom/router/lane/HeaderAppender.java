package io.headroom.router.lane;

import io.helidon.http.Header;

/**
 * An answer that takes response headers as a list, written after its header map without being put into it: for the
 * backend's headers, copied once and never looked up, replaced or removed afterwards. The caller promises that: a
 * name it appends is not set again through the header map (so it drops a backend header the router itself will set),
 * and it appends no framing header ({@code Content-Length}, {@code Transfer-Encoding}, {@code Connection},
 * {@code Trailer}).
 */
public interface HeaderAppender {
    /** Appends {@code header}. */
    void append(Header header);

    /** Appends one header line, {@code name: value}. */
    void append(io.helidon.http.HeaderName name, String value);

    /** Appends one header line whose value is {@code length} US-ASCII bytes of {@code value} from {@code offset}. */
    void append(io.helidon.http.HeaderName name, byte[] value, int offset, int length);

    /**
     * Appends header lines already in wire form ({@link HeaderLines}), copied before this returns.
     *
     * @param hasDate whether one of them is {@code Date} (the answer then writes no date of its own)
     */
    void append(HeaderLines lines, boolean hasDate);
}
