package io.headroom.autoscaler.config;

import io.headroom.autoscaler.policy.PolicyConfig;
import io.headroom.autoscaler.provider.LocalProviderConfig;
import io.headroom.config.ConfigNode;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The {@code autoscaler:} section.
 *
 * <pre>
 * autoscaler:
 *   kill-switch: false          # true: no actions, membership still published
 *   tick: 1s                    # how often policies run
 *   membership-ttl: 15s         # validUntil of the membership plan = now + this
 *   pools:
 *     api:
 *       min: 1
 *       max: 8
 *       cooldown: 20s           # between scale-ups
 *       scale-down-window: 60s  # stabilisation window for scale-down
 *       max-step-up: 4
 *       max-step-down: 1
 *       dry-run: false          # forecast only: decide and audit, never act
 *       provider: local
 *       local: {base-port: 9100, capacity: 100, latency: 5ms, drain: 2s, stop-grace: 5s, ready-timeout: 30s,
 *               host: 127.0.0.1, log-dir: .headroom/instances}
 * </pre>
 */
public record AutoscalerConfig(boolean killSwitch, Duration tick, Duration membershipTtl, Map<String, PoolConfig> pools) {

    /** Which provider runs a pool's instances. */
    public enum ProviderKind { LOCAL }

    /** One pool: guardrails and provider settings. */
    public record PoolConfig(String name, PolicyConfig policy, ProviderKind provider, LocalProviderConfig local) {
        public PoolConfig {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(provider, "provider");
        }
    }

    public AutoscalerConfig {
        Objects.requireNonNull(tick, "tick");
        Objects.requireNonNull(membershipTtl, "membershipTtl");
        pools = Map.copyOf(new LinkedHashMap<>(pools));
    }

    public static final Duration DEFAULT_TICK = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MEMBERSHIP_TTL = Duration.ofSeconds(15);

    /** Parses the {@code autoscaler:} section of the root node; absent: no pools. */
    public static AutoscalerConfig from(ConfigNode root) {
        ConfigNode a = root.child("autoscaler").requireOnly("kill-switch", "tick", "membership-ttl", "pools");
        Duration tick = a.duration("tick", DEFAULT_TICK);
        if (tick.toMillis() < 10) {
            throw a.errorAt("tick", "tick " + tick.toMillis() + " ms is too short", "use at least 10ms; 1s is usual");
        }
        Duration ttl = a.duration("membership-ttl", DEFAULT_MEMBERSHIP_TTL);
        if (ttl.compareTo(tick) <= 0) {
            throw a.errorAt("membership-ttl", "membership-ttl must be longer than tick (" + tick.toMillis() + " ms)",
                    "use e.g. 15s so routers keep members between plans");
        }
        ConfigNode pools = a.child("pools");
        Map<String, PoolConfig> out = new LinkedHashMap<>();
        for (String name : pools.keys()) {
            out.put(name, pool(name, pools.child(name)));
        }
        return new AutoscalerConfig(a.bool("kill-switch", false), tick, ttl, out);
    }

    private static PoolConfig pool(String name, ConfigNode p) {
        p.requireOnly("min", "max", "cooldown", "scale-down-window", "max-step-up", "max-step-down", "dry-run", "provider", "local");
        int min = p.integer("min", 1, 0, 10_000);
        int max = p.integer("max", Math.max(min, 8), 1, 10_000);
        if (max < min) {
            throw p.errorAt("max", "max (" + max + ") is below min (" + min + ")", "set max >= min");
        }
        PolicyConfig defaults = PolicyConfig.of(min, max);
        PolicyConfig policy = new PolicyConfig(min, max,
                p.duration("cooldown", defaults.cooldown()),
                p.duration("scale-down-window", defaults.scaleDownWindow()),
                p.integer("max-step-up", defaults.maxStepUp(), 1, 10_000),
                p.integer("max-step-down", defaults.maxStepDown(), 1, 10_000),
                p.bool("dry-run", false));
        ProviderKind kind = p.enumValue("provider", ProviderKind.class, ProviderKind.LOCAL);
        ConfigNode l = p.child("local").requireOnly("base-port", "capacity", "latency", "drain", "stop-grace", "ready-timeout", "host",
                "log-dir");
        LocalProviderConfig d = LocalProviderConfig.of(9100, 100, Duration.ofMillis(5));
        String logDir = l.string("log-dir", null);
        LocalProviderConfig local = new LocalProviderConfig(
                l.string("host", d.host()),
                l.integer("base-port", d.basePort(), 1, 65_535),
                l.decimal("capacity", d.capacity(), 0.001, 1e9),
                l.duration("latency", d.latency()),
                l.duration("drain", d.drain()),
                l.duration("stop-grace", d.stopGrace()),
                l.duration("ready-timeout", d.readyTimeout()),
                logDir == null || logDir.isBlank() ? null : Path.of(logDir),
                null, null, LocalProviderConfig.DEFAULT_JVM_ARGS);
        return new PoolConfig(name, policy, kind, local);
    }
}
