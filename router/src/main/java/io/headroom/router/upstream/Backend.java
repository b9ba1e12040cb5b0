package io.headroom.router.upstream;

import io.headroom.router.config.HostPort;

import io.headroom.router.net.LaneCarriers;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One member of a pool as the proxy sees it: its address and its pool of keep-alive connections.
 *
 * <p>Backends are interned per pool by {@link BackendSet}, so the same address keeps the same object (and the same
 * idle connections and telemetry counters) across snapshot swaps.
 */
public final class Backend {
    private final String address;
    private final HostPort hostPort;
    private final ConnectionPool connections;
    /** Requests sent to this backend and not yet finished (least-request, peak-EWMA). */
    private final AtomicInteger outstanding = new AtomicInteger();
    /** Peak-EWMA latency estimate, nanoseconds as double bits; 0 = no sample yet. */
    private final AtomicLong ewmaBits = new AtomicLong();
    private final AtomicLong ewmaStamp = new AtomicLong();
    private volatile long decayNanos = 10_000_000_000L;
    /** ln(estimate) + stamp / decay, or -inf without a sample: see {@link #latencyKey()}. */
    private volatile double latencyKey = Double.NEGATIVE_INFINITY;
    private final MemberHealth health = new MemberHealth();

    Backend(HostPort hostPort, ConnectionPool.Settings settings, Watchdog watchdog) {
        this.hostPort = hostPort;
        this.address = hostPort.toString();
        this.connections = new ConnectionPool(this, settings, watchdog);
    }

    /** {@code host:port}, as in configuration and telemetry. */
    public String address() {
        return address;
    }

    public HostPort hostPort() {
        return hostPort;
    }

    /**
     * A freshly resolved address: resolution happens at each connect (through the JDK's address cache), so DNS changes
     * are picked up. A name is resolved off a lane carrier ({@link LaneCarriers#offCarrier}): a slow name server must
     * not stall every connection the carrier serves.
     */
    InetSocketAddress socketAddress() throws java.io.IOException {
        String host = hostPort.host();
        if (!LaneCarriers.onCarrier() || ipLiteral(host)) {
            return new InetSocketAddress(host, hostPort.port());
        }
        return LaneCarriers.offCarrier(() -> new InetSocketAddress(host, hostPort.port()));
    }

    /** Whether {@code host} is an IPv4 or IPv6 literal, which needs no lookup. */
    static boolean ipLiteral(String host) {
        if (host.indexOf(':') >= 0 || host.startsWith("[")) {
            return true;
        }
        int dots = 0;
        for (int i = 0; i < host.length(); i++) {
            char c = host.charAt(i);
            if (c == '.') {
                dots++;
            } else if (c < '0' || c > '9') {
                return false;
            }
        }
        return dots == 3;
    }

    public ConnectionPool connections() {
        return connections;
    }

    /** Health, ejection and breaker state of this member (one per pool, like the backend). */
    public MemberHealth health() {
        return health;
    }

    /** Requests in flight to this backend. */
    public int outstanding() {
        return outstanding.get();
    }

    /** Counts a request as sent; pair with {@link #finished()} in a finally block. */
    public void started() {
        outstanding.incrementAndGet();
    }

    /** Counts a request as finished, whatever its outcome. */
    public void finished() {
        outstanding.decrementAndGet();
    }

    /** Sets the peak-EWMA decay time (a pool setting, applied when the pool is built). */
    public void decay(long nanos) {
        this.decayNanos = Math.max(1, nanos);
        long bits = ewmaBits.get();
        latencyKey = key(bits == 0 ? 0 : Double.longBitsToDouble(bits), ewmaStamp.get());
    }

    private double key(double estimate, long stamp) {
        return estimate <= 0 ? Double.NEGATIVE_INFINITY : Math.log(estimate) + stamp / (double) decayNanos;
    }

    /**
     * Feeds one latency sample into the peak-EWMA estimate (Finagle's rule: a sample above the estimate replaces it, a
     * lower one is averaged in with weight {@code 1 - exp(-elapsed/decay)}). Callers pass only successful, non-429,
     * non-5xx answers, so a fast error never makes the backend look fast. Lock-free; concurrent samples may
     * interleave, which only blurs the average.
     */
    public void observeLatency(long rttNanos, long nowNanos) {
        double rtt = Math.max(0, rttNanos);
        long prev = ewmaStamp.getAndSet(nowNanos);
        double td = Math.max(0, nowNanos - prev);
        double w = Math.exp(-td / decayNanos);
        while (true) {
            long bits = ewmaBits.get();
            double cost = Double.longBitsToDouble(bits);
            double next = (bits == 0 || rtt > cost) ? rtt : cost * w + rtt * (1 - w);
            if (ewmaBits.compareAndSet(bits, Double.doubleToRawLongBits(next))) {
                latencyKey = key(next, nowNanos); // the one log, paid per answer instead of an exp per pick
                return;
            }
        }
    }

    /** The peak-EWMA latency estimate at {@code nowNanos}, decayed towards 0 since the last sample; 0 = none yet. */
    public double latencyEstimate(long nowNanos) {
        long bits = ewmaBits.get();
        if (bits == 0) {
            return 0;
        }
        double td = Math.max(0, nowNanos - ewmaStamp.get());
        return Double.longBitsToDouble(bits) * Math.exp(-td / decayNanos);
    }

    /**
     * The estimate as a clock-free sort key: {@code ln(latencyEstimate(t)) + t / decay}, which is the same for every
     * {@code t} because the estimate decays as {@code e^(-t/decay)}. Of two members with the same decay, the one with
     * the smaller key has the smaller estimate at any instant, and {@code key + ln(x)} orders {@code estimate × x} the
     * same way, so balancers compare latencies and loads with neither {@code exp} nor a clock read. It is computed once
     * per sample. {@link Double#NEGATIVE_INFINITY}: no sample yet (estimate 0). Unlike the estimate it never
     * underflows to 0 (which {@code exp} does after about 745 decay times without a sample).
     */
    public double latencyKey() {
        return latencyKey;
    }

    @Override
    public String toString() {
        return address;
    }
}
