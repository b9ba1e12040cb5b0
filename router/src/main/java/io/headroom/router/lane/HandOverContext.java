package io.headroom.router.lane;

import io.headroom.router.net.NativeSocket;
import io.headroom.router.net.DelegatingConnectionContext;
import io.helidon.common.buffers.DataReader;
import io.helidon.webserver.ConnectionContext;

/**
 * The connection as Helidon's HTTP/1.1 connection gets it from the lane when the lane read bytes from the socket
 * itself ({@link NativeSocket}): the same connection, whose reader first gives those bytes (the request the lane did
 * not take, and anything after it) and then what the connection's own reader has and reads, in that order.
 */
final class HandOverContext extends DelegatingConnectionContext {
    private final DataReader reader;
    private byte[] pending;

    /** @param pending the bytes read and not consumed, in order; they come before anything {@code ctx}'s reader has */
    HandOverContext(ConnectionContext ctx, byte[] pending) {
        super(ctx);
        this.pending = pending.length == 0 ? null : pending;
        DataReader original = ctx.dataReader();
        // the original's bytes are taken whole (readBytes of all it holds), so one pull empties it
        this.reader = DataReader.create(() -> {
            byte[] p = this.pending;
            if (p != null) {
                this.pending = null;
                return p;
            }
            try {
                original.ensureAvailable();
            } catch (DataReader.InsufficientDataAvailableException e) {
                return null; // the end of the stream, as the original's supplier says it
            }
            return original.readBytes(original.available());
        });
        // everything already read is available at once, as it was in the original reader (a selector peeks at it)
        if (this.pending != null) {
            reader.pullData();
        }
        if (original.available() > 0) {
            reader.pullData();
        }
    }

    @Override
    public DataReader dataReader() {
        return reader;
    }
}
