package io.headroom.router.health;

import io.headroom.router.balance.Rng;
import io.headroom.router.config.HealthConfig;
import io.headroom.router.config.HostPort;
import io.headroom.router.control.ControlPlanStore;
import io.headroom.router.control.PoolState;
import io.headroom.router.upstream.Backend;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Active health checks of one pool on one virtual thread: every interval (± jitter) a plain-socket HTTP/1.1
 * {@code GET path} with {@code Connection: close} to each effective member; a 2xx status line passes. A member turns
 * unhealthy after unhealthy-threshold failures in a row and healthy again after healthy-threshold passes; each flip
 * rebuilds the pool's snapshot. Members start healthy, so a pool serves before its first round.
 */
public final class HealthChecker implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(HealthChecker.class.getName());

    private final String pool;
    private final PoolState state;
    private final HealthConfig config;
    private final ControlPlanStore store;
    private final Rng rng;
    private volatile Thread thread;

    public HealthChecker(String pool, PoolState state, HealthConfig config, ControlPlanStore store, long seed) {
        this.pool = pool;
        this.state = state;
        this.config = config;
        this.store = store;
        this.rng = new Rng(seed);
    }

    /** Starts the checking loop on a virtual thread. */
    public synchronized HealthChecker start() {
        if (thread == null) {
            thread = Thread.ofVirtual().name("headroom-health-" + pool).start(this::loop);
        }
        return this;
    }

    private void loop() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(nextDelayMillis());
                checkOnce();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.log(Level.WARNING, "health checks of pool " + pool + " failed", e);
            }
        }
    }

    /** interval ± jitter%, uniformly. */
    long nextDelayMillis() {
        long interval = config.interval().toMillis();
        double spread = interval * config.jitterPercent() / 100.0;
        return Math.max(1, Math.round(interval + (rng.nextDouble() * 2 - 1) * spread));
    }

    /** One round over every effective member; returns how many verdicts flipped. */
    public int checkOnce() {
        int flips = 0;
        for (Backend b : members()) {
            String error = probe(b);
            if (b.health().check(error == null, error, config.healthyThreshold(), config.unhealthyThreshold())) {
                flips++;
                LOG.log(Level.WARNING, "pool {0}: {1} is now {2}{3}", new Object[]{pool, b.address(),
                        b.health().healthy() ? "healthy" : "unhealthy", error == null ? "" : " (" + error + ")"});
            }
        }
        if (flips > 0) {
            store.healthChanged(pool);
        }
        return flips;
    }

    private List<Backend> members() {
        return state.snapshot().members().stream()
                .map(m -> state.backends().get(HostPort.parse(m.address()))).toList();
    }

    /** Null when the check passed, else what went wrong. */
    String probe(Backend b) {
        int timeout = (int) Math.max(1, config.timeout().toMillis());
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(b.hostPort().host(), b.hostPort().port()), timeout);
            s.setSoTimeout(timeout); // a per-read timeout is fine here: this is not the request path
            OutputStream out = s.getOutputStream();
            out.write(("GET " + config.path() + " HTTP/1.1\r\nHost: " + b.address() + "\r\nUser-Agent: headroom-health\r\n"
                    + "Connection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] line = new byte[64];
            int n = 0;
            int c;
            while (n < line.length && (c = in.read()) >= 0 && c != '\n') {
                line[n++] = (byte) c;
            }
            String status = new String(line, 0, n, StandardCharsets.ISO_8859_1).trim();
            // "HTTP/1.1 200 OK"
            if (status.length() >= 12 && status.startsWith("HTTP/1.") && status.charAt(9) == '2') {
                return null;
            }
            return "health check answered '" + status + "'";
        } catch (IOException e) {
            return "health check failed: " + e.getMessage();
        }
    }

    @Override
    public synchronized void close() {
        if (thread != null) {
            thread.interrupt();
            thread = null;
        }
    }
}
