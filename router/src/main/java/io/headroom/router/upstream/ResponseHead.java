package io.headroom.router.upstream;

import io.helidon.http.Header;
import io.helidon.http.HeaderName;

import java.util.ArrayList;

/**
 * The parsed status line and headers of one upstream response. Reused per connection; framing facts (length,
 * chunked, close) are extracted while parsing so nobody searches the headers again.
 */
public final class ResponseHead {
    int status;
    String reason;
    boolean http10;
    /** -1 when absent. */
    long contentLength;
    boolean chunked;
    /** The upstream will close after this response (Connection: close, or HTTP/1.0 without keep-alive). */
    boolean close;
    /** Names listed in the Connection header (lower case), which are hop-by-hop too. */
    final ArrayList<String> connectionTokens = new ArrayList<>(2);
    final ArrayList<String> names = new ArrayList<>(16);
    final ArrayList<HeaderName> headerNames = new ArrayList<>(16);
    /** The response carried Retry-After. */
    boolean retryAfter;
    final ArrayList<String> values = new ArrayList<>(16);
    /** Per header, the connection's immutable cached header for its name and value, or null (see {@link #header}). */
    final ArrayList<Header> headers = new ArrayList<>(16);
    /**
     * The headers the router forwards to a lane answer, in wire form, kept with the parse: a backend that repeats its
     * head (see {@code UpstreamConnection.readHead}) has them written from these bytes again. Valid for
     * {@link #linesSkip} and {@link #linesLimited} while {@link #linesValid}.
     */
    private io.headroom.router.lane.HeaderLines lines;
    private boolean linesValid;
    private String linesSkip;
    private boolean linesLimited;
    private boolean linesHaveDate;

    void reset() {
        linesValid = false;
        status = 0;
        reason = "";
        http10 = false;
        contentLength = -1;
        chunked = false;
        close = false;
        connectionTokens.clear();
        names.clear();
        headerNames.clear();
        values.clear();
        headers.clear();
        retryAfter = false;
    }

    public int status() {
        return status;
    }

    public String reason() {
        return reason;
    }

    public int headerCount() {
        return names.size();
    }

    public String name(int i) {
        return names.get(i);
    }

    /** Header {@code i}'s name as Helidon's {@link HeaderName} (the same object for the same name on this connection). */
    public HeaderName headerName(int i) {
        return headerNames.get(i);
    }

    public String value(int i) {
        return values.get(i);
    }

    /**
     * Header {@code i} as an immutable Helidon header that the upstream connection keeps for values its backend
     * repeats (the same object response after response), or null when the value is not cached: then use
     * {@link #headerName} and {@link #value}.
     */
    public Header header(int i) {
        return headers.get(i);
    }

    public long contentLength() {
        return contentLength;
    }

    public boolean chunked() {
        return chunked;
    }

    /** True for a token listed in the response's Connection header (compare lower case). */
    public boolean isConnectionToken(String lowerName) {
        for (int i = 0; i < connectionTokens.size(); i++) {
            if (connectionTokens.get(i).equals(lowerName)) {
                return true;
            }
        }
        return false;
    }

    /** Whether a response body follows, per RFC 9112 section 6.3. */
    public boolean hasBody(boolean headRequest) {
        return !headRequest && status >= 200 && status != 204 && status != 304;
    }

    /** True if the backend sent a Retry-After header: a 503 with it is deliberate load shedding, not a fault. */
    public boolean hasRetryAfter() {
        return retryAfter;
    }

    /**
     * The forwarded header lines made for this parse with the same {@code skip} and {@code limited}, or null: then
     * the caller makes them with {@link #newLines} and {@link #linesDone}.
     */
    public io.headroom.router.lane.HeaderLines lines(String skip, boolean limited) {
        return linesValid && limited == linesLimited && java.util.Objects.equals(skip, linesSkip) ? lines : null;
    }

    /** An empty store for this parse's forwarded lines. */
    public io.headroom.router.lane.HeaderLines newLines() {
        linesValid = false;
        if (lines == null) {
            lines = new io.headroom.router.lane.HeaderLines(256);
        }
        lines.clear();
        return lines;
    }

    /** The lines from {@link #newLines} are complete for {@code skip} and {@code limited}. */
    public void linesDone(String skip, boolean limited, boolean hasDate) {
        linesSkip = skip;
        linesLimited = limited;
        linesHaveDate = hasDate;
        linesValid = true;
    }

    /** Whether the kept lines include {@code Date}. */
    public boolean linesHaveDate() {
        return linesHaveDate;
    }
}
