package io.headroom.router.cache;

import io.headroom.router.balance.RequestContext;
import io.headroom.router.control.PoolSnapshot;
import io.headroom.router.control.PoolState;
import io.headroom.router.upstream.Backend;
import io.headroom.router.upstream.ResponseHead;
import io.headroom.router.upstream.UpstreamConnection;
import io.headroom.time.Ticker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * One background request of a stale-while-revalidate refresh: picked, sent and read like a mirrored copy (no retries,
 * not in telemetry, outcome fed to the pool's outlier detection), the body kept up to a limit.
 */
final class Revalidator {
    /**
     * @param status  the backend's status
     * @param headers its headers, name/value pairs
     * @param body    its body, or null when it exceeded the limit
     */
    record Result(int status, String[] headers, byte[] body) {
    }

    private Revalidator() {
    }

    /** Sends the request and reads the answer; null when no backend could be asked or the exchange failed. */
    static Result fetch(PoolState pool, String method, String target, String[] headers, long maxBody, Ticker ticker) {
        PoolSnapshot snap = pool.snapshot();
        Backend b = snap.balancer().pick(new RequestContext("cache-revalidate", target));
        if (b == null) {
            return null;
        }
        long start = ticker.read();
        long deadline = start + pool.requestTimeoutNanos();
        UpstreamConnection conn = b.connections().pollIdle(start);
        b.started();
        try {
            if (conn == null) {
                conn = b.connections().open(deadline - start);
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
            boolean body = head.hasBody(false);
            byte[] bytes = new byte[0];
            if (body) {
                Bounded sink = new Bounded(maxBody);
                conn.transferBody(head, sink);
                bytes = sink.overflow ? null : sink.toByteArray();
            }
            long now = ticker.read();
            pool.succeeded(b, status, now - start, now);
            if (conn.reusableAfter(head, body)) {
                conn.release(now);
            } else {
                conn.close();
            }
            return new Result(status, pairs, bytes);
        } catch (IOException | RuntimeException e) {
            if (conn != null) {
                conn.close();
            }
            pool.failed(b, "cache revalidation: " + e.getMessage(), ticker.read() - start);
            return null;
        } finally {
            b.finished();
        }
    }

    /** Keeps up to {@code max} bytes, then only drains. */
    private static final class Bounded extends OutputStream {
        private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
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

        byte[] toByteArray() {
            return buf.toByteArray();
        }
    }
}
