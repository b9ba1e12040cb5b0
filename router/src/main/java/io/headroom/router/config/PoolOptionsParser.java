package io.headroom.router.config;

import io.headroom.config.ConfigNode;

import java.time.Duration;

/**
 * Reads the data-plane options of a pool that came after the walking skeleton ({@code concurrency-limit:}, ...), so
 * that {@link RouterConfig} only lists their keys. Errors carry file:line and the fix.
 */
final class PoolOptionsParser {
    private PoolOptionsParser() {
    }

    /** The keys this parser reads under {@code router.pools.<name>}. */
    static final String[] KEYS = {"concurrency-limit", "first-byte-timeout", "affinity-cookie"};

    /** {@code affinity-cookie:}, or null without it; the balancer must hash on that cookie. */
    static AffinityCookieConfig affinityCookie(ConfigNode pool, BalancerConfig balancer) {
        if (!pool.has("affinity-cookie")) {
            return null;
        }
        ConfigNode a = pool.child("affinity-cookie").requireOnly("name", "ttl", "path", "http-only", "same-site", "secure");
        BalancerConfig.HashOn on = balancer.hashOn();
        boolean cookieHash = on != null && on.source() == BalancerConfig.Source.COOKIE;
        String name = a.string("name", cookieHash ? on.name() : null);
        if (!cookieHash) {
            throw a.error("affinity-cookie needs a balancer that hashes on the cookie",
                    "write balancer: {type: maglev, hash-on: cookie:" + (name == null ? "hr_affinity" : name) + "} (or ring-hash)");
        }
        if (!name.equals(on.name())) {
            throw a.errorAt("name", "affinity cookie '" + name + "' is not the cookie the balancer hashes on ('" + on.name() + "')",
                    "use the same name in both, or leave name out");
        }
        Duration ttl = a.duration("ttl", Duration.ofHours(1));
        String path = a.string("path", "/");
        boolean httpOnly = a.bool("http-only", true);
        String sameSite = a.string("same-site", "lax");
        boolean secure = a.bool("secure", false);
        try {
            return new AffinityCookieConfig(name, ttl, path, httpOnly, sameSite, secure);
        } catch (IllegalArgumentException e) {
            String key = e.getMessage().startsWith("path") ? "path" : e.getMessage().startsWith("same-site") ? "same-site"
                    : e.getMessage().startsWith("cookie name") ? "name" : "ttl";
            throw a.errorAt(a.has(key) ? key : "same-site", e.getMessage(), "see docs/router.md, cookie affinity");
        }
    }

    /** The balancer with hot-cold's {@code choices} and {@code hot-quantile}, which only that type accepts. */
    static BalancerConfig hotCold(ConfigNode b, BalancerConfig.Type type, BalancerConfig.HashOn hashOn, Duration decay) {
        for (String key : new String[]{"choices", "hot-quantile"}) {
            if (b.has(key) && type != BalancerConfig.Type.HOT_COLD) {
                throw b.errorAt(key, key + " applies only to hot-cold, not " + type.yamlName(), "remove " + key + " or write type: hot-cold");
            }
        }
        int choices = b.integer("choices", BalancerConfig.DEFAULT_CHOICES, 1, 64);
        double q = b.decimal("hot-quantile", BalancerConfig.DEFAULT_HOT_QUANTILE, 0.0, 1.0);
        return new BalancerConfig(type, hashOn, decay, choices, q);
    }

    /** {@code first-byte-timeout:}, zero (off) without it. */
    static Duration firstByteTimeout(ConfigNode pool) {
        Duration d = pool.duration("first-byte-timeout", Duration.ZERO);
        if (d.isNegative()) {
            throw pool.errorAt("first-byte-timeout", "first-byte-timeout must not be negative", "write e.g. 5s, or 0s to switch it off");
        }
        return d;
    }

    /** {@code concurrency-limit:}, or {@link ConcurrencyLimitConfig#OFF} without it. */
    static ConcurrencyLimitConfig concurrencyLimit(ConfigNode pool) {
        if (!pool.has("concurrency-limit")) {
            return ConcurrencyLimitConfig.OFF;
        }
        ConcurrencyLimitConfig d = ConcurrencyLimitConfig.OFF;
        ConfigNode c = pool.child("concurrency-limit").requireOnly("enabled", "initial-limit", "min-limit", "max-limit", "smoothing",
                "tolerance", "queue-size", "long-window", "update-interval", "min-samples");
        boolean enabled = c.bool("enabled", true);
        int min = c.integer("min-limit", d.minLimit(), 1, 1_000_000);
        int max = c.integer("max-limit", Math.max(d.maxLimit(), min), 1, 1_000_000);
        if (max < min) {
            throw c.errorAt("max-limit", "max-limit " + max + " is below min-limit " + min, "make max-limit at least min-limit");
        }
        int initial = c.integer("initial-limit", Math.max(min, Math.min(d.initialLimit(), max)), 1, 1_000_000);
        if (initial < min || initial > max) {
            throw c.errorAt("initial-limit", "initial-limit " + initial + " is outside [min-limit " + min + ", max-limit " + max + "]",
                    "choose an initial-limit between min-limit and max-limit");
        }
        double smoothing = c.decimal("smoothing", d.smoothing(), Double.MIN_VALUE, 1.0);
        double tolerance = c.decimal("tolerance", d.tolerance(), 1.0, 100.0);
        int queue = c.integer("queue-size", d.queueSize(), 0, 1_000_000);
        int longWindow = c.integer("long-window", d.longWindow(), 1, 1_000_000);
        Duration interval = c.duration("update-interval", d.updateInterval());
        if (interval.isNegative()) {
            throw c.errorAt("update-interval", "update-interval must not be negative", "write e.g. 100ms");
        }
        int minSamples = c.integer("min-samples", d.minSamples(), 1, 1_000_000);
        return new ConcurrencyLimitConfig(enabled, initial, min, max, smoothing, tolerance, queue, longWindow, interval, minSamples);
    }
}
