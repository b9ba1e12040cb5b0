package io.headroom.router.grpc;

import io.grpc.ClientCall;
import io.grpc.Status;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * The client's request stream, read on its own virtual thread and sent to the current call message by message,
 * with HTTP/2 flow control (it waits while the call is not ready). Messages are also kept, up to a replay limit, so
 * that a call a member refused can be replayed to another member.
 *
 * <p>The messages come from a {@link Source}: gRPC's length-prefixed frames (passthrough), or JSON messages that the
 * route translates one by one ({@link JsonStream}).
 */
final class Upload implements Runnable {
    /** Where the request's messages come from, read on the upload's thread. */
    interface Source {
        /**
         * The next message, or null at the end of the request.
         *
         * @throws BadMessage when the client's stream holds something that is not a message
         */
        byte[] next() throws IOException, BadMessage;

        /** Bytes of the request body read so far. */
        long bytes();
    }

    /** A request stream that cannot be sent on: the status the call ends with, and the HTTP status of a JSON answer. */
    static final class BadMessage extends Exception {
        final Status status;
        /** The HTTP status a translated answer gives, or 0 for the status's own. */
        final int http;

        BadMessage(Status status, int http) {
            super(status.getDescription(), null, false, false);
            this.status = status;
            this.http = http;
        }
    }

    private final Source source;
    private final long replayLimit;
    private final List<byte[]> replay = new ArrayList<>();
    private long replayBytes;
    private boolean replayable = true;
    private boolean ended;
    private boolean aborted;
    private ClientCall<byte[], byte[]> call;
    private Events<byte[]> events;
    private volatile Status failure;
    private volatile int failureHttp;
    private volatile Status lastStatus = Status.UNAVAILABLE;
    private volatile long bytes;

    /**
     * A request whose messages are read from the client while the call runs.
     *
     * @param source      the messages
     * @param replayLimit request bytes kept to replay on another member after a refused connection; past this (or at the
     *                    first message sent, with 0) the call is not retried
     */
    Upload(Source source, long replayLimit) {
        this.source = source;
        this.replayLimit = replayLimit;
    }

    /** Native gRPC framing from {@code in}: passthrough, replayed up to {@link GrpcRoute#REPLAY_LIMIT}. */
    Upload(InputStream in, boolean gzip, int maxMessage) {
        this(new Frames(in, gzip, maxMessage), GrpcRoute.REPLAY_LIMIT);
    }

    /**
     * A request read whole before the call (gRPC-Web): its messages are sent, and the end, as soon as a call is
     * attached, and again to another member after a refused connection; there is nothing to {@link #run}.
     *
     * @param messages the request's messages
     * @param bytes    the request body's length as it came
     */
    Upload(List<byte[]> messages, long bytes) {
        this.source = null;
        this.replayLimit = Long.MAX_VALUE;
        this.replay.addAll(messages);
        this.ended = true;
        this.bytes = bytes;
    }

    /** Whether the messages come from the client's stream, to be read by {@link #run} on its own thread. */
    boolean streaming() {
        return source != null;
    }

    /** Sends what came so far to {@code c} (and the end, if it came); false when that is no longer possible. */
    synchronized boolean attach(ClientCall<byte[], byte[]> c, Events<byte[]> e) {
        if (!replayable || aborted) {
            return false;
        }
        call = c;
        events = e;
        for (byte[] m : replay) {
            c.sendMessage(m);
        }
        if (ended) {
            c.halfClose();
        }
        return true;
    }

    synchronized boolean replayable() {
        return replayable;
    }

    /** Whether the client's request stream has been read to its end. */
    synchronized boolean ended() {
        return ended;
    }

    /** Stops sending (the exchange is over). */
    synchronized void abort() {
        aborted = true;
        replay.clear();
    }

    /** Why the client's stream could not be sent on (a framing error, a message that fits no type), or null. */
    Status failure() {
        return failure;
    }

    /** The HTTP status of {@link #failure()} for a translated answer, or 0 for the gRPC status's own. */
    int failureHttp() {
        return failureHttp;
    }

    long bytes() {
        return bytes;
    }

