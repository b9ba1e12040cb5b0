package io.headroom.router.auth;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.util.JSONObjectUtils;
import io.headroom.config.ConfigException;
import io.headroom.router.config.AuthConfig;
import io.headroom.time.Ticker;

import java.io.IOException;
import java.io.InputStream;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

/**
 * Checks opaque bearer tokens by OAuth 2.0 token introspection (RFC 7662): a form-encoded POST of the token to the
 * configured endpoint, authenticated with the gateway's client credentials (HTTP Basic, RFC 6749 section 2.3.1).
 *
 * <p>Verdicts are cached in a bounded cache keyed by the token's SHA-256 (the token itself is never kept). An active
 * token is cached for {@code cache-ttl}, never past its {@code exp}; an inactive one for {@code negative-ttl}, so a
 * client retrying a revoked token does not hammer the endpoint. A failure to get a verdict is never cached.
 *
 * <p>The call runs on its own virtual thread; the request waits for it at most {@code timeout}, then the call is
 * interrupted and the request fails closed. Requests for the same token share one call; requests for other tokens
 * never wait for it. At most {@code max-in-flight} calls are outstanding; past that, a new token fails as if the
 * endpoint were down (the endpoint is evidently not keeping up).
 */
public final class TokenIntrospector implements AutoCloseable {
    static final int MAX_RESPONSE_BYTES = 64 * 1024;

    /**
     * A cached verdict.
     *
     * @param identity  who the token identifies, or null when it is not acceptable
     * @param reason    why not (when {@code identity} is null)
     * @param expMillis the token's {@code exp} in epoch milliseconds, or {@link Long#MAX_VALUE} if it has none
     * @param ttlNanos  how long to cache it; 0 = not at all
     */
    record Verdict(Identity identity, String reason, long expMillis, long ttlNanos) {
    }

    /** One outstanding call: its result, and the thread to interrupt if nobody waits for it any more. */
    private record Call(CompletableFuture<Verdict> result, Thread[] worker) {
    }

    private final AuthConfig.Introspection config;
    private final Clock clock;
    private final Ticker ticker;
    private final String basicAuth;
    private final HttpClient http;
    private final Cache<String, Verdict> cache;
    private final ConcurrentHashMap<String, Call> inFlight = new ConcurrentHashMap<>();
    private final Semaphore permits;
    private final long timeoutNanos;
    private final LongAdder calls = new LongAdder();
    private final LongAdder hits = new LongAdder();
    private final LongAdder failures = new LongAdder();

