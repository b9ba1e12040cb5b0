package io.headroom.bench;

import io.headroom.router.auth.ApiKeyStore;
import io.headroom.router.auth.AuthResult;
import io.headroom.router.auth.Authenticator;
import io.headroom.router.auth.Identity;
import io.headroom.router.config.AuthConfig;
import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.limit.QuotaLeases;
import io.headroom.router.limit.RateLimiter;
import io.headroom.router.limit.RouteLimiter;
import io.headroom.time.Ticker;
import io.helidon.common.buffers.BufferData;
import io.headroom.router.proxy.HeaderTokens;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.WritableHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.Threads;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The gateway chain's own per-request work, as {@code bench/gateway-chain/headroom.yaml} configures it, on one thread:
 * the API-key check ({@code verifyApiKey}), the limit decision of a route with a per-consumer, a per-route and a
 * per-consumer-on-route GCRA rate ({@code acquire}), and that decision turned into the {@code RateLimit} and
 * {@code RateLimit-Policy} response headers and written as HTTP/1.1 header lines, as Helidon writes a response head
 * ({@code acquireAndWriteHeaders}); and the check every answer gets for {@code Connection: close}, as Helidon's token
 * search and in place ({@code closeCheck*}, plain proxy and chain alike). Run with {@code -prof gc} for bytes per
 * operation.
 */
public class GatewayChainBenchmark extends NanosBenchmark {
    private ApiKeyStore keys;
    private Authenticator auth;
    private RouteConfig.Auth keyRoute;
    private RouteLimiter limiter;
    private BufferData head;
    /** The response's headers, emptied per call (a response's own header table is not the chain's cost). */
    private WritableHeaders<?> headers;
    /** An answered response's headers as Helidon leaves them: its own {@code Connection: keep-alive} among the backend's. */
    private WritableHeaders<?> answered;

    @Setup(Level.Trial)
    public void setup() {
        AuthConfig.ApiKeys apiKeys = new AuthConfig.ApiKeys("X-Api-Key",
                List.of(new AuthConfig.Key("bench", ApiKeyStore.hashHex("bench-key-0001"), List.of())), null, Duration.ofSeconds(5));
        keys = new ApiKeyStore(apiKeys);
        auth = new Authenticator(new AuthConfig("headroom", apiKeys, List.of()), Clock.systemUTC(), Ticker.system());
        keyRoute = new RouteConfig.Auth(List.of(RouteConfig.AuthMethod.API_KEY), List.of());
        // far above the call rate, as in the benchmark config: every call is admitted with the whole burst left but one
        RouteConfig.Rate rate = new RouteConfig.Rate(1e9, 1_000_000L, "1000000000/s");
        limiter = new RateLimiter(new RateLimitConfig(rate, Map.of()), new QuotaLeases("bench"), Ticker.system(), Clock.systemUTC())
                .forRoute(new RouteConfig.Limits(rate, rate));
        head = BufferData.growing(1024);
        headers = WritableHeaders.create();
        answered = WritableHeaders.create();
        answered.set(HeaderValues.CONNECTION_KEEP_ALIVE);
        answered.set(HeaderNames.CONTENT_TYPE, "text/plain");
        answered.set(HeaderNames.create("X-Backend"), "b1");
    }

    @Benchmark
    @Threads(1)
    public Identity verifyApiKey() {
        return keys.verify("bench-key-0001");
    }

    /** A route's API-key check as the proxy calls it: the header's value in, an accepted result out. */
    @Benchmark
    @Threads(1)
    public AuthResult authenticate() {
        return auth.authenticate(keyRoute, "bench-key-0001", null);
    }

    @Benchmark
    @Threads(1)
    public RouteLimiter.Decision acquire() {
        return limiter.acquire("bench");
    }

    /** What the proxy does with a decision on an admitted request: two response headers, then their bytes in the head. */
    @Benchmark
    @Threads(1)
    public int acquireAndWriteHeaders() {
        RouteLimiter.Decision d = limiter.acquire("bench");
        headers.clear();
        headers.set(d.rateLimitHeader());
        headers.set(d.policyHeader());
        head.clear();
        for (Header h : headers) {
            h.writeHttp1Header(head);
        }
        return head.available();
    }

    /** The end-of-exchange check for {@code Connection: close} on the answer, as Helidon's stream-based token search. */
    @Benchmark
    @Threads(1)
    public boolean closeCheckHelidon() {
        return answered.contains(HeaderNames.CONNECTION) && answered.containsToken(HeaderValues.CONNECTION_CLOSE);
    }

    /** The same check read in place ({@link HeaderTokens}), as the proxy does it. */
    @Benchmark
    @Threads(1)
    public boolean closeCheckInPlace() {
        return HeaderTokens.contains(answered, HeaderNames.CONNECTION, "close");
    }
}
