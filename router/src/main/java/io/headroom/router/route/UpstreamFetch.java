package io.headroom.router.route;

import io.headroom.router.balance.RequestContext;
import io.headroom.router.control.PoolState;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.ResponseHead;
import io.headroom.router.upstream.UpstreamConnection;
import io.headroom.time.Ticker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * One request without a body that the router makes on its own account (a cache's background revalidation, one call
 * of an aggregation): a member picked from the pool's snapshot, a pooled keep-alive connection, the whole answer read
 * with the body kept up to a limit. No retries; the outcome feeds the pool's outlier detection, latency and breaker as
 * any exchange does. The deadline is enforced by the connection watchdog, so a stalled backend cannot hold the
 * calling thread past it.
 */
public final class UpstreamFetch {
    /**
     * The answer.
     *
     * @param backend the member asked (null when none was available)
     * @param status  its status, or 0 when the exchange failed
     * @param headers its headers, name/value pairs
     * @param body    its body; null when it exceeded the limit or the exchange failed
     * @param error   why it failed, or null
     * @param timedOut whether it failed by the deadline
     */
    public record Result(Backend backend, int status, String[] headers, byte[] body, String error, boolean timedOut) {
        public boolean ok() {
            return error == null;
        }
    }

    private UpstreamFetch() {
    }

    /**
     * @param target   path and query
     * @param headers  request headers, name/value pairs (end-to-end only; no body framing)
     * @param maxBody  longest body kept
     * @param deadline ticker time by which the whole exchange must be over
     */
    public static Result fetch(PoolState pool, String method, String target, String[] headers, long maxBody, long deadline, Ticker ticker) {
        Backend b = pool.snapshot().balancer().pick(new RequestContext("router-fetch", target));
        if (b == null) {
            return new Result(null, 0, new String[0], null, "pool " + pool.config().name() + " has no available backend", false);
        }
        long start = ticker.read();
        UpstreamConnection conn = b.connections().pollIdle(start);
        b.started();
        try {
            if (conn == null) {
                conn = b.connections().open(Math.max(1, deadline - start));
            }
            conn.begin(deadline);
            conn.writeAscii(method);
            conn.writeAscii(" ");
            conn.writeAscii(target);
            conn.writeAscii(" HTTP/1.1\r\n");
            for (int i = 0; i < headers.length; i += 2) {
                conn.writeHeader(headers[i], headers[i + 1]);
            }
            conn.writeCrlf();
            conn.flush();
            ResponseHead head = conn.readHead();
            String[] pairs = new String[head.headerCount() * 2];
            for (int i = 0; i < head.headerCount(); i++) {
                pairs[2 * i] = head.name(i);
                pairs[2 * i + 1] = head.value(i);
            }
            int status = head.status();
            boolean body = head.hasBody("HEAD".equals(method));
            byte[] bytes = new byte[0];
            if (body) {
                Bounded sink = new Bounded(maxBody);
                conn.transferBody(head, sink);
                bytes = sink.overflow ? null : sink.buf.toByteArray();
            }
            long now = ticker.read();
            pool.succeeded(b, status, now - start, now);
            if (conn.reusableAfter(head, body)) {
                conn.release(now);
            } else {
                conn.close();
            }
            return new Result(b, status, pairs, bytes, null, false);
        } catch (IOException | RuntimeException e) {
            boolean timedOut = conn != null && conn.timedOut();
            if (conn != null) {
                conn.close();
            }
            pool.failed(b, "router fetch: " + e.getMessage(), ticker.read() - start);
            return new Result(b, 0, new String[0], null, timedOut ? "timed out" : String.valueOf(e.getMessage()), timedOut);
        } finally {
            b.finished();
        }
    }

    /** Keeps up to {@code max} bytes, then only drains. */
    private static final class Bounded extends OutputStream {
        final ByteArrayOutputStream buf = new ByteArrayOutputStream();
        private final long max;
        boolean overflow;

        Bounded(long max) {
            this.max = max;
        }

        @Override
        public void write(int b) {
            write(new byte[]{(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) {
            if (overflow) {
                return;
            }
            if (buf.size() + (long) len > max) {
                overflow = true;
                buf.reset();
                return;
            }
            buf.write(b, off, len);
        }
    }
}
