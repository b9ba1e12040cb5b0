package io.headroom.router.grpc;

import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.headroom.time.Ticker;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A call's events handed from gRPC's transport thread to the request's thread: response headers ({@link Metadata}),
 * messages, and the {@link End}. The request thread asks for one message at a time, so at most one message waits.
 */
final class Events<T> extends ClientCall.Listener<T> {
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Object ready = new Object();

    @Override
    public void onHeaders(Metadata headers) {
        queue.add(headers);
    }

    @Override
    public void onMessage(T message) {
        queue.add(message);
    }

    @Override
    public void onClose(Status status, Metadata trailers) {
        queue.add(new End(status, trailers));
        onReady();
    }

    @Override
    public void onReady() {
        synchronized (ready) {
            ready.notifyAll();
        }
    }

    /** Waits until the call may take another message (HTTP/2 flow control), at most {@code millis}. */
    void awaitReady(long millis) throws InterruptedException {
        synchronized (ready) {
            ready.wait(millis);
        }
    }

    /** The next event, or null when none came by {@code deadline} (ticker time). */
    Object next(long deadline, Ticker ticker) {
        try {
            long wait = deadline - ticker.read();
            return wait <= 0 ? queue.poll() : queue.poll(wait, TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new IOException("interrupted while waiting for the member"));
        }
    }
}
