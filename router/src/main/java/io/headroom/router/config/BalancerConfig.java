package io.headroom.router.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * How a pool picks a member: {@code balancer: {type: peak-ewma}} or {@code balancer: {type: maglev, hash-on: header:X-User}}.
 *
 * @param type   the algorithm
 * @param hashOn what ring-hash and Maglev hash; null for the others (and then they fall back to a random pick)
 * @param decay  peak-EWMA decay time (how fast an old latency peak is forgotten; also for hot-cold's latency)
 * @param choices     hot-cold: candidates drawn per pick
 * @param hotQuantile hot-cold: a candidate is hot when its requests in flight exceed this quantile of the pool's
 */
public record BalancerConfig(Type type, HashOn hashOn, Duration decay, int choices, double hotQuantile) {

    public static final Duration DEFAULT_DECAY = Duration.ofSeconds(10);
    public static final int DEFAULT_CHOICES = 3;
    public static final double DEFAULT_HOT_QUANTILE = 0.75;
    public static final BalancerConfig DEFAULT = new BalancerConfig(Type.SMOOTH_WEIGHTED, null, DEFAULT_DECAY);

    /** With hot-cold's defaults. */
    public BalancerConfig(Type type, HashOn hashOn, Duration decay) {
        this(type, hashOn, decay, DEFAULT_CHOICES, DEFAULT_HOT_QUANTILE);
    }

    /** The algorithms, spelt in YAML as the lower-case name with dashes. */
    public enum Type {
        SMOOTH_WEIGHTED, ROUND_ROBIN, LEAST_REQUEST, PEAK_EWMA, RING_HASH, MAGLEV, RANDOM, HOT_COLD;

        /** Consistent-hash balancers: weights are fixed at build time and slow start does not apply. */
        public boolean hashing() {
            return this == RING_HASH || this == MAGLEV;
        }

        public String yamlName() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    /** Where the hash key comes from. */
    public enum Source { HEADER, COOKIE, CLIENT_IP }

    /**
     * @param source header, cookie or the client's IP address
     * @param name   header or cookie name (empty for client-ip)
     */
    public record HashOn(Source source, String name) {
        public HashOn {
            Objects.requireNonNull(source, "source");
            name = name == null ? "" : name;
        }

        /** Parses {@code header:X-User}, {@code cookie:sid} or {@code client-ip}. */
        public static HashOn parse(String text) {
            String t = text.strip();
            if (t.equalsIgnoreCase("client-ip")) {
                return new HashOn(Source.CLIENT_IP, "");
            }
            int colon = t.indexOf(':');
            if (colon > 0 && colon < t.length() - 1) {
                String kind = t.substring(0, colon).strip().toLowerCase(Locale.ROOT);
                String name = t.substring(colon + 1).strip();
                if (kind.equals("header")) {
                    return new HashOn(Source.HEADER, name);
                }
                if (kind.equals("cookie")) {
                    return new HashOn(Source.COOKIE, name);
                }
            }
            throw new IllegalArgumentException("'" + text + "' is not header:NAME, cookie:NAME or client-ip");
        }

        @Override
        public String toString() {
            return source == Source.CLIENT_IP ? "client-ip" : source.name().toLowerCase(Locale.ROOT) + ":" + name;
        }
    }

    public BalancerConfig {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(decay, "decay");
        if (choices < 1 || !(hotQuantile >= 0 && hotQuantile <= 1)) {
            throw new IllegalArgumentException("choices: " + choices + ", hotQuantile: " + hotQuantile
                    + " (expected: >= 1, 0 <= q <= 1)");
        }
    }

    /** Whether the balancer reads the members' latency estimates (so the proxy must feed them). */
    public boolean tracksLatency() {
        return type == Type.PEAK_EWMA || type == Type.HOT_COLD;
    }
}
