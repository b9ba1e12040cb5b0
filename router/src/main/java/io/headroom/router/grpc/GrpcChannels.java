package io.headroom.router.grpc;

import io.grpc.ChannelCredentials;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.TlsChannelCredentials;
import io.headroom.router.control.PoolSnapshot;
import io.headroom.router.control.PoolState;
import io.headroom.router.upstream.Backend;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The router's HTTP/2 channels to gRPC members: one channel per (pool, channel settings, member), so at most as many
 * as there are members. A member that leaves the pool's snapshot (removed by a plan or a reload; an ejected member
 * stays a member) has its channel shut down gracefully: calls in flight on it finish, new ones open a fresh channel if
 * it comes back. The check costs one volatile read per call while the snapshot is unchanged.
 */
public final class GrpcChannels implements AutoCloseable {
    private record Key(PoolState pool, GrpcRouteSpec.ChannelSettings settings) {
    }

    private final ConcurrentHashMap<Key, PoolChannels> pools = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** The channels of {@code pool} with {@code settings}, shared by every route that uses the same pair. */
    public PoolChannels pool(PoolState pool, GrpcRouteSpec.ChannelSettings settings) {
        if (closed) {
            throw new IllegalStateException("the router's gRPC channels are closed");
        }
        return pools.computeIfAbsent(new Key(pool, settings), k -> new PoolChannels(k.pool(), k.settings()));
    }

    /** Shuts down the channels of every pool not in {@code used} (after a reload replaced pools or routes). */
    public void retain(Set<PoolChannels> used) {
        for (Map.Entry<Key, PoolChannels> e : pools.entrySet()) {
            if (!used.contains(e.getValue())) {
                pools.remove(e.getKey(), e.getValue());
                e.getValue().shutdown();
            }
        }
    }

    /** Channels open now, over all pools (for tests and the admin view). */
    public int open() {
        int n = 0;
        for (PoolChannels p : pools.values()) {
            n += p.channels.size();
        }
        return n;
    }

    /** Shuts every channel down, waiting up to a second for calls in flight. */
    @Override
    public void close() {
        closed = true;
        List<ManagedChannel> all = new ArrayList<>();
        for (PoolChannels p : pools.values()) {
            all.addAll(p.shutdown());
        }
        pools.clear();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
        for (ManagedChannel c : all) {
            try {
                if (!c.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    c.shutdownNow();
                }
            } catch (InterruptedException e) {
                c.shutdownNow();
                Thread.currentThread().interrupt();
            }
        }
    }

    /** The channels to the members of one pool. */
    public static final class PoolChannels {
        private final PoolState pool;
        private final GrpcRouteSpec.ChannelSettings settings;
        private final ConcurrentHashMap<Backend, ManagedChannel> channels = new ConcurrentHashMap<>();
        private volatile long seenVersion = Long.MIN_VALUE;
        private volatile boolean shut;

        PoolChannels(PoolState pool, GrpcRouteSpec.ChannelSettings settings) {
            this.pool = pool;
            this.settings = settings;
        }

        public PoolState pool() {
            return pool;
        }

        /**
         * The channel to {@code b}, opened on first use. A channel whose last connection attempt failed (the member was
         * down) is asked to reconnect at once: the pool's outlier detection and breaker decide whether the member is
         * tried, not the channel's own back-off.
         */
        public ManagedChannel channel(Backend b) {
            PoolSnapshot s = pool.snapshot();
            if (s.version() != seenVersion) {
                reconcile(s);
            }
            ManagedChannel c = channels.get(b);
            if (c == null) {
                synchronized (this) {
                    if (shut) {
                        throw new IllegalStateException("the channels of pool " + pool.config().name() + " are shut down");
                    }
                    c = channels.computeIfAbsent(b, this::open);
                }
            } else if (c.getState(false) == ConnectivityState.TRANSIENT_FAILURE) {
                c.resetConnectBackoff();
            }
            return c;
        }

        /** Channels open now. */
        public int size() {
            return channels.size();
        }

        private synchronized void reconcile(PoolSnapshot s) {
            if (s.version() == seenVersion) {
                return;
            }
            Set<String> members = new HashSet<>(s.addresses());
            for (Map.Entry<Backend, ManagedChannel> e : channels.entrySet()) {
                if (!members.contains(e.getKey().address())) {
                    channels.remove(e.getKey(), e.getValue());
                    e.getValue().shutdown(); // graceful: calls in flight finish
                }
            }
            seenVersion = s.version();
        }

        private ManagedChannel open(Backend b) {
            return GrpcChannels.open(b, settings, pool.config().idleTimeout().toMillis());
        }

        private synchronized List<ManagedChannel> shutdown() {
            shut = true;
            List<ManagedChannel> out = new ArrayList<>(channels.values());
            channels.clear();
            out.forEach(ManagedChannel::shutdown);
            return out;
        }
    }

    /** A channel to {@code b} with {@code settings}: h2c or TLS, no retries of its own, idle after {@code idleMillis}. */
    static ManagedChannel open(Backend b, GrpcRouteSpec.ChannelSettings settings, long idleMillis) {
        ChannelCredentials creds;
        if (!settings.tls()) {
            creds = InsecureChannelCredentials.create();
        } else if (settings.trustedCa() == null) {
            creds = io.grpc.TlsChannelCredentials.create();
        } else {
            try {
                creds = TlsChannelCredentials.newBuilder().trustManager(settings.trustedCa().toFile()).build();
            } catch (IOException e) {
                throw new IllegalStateException("cannot read the CA file " + settings.trustedCa() + ": " + e.getMessage(), e);
            }
        }
        ManagedChannelBuilder<?> builder = Grpc.newChannelBuilderForAddress(b.hostPort().host(), b.hostPort().port(), creds)
                .directExecutor() // the listeners only hand events to the request's thread
                .userAgent("headroom-router")
                .maxInboundMessageSize(settings.maxMessageBytes())
                .disableRetry() // the router retries on another member itself
                .idleTimeout(Math.max(1, idleMillis), TimeUnit.MILLISECONDS);
        if (settings.authority() != null) {
            builder.overrideAuthority(settings.authority());
        }
        return builder.build();
    }
}