    /**
     * @param env reads an environment variable (System::getenv; tests pass a map)
     * @throws ConfigException when the client secret cannot be read (at the file:line that named its source)
     */
    public TokenIntrospector(AuthConfig.Introspection config, Clock clock, Ticker ticker, UnaryOperator<String> env) {
        this.config = config;
        this.clock = clock;
        this.ticker = ticker;
        String secret = secret(config.clientSecret(), env);
        this.basicAuth = "Basic " + Base64.getEncoder().encodeToString((form(config.clientId()) + ":" + form(secret))
                .getBytes(StandardCharsets.UTF_8));
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).followRedirects(HttpClient.Redirect.NEVER).build();
        this.permits = new Semaphore(config.maxInFlight());
        this.timeoutNanos = config.timeout().toNanos();
        this.cache = Caffeine.newBuilder()
                .maximumSize(config.cacheSize())
                .ticker(ticker::read)
                .executor(Runnable::run) // maintenance on the caller: no pool threads, deterministic in tests
                .expireAfter(new Expiry<String, Verdict>() {
                    @Override
                    public long expireAfterCreate(String k, Verdict v, long now) {
                        return v.ttlNanos();
                    }

                    @Override
                    public long expireAfterUpdate(String k, Verdict v, long now, long current) {
                        return v.ttlNanos();
                    }

                    @Override
                    public long expireAfterRead(String k, Verdict v, long now, long current) {
                        return current;
                    }
                })
                .build();
    }

    private static String secret(AuthConfig.SecretSource s, UnaryOperator<String> env) {
        String value;
        if (s.kind() == AuthConfig.SecretKind.ENV) {
            value = env.apply(s.name());
            if (value == null || value.isBlank()) {
                throw new ConfigException(s.where(), "environment variable " + s.name() + " (the introspection client secret) is not set",
                        "export " + s.name() + " before starting the router, or use client-secret-file");
            }
        } else {
            try {
                value = Files.readString(Path.of(s.name()), StandardCharsets.UTF_8);
            } catch (IOException | RuntimeException e) {
                throw new ConfigException(s.where(), "cannot read the introspection client secret file " + s.name() + ": " + e,
                        "create the file with the secret on one line, readable by the router");
            }
            if (value.isBlank()) {
                throw new ConfigException(s.where(), "the introspection client secret file " + s.name() + " is empty",
                        "write the secret into it");
            }
        }
        return value.strip();
    }

    /**
     * The identity of an active token.
     *
     * @throws AuthException                      the endpoint says the token is not active, or it fails a check here
     * @throws IntrospectionUnavailableException the endpoint gave no verdict within the timeout
     */
    public Identity introspect(String token) throws AuthException, IntrospectionUnavailableException {
        String key = sha256(token);
        Verdict v = cache.getIfPresent(key);
        if (v != null) {
            hits.increment();
        } else {
            v = await(key, token);
        }
        if (v.identity() == null) {
            throw new AuthException(v.reason());
        }
        if (clock.millis() > v.expMillis() + config.clockSkew().toMillis()) {
            throw new AuthException("the token has expired");
        }
        return v.identity();
    }

    private Verdict await(String key, String token) throws IntrospectionUnavailableException {
        long deadline = ticker.read() + timeoutNanos;
        Call call = inFlight.get(key);
        if (call == null) {
            Call mine = new Call(new CompletableFuture<>(), new Thread[1]);
            call = inFlight.putIfAbsent(key, mine);
            if (call == null) {
                call = mine;
                start(key, token, mine);
            }
        }
        try {
            return call.result().get(Math.max(1, deadline - ticker.read()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            failures.increment();
            abandon(key, call);
            throw new IntrospectionUnavailableException("the introspection endpoint did not answer within " + config.timeout().toMillis() + " ms");
        } catch (ExecutionException e) {
            failures.increment();
            throw e.getCause() instanceof IntrospectionUnavailableException u ? u
                    : new IntrospectionUnavailableException("introspection failed: " + e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IntrospectionUnavailableException("interrupted while waiting for introspection");
        }
    }

    private void start(String key, String token, Call mine) throws IntrospectionUnavailableException {
        if (!permits.tryAcquire()) {
            inFlight.remove(key, mine);
            IntrospectionUnavailableException e = new IntrospectionUnavailableException(
                    config.maxInFlight() + " introspection calls are already outstanding");
            mine.result().completeExceptionally(e);
            failures.increment();
            throw e;
        }
        calls.increment();
        synchronized (mine.worker()) {
            mine.worker()[0] = Thread.ofVirtual().name("headroom-introspection").start(() -> {
                // The verdict goes into the cache before the call leaves inFlight, so a later request finds one or the
                // other; and the call leaves inFlight before it completes, so no later request takes a finished call's
                // verdict after the cache has expired it.
                try {
                    Verdict v = call(token);
                    if (v.ttlNanos() > 0 && config.cacheSize() > 0) {
                        cache.put(key, v);
                    }
                    inFlight.remove(key, mine);
                    mine.result().complete(v);
                } catch (Throwable t) {
                    inFlight.remove(key, mine);
                    mine.result().completeExceptionally(t);
                } finally {
                    permits.release();
                }
            });
        }
    }

    /** Nobody may wait longer than the timeout, so the call is given up: its thread interrupted, its waiters failed. */
    private void abandon(String key, Call call) {
        inFlight.remove(key, call);
        call.result().completeExceptionally(new IntrospectionUnavailableException(
                "the introspection endpoint did not answer within " + config.timeout().toMillis() + " ms"));
        synchronized (call.worker()) {
            if (call.worker()[0] != null) {
                call.worker()[0].interrupt();
            }
        }
    }

    /** One POST to the endpoint; runs on the call's own virtual thread. */
    private Verdict call(String token) throws IntrospectionUnavailableException {
        HttpRequest req = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("Authorization", basicAuth)
                .POST(HttpRequest.BodyPublishers.ofString("token=" + form(token) + "&token_type_hint=access_token"))
                .build();
        HttpResponse<InputStream> r;
        byte[] body;
        try {
            r = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = r.body()) {
                body = in.readNBytes(MAX_RESPONSE_BYTES + 1);
            }
        } catch (java.net.http.HttpTimeoutException e) {
            throw new IntrospectionUnavailableException("the introspection endpoint did not answer within " + config.timeout().toMillis() + " ms");
        } catch (IOException e) {
            throw new IntrospectionUnavailableException("the introspection endpoint could not be reached: " + e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            throw new IntrospectionUnavailableException("the introspection call was given up");
        }
        if (r.statusCode() != 200) {
            throw new IntrospectionUnavailableException("the introspection endpoint answered " + r.statusCode());
        }
        if (body.length > MAX_RESPONSE_BYTES) {
            throw new IntrospectionUnavailableException("the introspection response is larger than " + MAX_RESPONSE_BYTES + " bytes");
        }
        Map<String, Object> json;
        try {
            json = JSONObjectUtils.parse(new String(body, StandardCharsets.UTF_8));
        } catch (ParseException e) {
            throw new IntrospectionUnavailableException("the introspection response is not a JSON object");
        }
        return verdict(json);
    }

    /** The verdict on an RFC 7662 response. */
    Verdict verdict(Map<String, Object> json) throws IntrospectionUnavailableException {
        Object active = json.get("active");
        if (!(active instanceof Boolean)) {
            throw new IntrospectionUnavailableException("the introspection response has no boolean 'active'");
        }
        long negative = config.negativeTtl().toNanos();
        if (!(Boolean) active) {
            return refused("the token is not active", negative);
        }
        long now = clock.millis();
        long skew = config.clockSkew().toMillis();
        long exp = Long.MAX_VALUE;
        if (json.get("exp") != null) {
            if (!(json.get("exp") instanceof Number n)) {
                return refused("the token's exp is not a number", negative);
            }
            exp = Math.multiplyHigh(n.longValue(), 1000) != 0 ? Long.MAX_VALUE : n.longValue() * 1000;
            if (now > exp + skew) {
                return refused("the token has expired", negative);
            }
        }
        if (json.get("nbf") instanceof Number nbf && now + skew < nbf.longValue() * 1000) {
            return refused("the token is not valid yet", negative);
        }
        if (config.issuer() != null && !config.issuer().equals(json.get("iss"))) {
            return refused("untrusted issuer", negative);
        }
        if (!config.audiences().isEmpty()) {
            Object aud = json.get("aud");
            List<?> auds = aud instanceof List<?> l ? l : aud == null ? List.of() : List.of(aud);
            boolean any = false;
            for (Object a : auds) {
                any |= config.audiences().contains(String.valueOf(a));
            }
            if (!any) {
                return refused("the token is not for this audience", negative);
            }
        }
        if (!(json.get(config.consumerClaim()) instanceof String consumer) || consumer.isEmpty()) {
            return refused("the token has no " + config.consumerClaim(), negative);
        }
        long ttl = config.cacheTtl().toNanos();
        if (exp != Long.MAX_VALUE) {
            ttl = Math.min(ttl, Math.max(0, exp - now) * 1_000_000L);
        }
        return new Verdict(new Identity(consumer, Identity.scopesOf(json.get(config.scopeClaim())), "introspection"), null, exp, ttl);
    }

    private static Verdict refused(String reason, long ttl) {
        return new Verdict(null, reason, Long.MAX_VALUE, ttl);
    }

    private static String form(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String sha256(String token) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
            return Base64.getEncoder().withoutPadding().encodeToString(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** What to answer when no verdict could be had. */
    public AuthConfig.OnFailure onFailure() {
        return config.onFailure();
    }

    /** Calls made to the endpoint so far. */
    public long calls() {
        return calls.sum();
    }

    /** Requests answered from the cache. */
    public long cacheHits() {
        return hits.sum();
    }

    /** Requests that got no verdict (timeout, endpoint down, too many calls outstanding). */
    public long failures() {
        return failures.sum();
    }

    /** Verdicts cached now (after pending evictions). */
    public long cached() {
        cache.cleanUp();
        return cache.estimatedSize();
    }

    @Override
    public void close() {
        http.close();
    }
}