    Status lastStatus() {
        return lastStatus;
    }

    void lastStatus(Status s) {
        lastStatus = s;
    }

    @Override
    public void run() {
        try {
            while (true) {
                byte[] msg = source.next();
                bytes = source.bytes();
                if (msg == null) {
                    synchronized (this) {
                        ended = true;
                        if (call != null && !aborted) {
                            call.halfClose();
                        }
                    }
                    return;
                }
                send(msg);
            }
        } catch (BadMessage e) {
            bytes = source.bytes();
            fail(e.status, e.http);
        } catch (IOException | UncheckedIOException e) {
            fail(Status.CANCELLED.withDescription("the client's request stream failed: " + e.getMessage()), 0);
        } catch (InterruptedException e) {
            fail(Status.CANCELLED.withDescription("interrupted"), 0);
        } catch (RuntimeException e) {
            // Helidon's HTTP/1.1 connection reports a client gone mid-body with its own unchecked exceptions
            fail(Status.CANCELLED.withDescription("the client's request stream failed: " + e), 0);
        }
    }

    private void send(byte[] msg) throws InterruptedException {
        while (true) {
            ClientCall<byte[], byte[]> c;
            Events<byte[]> e;
            synchronized (this) {
                if (aborted) {
                    return;
                }
                c = call;
                e = events;
                if (c.isReady()) {
                    if (replayable) {
                        if (replayBytes + msg.length <= replayLimit) {
                            replay.add(msg);
                            replayBytes += msg.length;
                        } else {
                            replayable = false;
                            replay.clear();
                        }
                    }
                    c.sendMessage(msg);
                    return;
                }
            }
            e.awaitReady(50);
        }
    }

    private void fail(Status s, int http) {
        failureHttp = http;
        failure = s;
        synchronized (this) {
            replayable = false;
            if (call != null && !aborted) {
                call.cancel(s.getDescription(), null);
            }
        }
    }

    /** gRPC's length-prefixed messages (flag byte, 4-byte big-endian length), gzip-compressed or not. */
    private static final class Frames implements Source {
        private final InputStream in;
        private final boolean gzip;
        private final int maxMessage;
        private final byte[] prefix = new byte[5];
        private long bytes;

        Frames(InputStream in, boolean gzip, int maxMessage) {
            this.in = in;
            this.gzip = gzip;
            this.maxMessage = maxMessage;
        }

        @Override
        public long bytes() {
            return bytes;
        }

        @Override
        public byte[] next() throws IOException, BadMessage {
            int n = in.readNBytes(prefix, 0, 5);
            if (n == 0) {
                return null;
            }
            if (n < 5) {
                throw new BadMessage(Status.INTERNAL.withDescription("the request stream ended inside a message prefix"), 0);
            }
            long len = ((prefix[1] & 0xffL) << 24) | ((prefix[2] & 0xff) << 16) | ((prefix[3] & 0xff) << 8) | (prefix[4] & 0xff);
            if (len > maxMessage) {
                throw new BadMessage(Status.RESOURCE_EXHAUSTED.withDescription("a request message of " + len + " bytes is over the route's "
                        + "max-message-size of " + maxMessage), 0);
            }
            byte[] msg = in.readNBytes((int) len);
            if (msg.length < len) {
                throw new BadMessage(Status.INTERNAL.withDescription("the request stream ended inside a message"), 0);
            }
            bytes += 5 + len;
            if (prefix[0] == 1) {
                if (!gzip) {
                    throw new BadMessage(Status.INTERNAL.withDescription("a compressed message without grpc-encoding"), 0);
                }
                try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(msg))) {
                    msg = z.readNBytes(maxMessage + 1);
                }
                if (msg.length > maxMessage) {
                    throw new BadMessage(Status.RESOURCE_EXHAUSTED.withDescription("a request message is over the route's max-message-size of "
                            + maxMessage + " bytes uncompressed"), 0);
                }
            } else if (prefix[0] != 0) {
                throw new BadMessage(Status.INTERNAL.withDescription("message flag " + prefix[0] + " (expected 0 or 1)"), 0);
            }
            return msg;
        }
    }
}
