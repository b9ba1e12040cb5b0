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
 * with HTTP/2 flow control (it waits while the call is not ready). Messages are also kept, up to
 * {@link GrpcRoute#REPLAY_LIMIT} bytes, so that a call a member refused can be replayed to another member.
 */
final class Upload implements Runnable {
    private final InputStream in;
    private final boolean gzip;
    private final int maxMessage;
    private final List<byte[]> replay = new ArrayList<>();
    private long replayBytes;
    private boolean replayable = true;
    private boolean ended;
    private boolean aborted;
    private ClientCall<byte[], byte[]> call;
    private Events<byte[]> events;
    private volatile Status failure;
    private volatile Status lastStatus = Status.UNAVAILABLE;
    private volatile long bytes;

    Upload(InputStream in, boolean gzip, int maxMessage) {
        this.in = in;
        this.gzip = gzip;
        this.maxMessage = maxMessage;
    }

    /**
     * A request read whole before the call (gRPC-Web): its messages are sent, and the end, as soon as a call is
     * attached, and again to another member after a refused connection; there is nothing to {@link #run}.
     *
     * @param messages the request's messages
     * @param bytes    the request body's length as it came
     */
    Upload(List<byte[]> messages, long bytes) {
        this.in = null;
        this.gzip = false;
        this.maxMessage = 0;
        this.replay.addAll(messages);
        this.ended = true;
        this.bytes = bytes;
    }

    /** Whether the messages come from the client's stream, to be read by {@link #run} on its own thread. */
    boolean streaming() {
        return in != null;
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

    /** Stops sending (the exchange is over). */
    synchronized void abort() {
        aborted = true;
        replay.clear();
    }

    /** A framing error of the client's stream, or null. */
    Status failure() {
        return failure;
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
        byte[] prefix = new byte[5];
        try {
            while (true) {
                int n = in.readNBytes(prefix, 0, 5);
                if (n == 0) {
                    synchronized (this) {
                        ended = true;
                        if (call != null && !aborted) {
                            call.halfClose();
                        }
                    }
                    return;
                }
                if (n < 5) {
                    fail(Status.INTERNAL.withDescription("the request stream ended inside a message prefix"));
                    return;
                }
                long len = ((prefix[1] & 0xffL) << 24) | ((prefix[2] & 0xff) << 16) | ((prefix[3] & 0xff) << 8) | (prefix[4] & 0xff);
                if (len > maxMessage) {
                    fail(Status.RESOURCE_EXHAUSTED.withDescription("a request message of " + len + " bytes is over the route's "
                            + "max-message-size of " + maxMessage));
                    return;
                }
                byte[] msg = in.readNBytes((int) len);
                if (msg.length < len) {
                    fail(Status.INTERNAL.withDescription("the request stream ended inside a message"));
                    return;
                }
                bytes += 5 + len;
                if (prefix[0] == 1) {
                    if (!gzip) {
                        fail(Status.INTERNAL.withDescription("a compressed message without grpc-encoding"));
                        return;
                    }
                    try (GZIPInputStream z = new GZIPInputStream(new ByteArrayInputStream(msg))) {
                        msg = z.readNBytes(maxMessage + 1);
                    }
                    if (msg.length > maxMessage) {
                        fail(Status.RESOURCE_EXHAUSTED.withDescription("a request message is over the route's max-message-size of "
                                + maxMessage + " bytes uncompressed"));
                        return;
                    }
                } else if (prefix[0] != 0) {
                    fail(Status.INTERNAL.withDescription("message flag " + prefix[0] + " (expected 0 or 1)"));
                    return;
                }
                send(msg);
            }
        } catch (IOException | UncheckedIOException e) {
            fail(Status.CANCELLED.withDescription("the client's request stream failed: " + e.getMessage()));
        } catch (InterruptedException e) {
            fail(Status.CANCELLED.withDescription("interrupted"));
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
                        if (replayBytes + msg.length <= GrpcRoute.REPLAY_LIMIT) {
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

    private void fail(Status s) {
        failure = s;
        synchronized (this) {
            replayable = false;
            if (call != null && !aborted) {
                call.cancel(s.getDescription(), null);
            }
        }
    }
}
