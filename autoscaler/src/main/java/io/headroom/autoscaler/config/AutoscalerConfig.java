package io.headroom.autoscaler.config;

import io.headroom.autoscaler.policy.PolicyConfig;
import io.headroom.autoscaler.provider.AwsConfig;
import io.headroom.autoscaler.provider.CommandConfig;
import io.headroom.autoscaler.provider.KubernetesConfig;
import io.headroom.autoscaler.provider.LocalProviderConfig;
import io.headroom.autoscaler.provider.Secret;
import io.headroom.autoscaler.provider.WebhookConfig;
import io.headroom.config.ConfigNode;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code autoscaler:} section.
 *
 * <pre>
 * autoscaler:
 *   kill-switch: false          # true: no actions, membership still published
 *   tick: 1s                    # how often policies run
 *   membership-ttl: 15s         # validUntil of the membership plan = now + this
 *   intent-ttl: 10s             # an intent older than this: the predictor is silent, the pool goes reactive
 *   reactive-window: 5s         # the reactive policy sizes on the mean load of this last span of telemetry
 *   pools:
 *     api:
 *       min: 1
 *       max: 8
 *       cooldown: 20s           # between scale-ups
 *       scale-down-window: 60s  # stabilisation window for scale-down
 *       max-step-up: 4
 *       max-step-down: 1
 *       dry-run: false          # forecast only: decide and audit, never act
 *       capacity-per-instance: 100   # reactive fallback; default: what the last intent planned, else local.capacity
 *       target-utilisation: 0.8      # reactive fallback: plan each instance at this share of its capacity
 *       provider: local         # local | webhook | command | kubernetes | aws; one section for the chosen one
 *       local: {base-port: 9100, capacity: 100, latency: 5ms, drain: 2s, stop-grace: 5s, ready-timeout: 30s,
 *               host: 127.0.0.1, log-dir: .headroom/instances}
 *       # or a pool of gateways (headroom proxy) behind the L4 edge:
 *       # local: {role: gateway, upstreams: [127.0.0.1:9001], kafka: 127.0.0.1:9092, drain: 2s, drain-timeout: 30s}
 *       webhook: {url: https://ops.example/scale, secret-env: HEADROOM_WEBHOOK_SECRET,   # or secret-file: /path
 *                 timeout: 5s, max-attempts: 5, initial-backoff: 200ms, max-backoff: 5s}
 *       command: {run: [/usr/local/bin/scale-api, --pool, api], timeout: 30s, working-dir: /srv}
 *       kubernetes: {kind: deployment, namespace: shop, name: api, context: prod, refresh: 5s, timeout: 10s}
 *       aws: {group: api-asg, region: eu-west-1, endpoint: https://autoscaling.eu-west-1.amazonaws.com, refresh: 15s, timeout: 10s}
 * </pre>
 *
 * <p>Secrets never sit in the YAML: the webhook's HMAC key comes from an environment variable or a file, AWS and
 * Kubernetes credentials from their ecosystems' usual places; a secret-looking key is rejected with where it goes.
 */
public record AutoscalerConfig(boolean killSwitch, Duration tick, Duration membershipTtl, Map<String, PoolConfig> pools,
                               Duration intentTtl, Duration reactiveWindow) {

    /**
     * The reactive fallback's sizing of one pool: {@code ceil(rate / (capacityPerInstance × targetUtilisation))}.
     *
     * @param capacityPerInstance requests per second one instance serves; 0 = not set: the last intent's planned
     *                            per-instance rate, else the local provider's capacity
     * @param targetUtilisation   in (0, 1]
     */
    public record Reactive(double capacityPerInstance, double targetUtilisation) {
        public static final Reactive DEFAULT = new Reactive(0, 0.8);

        public Reactive {
            if (!(capacityPerInstance >= 0) || Double.isInfinite(capacityPerInstance)) {
                throw new IllegalArgumentException("capacityPerInstance: " + capacityPerInstance + " (expected: >= 0, 0 = not set)");
            }
            if (!(targetUtilisation > 0 && targetUtilisation <= 1)) {
                throw new IllegalArgumentException("targetUtilisation: " + targetUtilisation + " (expected: in (0, 1])");
            }
        }
    }

    /** Which provider runs a pool's instances. */
    public enum ProviderKind { LOCAL, WEBHOOK, COMMAND, KUBERNETES, AWS;

        /** The YAML spelling, also the name of the provider's section. */
        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One pool: guardrails and provider settings. {@code local} is always set (defaults); the other sections only
     * for the provider the pool names, null otherwise.
     */
    public record PoolConfig(String name, PolicyConfig policy, ProviderKind provider, LocalProviderConfig local, WebhookConfig webhook,
                             CommandConfig command, KubernetesConfig kubernetes, AwsConfig aws, Reactive reactive) {
        public PoolConfig {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(reactive, "reactive");
            Objects.requireNonNull(policy, "policy");
            Objects.requireNonNull(provider, "provider");
            switch (provider) {
                case LOCAL -> Objects.requireNonNull(local, "local");
                case WEBHOOK -> Objects.requireNonNull(webhook, "webhook");
                case COMMAND -> Objects.requireNonNull(command, "command");
                case KUBERNETES -> Objects.requireNonNull(kubernetes, "kubernetes");
                case AWS -> Objects.requireNonNull(aws, "aws");
            }
        }

        /** A pool with the default reactive sizing. */
        public PoolConfig(String name, PolicyConfig policy, ProviderKind provider, LocalProviderConfig local, WebhookConfig webhook,
                          CommandConfig command, KubernetesConfig kubernetes, AwsConfig aws) {
            this(name, policy, provider, local, webhook, command, kubernetes, aws, Reactive.DEFAULT);
        }

        /** A pool run by local processes. */
        public PoolConfig(String name, PolicyConfig policy, ProviderKind provider, LocalProviderConfig local) {
            this(name, policy, provider, local, null, null, null, null);
        }
    }

    public AutoscalerConfig {
        Objects.requireNonNull(tick, "tick");
        Objects.requireNonNull(membershipTtl, "membershipTtl");
        Objects.requireNonNull(intentTtl, "intentTtl");
        Objects.requireNonNull(reactiveWindow, "reactiveWindow");
        if (intentTtl.compareTo(tick) <= 0) {
            throw new IllegalArgumentException("intentTtl: " + intentTtl + " (expected: > tick " + tick + ")");
        }
        if (reactiveWindow.toMillis() < 1000) {
            throw new IllegalArgumentException("reactiveWindow: " + reactiveWindow + " (expected: >= 1s)");
        }
        pools = Map.copyOf(new LinkedHashMap<>(pools));
    }

    /** A configuration with the default intent TTL for {@code tick} and the default reactive window. */
    public AutoscalerConfig(boolean killSwitch, Duration tick, Duration membershipTtl, Map<String, PoolConfig> pools) {
        this(killSwitch, tick, membershipTtl, pools, defaultIntentTtl(tick), DEFAULT_REACTIVE_WINDOW);
    }

    public static final Duration DEFAULT_TICK = Duration.ofSeconds(1);
    public static final Duration DEFAULT_MEMBERSHIP_TTL = Duration.ofSeconds(15);
    public static final Duration DEFAULT_REACTIVE_WINDOW = Duration.ofSeconds(5);
    /** Added to three ticks for the default intent TTL: room for the predictor's own tick and Kafka's latency. */
    public static final Duration INTENT_TTL_MARGIN = Duration.ofSeconds(7);

    /**
     * {@code 3 × tick + 7 s} (10 s at the default 1 s tick): three missed intents, plus room for a predictor that
     * publishes once a second or so and for Kafka's latency, before a pool stops trusting the forecast.
     */
    public static Duration defaultIntentTtl(Duration tick) {
        return tick.multipliedBy(3).plus(INTENT_TTL_MARGIN);
    }

    /** Parses the {@code autoscaler:} section of the root node; absent: no pools. Secrets from the process environment. */
    public static AutoscalerConfig from(ConfigNode root) {
        return from(root, System::getenv);
    }

    /** As {@link #from(ConfigNode)}, reading {@code secret-env} variables through {@code env}. */
    public static AutoscalerConfig from(ConfigNode root, Function<String, String> env) {
        ConfigNode a = root.child("autoscaler").requireOnly("kill-switch", "tick", "membership-ttl", "intent-ttl", "reactive-window",
                "pools");
        Duration tick = a.duration("tick", DEFAULT_TICK);
        if (tick.toMillis() < 10) {
            throw a.errorAt("tick", "tick " + tick.toMillis() + " ms is too short", "use at least 10ms; 1s is usual");
        }
        Duration ttl = a.duration("membership-ttl", DEFAULT_MEMBERSHIP_TTL);
        if (ttl.compareTo(tick) <= 0) {
            throw a.errorAt("membership-ttl", "membership-ttl must be longer than tick (" + tick.toMillis() + " ms)",
                    "use e.g. 15s so routers keep members between plans");
        }
        Duration intentTtl = a.duration("intent-ttl", defaultIntentTtl(tick));
        if (intentTtl.compareTo(tick) <= 0) {
            throw a.errorAt("intent-ttl", "intent-ttl must be longer than tick (" + tick.toMillis() + " ms)",
                    "use e.g. " + defaultIntentTtl(tick).toSeconds() + "s (3 x tick + 7s) so one late intent does not switch pools to reactive");
        }
        Duration window = a.duration("reactive-window", DEFAULT_REACTIVE_WINDOW);
        if (window.toMillis() < 1000) {
            throw a.errorAt("reactive-window", "reactive-window " + window.toMillis() + " ms is shorter than one telemetry window",
                    "use at least 1s; 5s is usual");
        }
        ConfigNode pools = a.child("pools");
        Map<String, PoolConfig> out = new LinkedHashMap<>();
        for (String name : pools.keys()) {
            out.put(name, pool(name, pools.child(name), env));
        }
        return new AutoscalerConfig(a.bool("kill-switch", false), tick, ttl, out, intentTtl, window);
    }

    private static PoolConfig pool(String name, ConfigNode p, Function<String, String> env) {
        rejectSecrets(p, "the pool");
        p.requireOnly("min", "max", "cooldown", "scale-down-window", "max-step-up", "max-step-down", "dry-run", "capacity-per-instance",
                "target-utilisation", "provider", "local", "webhook", "command", "kubernetes", "aws");
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
        Reactive reactive = new Reactive(p.decimal("capacity-per-instance", 0, 0, 1e9),
                p.decimal("target-utilisation", Reactive.DEFAULT.targetUtilisation(), 0.01, 1));
        ProviderKind kind = p.enumValue("provider", ProviderKind.class, ProviderKind.LOCAL);
        ConfigNode l = p.child("local").requireOnly("base-port", "capacity", "latency", "drain", "stop-grace", "ready-timeout", "host",
                "log-dir", "role", "upstreams", "kafka", "drain-timeout");
        LocalProviderConfig.Role role = l.enumValue("role", LocalProviderConfig.Role.class, LocalProviderConfig.Role.BACKEND);
        List<String> upstreams = l.has("upstreams") ? l.stringList("upstreams") : List.of();
        if (role == LocalProviderConfig.Role.GATEWAY && upstreams.isEmpty()) {
            throw l.error("role gateway needs 'upstreams': the backends each gateway proxies to",
                    "add e.g. upstreams: [127.0.0.1:9001, 127.0.0.1:9002]");
        }
        for (String u : upstreams) {
            int colon = u.lastIndexOf(':');
            boolean ok = colon > 0 && colon < u.length() - 1 && u.substring(colon + 1).chars().allMatch(Character::isDigit);
            if (!ok || Integer.parseInt(u.substring(colon + 1)) > 65_535) {
                throw l.errorAt("upstreams", "upstream '" + u + "' is not host:port", "write e.g. 127.0.0.1:9001");
            }
        }
        if (role != LocalProviderConfig.Role.GATEWAY) {
            for (String key : List.of("upstreams", "kafka", "drain-timeout")) {
                if (l.has(key)) {
                    throw l.errorAt(key, "'" + key + "' applies to role gateway only", "remove it, or set 'role: gateway'");
                }
            }
        }
        LocalProviderConfig d = role == LocalProviderConfig.Role.GATEWAY ? LocalProviderConfig.gateways(9100, upstreams)
                : LocalProviderConfig.of(9100, 100, Duration.ofMillis(5));
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
                null, null, d.jvmArgs(), role, upstreams, l.string("kafka", null), l.duration("drain-timeout", d.drainTimeout()));
        for (ProviderKind other : ProviderKind.values()) {
            if (other != kind && other != ProviderKind.LOCAL && p.has(other.key())) {
                throw p.errorAt(other.key(), "section '" + other.key() + "' is set but the pool's provider is " + kind.key(),
                        "set 'provider: " + other.key() + "', or remove the '" + other.key() + "' section");
            }
        }
        if (kind != ProviderKind.LOCAL && !p.has(kind.key())) {
            throw p.errorAt("provider", "provider " + kind.key() + " needs a '" + kind.key() + ":' section", "add it; e.g. "
                    + EXAMPLES.get(kind));
        }
        return switch (kind) {
            case LOCAL -> new PoolConfig(name, policy, kind, local, null, null, null, null, reactive);
            case WEBHOOK -> new PoolConfig(name, policy, kind, local, webhook(p.child("webhook"), env), null, null, null, reactive);
            case COMMAND -> new PoolConfig(name, policy, kind, local, null, command(p.child("command")), null, null, reactive);
            case KUBERNETES -> new PoolConfig(name, policy, kind, local, null, null, kubernetes(p.child("kubernetes")), null, reactive);
            case AWS -> new PoolConfig(name, policy, kind, local, null, null, null, aws(p.child("aws")), reactive);
        };
    }

    private static final Map<ProviderKind, String> EXAMPLES = Map.of(
            ProviderKind.WEBHOOK, "webhook: {url: https://ops.example/scale, secret-env: HEADROOM_WEBHOOK_SECRET}",
            ProviderKind.COMMAND, "command: {run: [/usr/local/bin/scale-api], timeout: 30s}",
            ProviderKind.KUBERNETES, "kubernetes: {kind: deployment, namespace: shop, name: api}",
            ProviderKind.AWS, "aws: {group: api-asg, region: eu-west-1}");

    /** Keys that would put a secret in the YAML. */
    private static final Set<String> SECRET_KEYS = Set.of("secret", "hmac-secret", "hmac-key", "signing-key", "key", "token", "password",
            "api-key", "bearer-token", "oauth-token", "client-secret", "access-key", "access-key-id", "secret-key", "secret-access-key",
            "aws-access-key-id", "aws-secret-access-key", "session-token", "aws-session-token", "kubeconfig-content", "client-key-data",
            "client-key", "credentials");
    private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

    private static void rejectSecrets(ConfigNode n, String where) {
        for (String k : n.keys()) {
            if (SECRET_KEYS.contains(k.toLowerCase(Locale.ROOT))) {
                throw n.errorAt(k, "'" + k + "' would put a secret in the YAML of " + where + "; secrets are never read from it",
                        WHERE_SECRETS_GO.getOrDefault(where, WHERE_SECRETS_GO.get("the pool")));
            }
        }
    }

    private static final Map<String, String> WHERE_SECRETS_GO = Map.of(
            "the pool", "remove it; the webhook's key goes in an environment variable (secret-env: HEADROOM_WEBHOOK_SECRET) or a "
                    + "file (secret-file: /path), cloud credentials in their usual places (see docs/autoscaler.md)",
            "webhook", "remove it; put the key in an environment variable and write 'secret-env: HEADROOM_WEBHOOK_SECRET', or in a "
                    + "file only this user can read and write 'secret-file: /etc/headroom/webhook.key'",
            "command", "remove it; the command inherits this process's environment: give it its credentials there",
            "kubernetes", "remove it; credentials come from the kubeconfig (KUBECONFIG or ~/.kube/config; pick one with 'context:') "
                    + "or, inside a cluster, the pod's service account",
            "aws", "remove it; credentials come from the AWS default chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, a profile "
                    + "(AWS_PROFILE, ~/.aws/credentials), web identity, or the ECS task / EC2 instance role");

    private static WebhookConfig webhook(ConfigNode w, Function<String, String> env) {
        rejectSecrets(w, "webhook");
        w.requireOnly("url", "secret-env", "secret-file", "timeout", "max-attempts", "initial-backoff", "max-backoff");
        String raw = w.requireString("url", "set the URL decisions are POSTed to, e.g. url: https://ops.example/scale");
        URI url;
        try {
            url = new URI(raw.trim());
        } catch (URISyntaxException e) {
            throw w.errorAt("url", "not a URL: " + e.getMessage(), "write e.g. https://ops.example/scale");
        }
        if (!("http".equals(url.getScheme()) || "https".equals(url.getScheme())) || url.getHost() == null) {
            throw w.errorAt("url", "'" + raw + "' is not an http(s) URL with a host", "write e.g. https://ops.example/scale");
        }
        boolean hasEnv = w.has("secret-env");
        boolean hasFile = w.has("secret-file");
        if (hasEnv == hasFile) {
            throw w.error(hasEnv ? "both secret-env and secret-file are set" : "the webhook needs an HMAC key and none is named",
                    "name exactly one: 'secret-env: HEADROOM_WEBHOOK_SECRET' (an environment variable) or 'secret-file: /path' "
                            + "(a file only this user can read); never the key itself");
        }
        Secret secret;
        if (hasEnv) {
            String var = w.string("secret-env", "").trim();
            if (!ENV_NAME.matcher(var).matches()) {
                throw w.errorAt("secret-env", "'secret-env' names an environment variable; this is not a variable name",
                        "if that was the key itself, remove it from the YAML and export it, e.g. HEADROOM_WEBHOOK_SECRET, then "
                                + "write 'secret-env: HEADROOM_WEBHOOK_SECRET'");
            }
            try {
                secret = Secret.fromEnv(var, env);
            } catch (IllegalArgumentException e) {
                throw w.errorAt("secret-env", e.getMessage(), "export " + var + " in the environment headroom starts in");
            }
        } else {
            Path file = Path.of(w.string("secret-file", "").trim());
            try {
                secret = Secret.fromFile(file);
            } catch (IOException | RuntimeException e) {
                throw w.errorAt("secret-file", "cannot read the webhook key from " + file + ": " + e.getMessage(),
                        "create the file (one line, the key) readable by this user only: chmod 600");
            }
        }
        Duration timeout = positive(w, "timeout", WebhookConfig.DEFAULT_TIMEOUT);
        int attempts = w.integer("max-attempts", WebhookConfig.DEFAULT_MAX_ATTEMPTS, 1, 100);
        Duration initial = positive(w, "initial-backoff", WebhookConfig.DEFAULT_INITIAL_BACKOFF);
        Duration max = positive(w, "max-backoff", WebhookConfig.DEFAULT_MAX_BACKOFF);
        if (max.compareTo(initial) < 0) {
            throw w.errorAt("max-backoff", "max-backoff is below initial-backoff", "set max-backoff >= initial-backoff");
        }
        return new WebhookConfig(url, secret, timeout, attempts, initial, max);
    }

    private static CommandConfig command(ConfigNode c) {
        rejectSecrets(c, "command");
        c.requireOnly("run", "timeout", "working-dir");
        if (!c.has("run")) {
            throw c.error("the command hook needs 'run'", "name the executable and its arguments, e.g. run: [/usr/local/bin/scale-api, --pool, api]");
        }
        List<String> run = c.stringList("run");
        if (run.isEmpty() || run.getFirst().isBlank()) {
            throw c.errorAt("run", "'run' is empty", "name the executable and its arguments, e.g. run: [/usr/local/bin/scale-api]");
        }
        String dir = c.string("working-dir", null);
        return new CommandConfig(run, positive(c, "timeout", CommandConfig.DEFAULT_TIMEOUT),
                dir == null || dir.isBlank() ? null : Path.of(dir));
    }

    private static KubernetesConfig kubernetes(ConfigNode k) {
        rejectSecrets(k, "kubernetes");
        k.requireOnly("kind", "namespace", "name", "context", "refresh", "timeout");
        String name = k.requireString("name", "name the Deployment or StatefulSet, e.g. name: api");
        String ns = k.string("namespace", null);
        String ctx = k.string("context", null);
        return new KubernetesConfig(k.enumValue("kind", KubernetesConfig.Kind.class, KubernetesConfig.Kind.DEPLOYMENT),
                ns == null || ns.isBlank() ? null : ns.trim(), name.trim(), ctx == null || ctx.isBlank() ? null : ctx.trim(),
                positive(k, "refresh", KubernetesConfig.DEFAULT_REFRESH), positive(k, "timeout", KubernetesConfig.DEFAULT_TIMEOUT));
    }

    private static AwsConfig aws(ConfigNode a) {
        rejectSecrets(a, "aws");
        a.requireOnly("group", "region", "endpoint", "refresh", "timeout");
        String group = a.requireString("group", "name the Auto Scaling group, e.g. group: api-asg");
        String region = a.string("region", null);
        String endpoint = a.string("endpoint", null);
        URI uri = null;
        if (endpoint != null && !endpoint.isBlank()) {
            try {
                uri = new URI(endpoint.trim());
            } catch (URISyntaxException e) {
                throw a.errorAt("endpoint", "not a URL: " + e.getMessage(), "write e.g. https://autoscaling.eu-west-1.amazonaws.com, or leave it out");
            }
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw a.errorAt("endpoint", "'" + endpoint + "' is not a URL with a scheme and host",
                        "write e.g. https://autoscaling.eu-west-1.amazonaws.com, or leave it out");
            }
        }
        return new AwsConfig(group.trim(), region == null || region.isBlank() ? null : region.trim(), uri,
                positive(a, "refresh", AwsConfig.DEFAULT_REFRESH), positive(a, "timeout", AwsConfig.DEFAULT_TIMEOUT));
    }

    private static Duration positive(ConfigNode n, String key, Duration def) {
        Duration d = n.duration(key, def);
        if (d.isZero() || d.isNegative()) {
            throw n.errorAt(key, key + " must be positive", "use e.g. " + def.toMillis() + "ms");
        }
        return d;
    }
}
