package io.headroom.router.auth;

import io.headroom.config.ConfigException;
import io.headroom.router.config.AuthConfig;
import io.headroom.time.ManualTicker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Opaque tokens against a real RFC 7662 endpoint on 127.0.0.1, with the cache on a hand-moved clock and ticker. */
@Timeout(60)
class TokenIntrospectorTest {
    private static final long T0 = 1_800_000_000_000L;
    @TempDir
    Path dir;
    private IntrospectionServer server;
    private final MutableClock clock = new MutableClock(T0);
    private final ManualTicker ticker = new ManualTicker(1_000_000_000L);
    private final List<TokenIntrospector> made = new ArrayList<>();

    @BeforeEach
    void start() throws Exception {
        server = new IntrospectionServer("gateway", "s3cret:&=");
    }

    @AfterEach
    void stop() {
        made.forEach(TokenIntrospector::close);
        server.close();
    }

    private AuthConfig.Introspection config(URI url, String consumerClaim, Duration timeout, int cacheSize, int maxInFlight) {
        return new AuthConfig.Introspection(url, "gateway", new AuthConfig.SecretSource(AuthConfig.SecretKind.ENV, "SECRET", "t.yaml:9:7"),
                "https://id.test", List.of("headroom"), consumerClaim, "scope", Duration.ofSeconds(5), timeout, cacheSize,
                Duration.ofMinutes(5), Duration.ofSeconds(10), maxInFlight, AuthConfig.OnFailure.UNAVAILABLE_503);
    }

    private TokenIntrospector introspector(AuthConfig.Introspection c, String secret) {
        TokenIntrospector t = new TokenIntrospector(c, clock, ticker, name -> name.equals("SECRET") ? secret : null);
        made.add(t);
        return t;
    }

    private TokenIntrospector introspector() {
        return introspector(config(server.url(), "sub", Duration.ofSeconds(20), 100, 64), "s3cret:&=");
    }

    private void active(String token, String sub, long expSeconds, String scope) {
        server.answers.put(token, """
                {"active":true,"sub":"%s","client_id":"app-%s","iss":"https://id.test","aud":["headroom","x"],"scope":"%s","exp":%d,
                 "token_type":"Bearer"}""".formatted(sub, sub, scope, expSeconds));
    }

    @Test
    void activeTokenIsCachedUntilItsExpiry() throws Exception {
        TokenIntrospector t = introspector();
        active("tok-a", "alice", T0 / 1000 + 60, "orders:read orders:write");
        Identity id = t.introspect("tok-a");
        assertThat(id.consumer()).isEqualTo("alice");
        assertThat(id.scopes()).containsExactlyInAnyOrder("orders:read", "orders:write");
        assertThat(id.method()).isEqualTo("introspection");
        assertThat(t.introspect("tok-a").consumer()).isEqualTo("alice");
        assertThat(server.calls("tok-a")).isEqualTo(1);
        assertThat(t.cacheHits()).isEqualTo(1);
        // 59 s later it is still cached (cache-ttl is 5 m, but the token's exp is 60 s away)
        clock.advance(Duration.ofSeconds(59));
        ticker.advance(Duration.ofSeconds(59));
        t.introspect("tok-a");
        assertThat(server.calls("tok-a")).isEqualTo(1);
        // past exp the entry is gone; the endpoint's answer now fails the exp check (beyond the 5 s skew)
        clock.advance(Duration.ofSeconds(7));
        ticker.advance(Duration.ofSeconds(7));
        assertThatThrownBy(() -> t.introspect("tok-a")).isInstanceOf(AuthException.class).hasMessage("the token has expired");
        assertThat(server.calls("tok-a")).isEqualTo(2);
    }

    @Test
    void cacheTtlBoundsTokensThatLiveLonger() throws Exception {
        TokenIntrospector t = introspector();
        active("long", "bob", T0 / 1000 + 86_400, "a");
        t.introspect("long");
        ticker.advance(Duration.ofMinutes(5).minusMillis(1));
        t.introspect("long");
        assertThat(server.calls("long")).isEqualTo(1);
        ticker.advance(Duration.ofMillis(1));
        t.introspect("long");
        assertThat(server.calls("long")).isEqualTo(2);
    }

    @Test
    void inactiveTokensAreCachedBriefly() {
        TokenIntrospector t = introspector();
        for (int i = 0; i < 3; i++) {
            assertThatThrownBy(() -> t.introspect("revoked")).isInstanceOf(AuthException.class).hasMessage("the token is not active");
        }
        assertThat(server.calls("revoked")).isEqualTo(1);
        ticker.advance(Duration.ofSeconds(10));
        assertThatThrownBy(() -> t.introspect("revoked")).isInstanceOf(AuthException.class);
        assertThat(server.calls("revoked")).isEqualTo(2);
    }

    @Test
    void checksIssuerAudienceAndConsumerClaim() throws Exception {
        TokenIntrospector t = introspector(config(server.url(), "client_id", Duration.ofSeconds(20), 100, 64), "s3cret:&=");
        active("ok", "carol", T0 / 1000 + 60, "x");
        assertThat(t.introspect("ok").consumer()).isEqualTo("app-carol");
        server.answers.put("other-iss", "{\"active\":true,\"client_id\":\"c\",\"iss\":\"https://evil\",\"aud\":\"headroom\"}");
        assertThatThrownBy(() -> t.introspect("other-iss")).hasMessage("untrusted issuer");
        server.answers.put("other-aud", "{\"active\":true,\"client_id\":\"c\",\"iss\":\"https://id.test\",\"aud\":\"nope\"}");
        assertThatThrownBy(() -> t.introspect("other-aud")).hasMessage("the token is not for this audience");
        server.answers.put("no-client", "{\"active\":true,\"iss\":\"https://id.test\",\"aud\":\"headroom\"}");
        assertThatThrownBy(() -> t.introspect("no-client")).hasMessage("the token has no client_id");
        server.answers.put("early", "{\"active\":true,\"client_id\":\"c\",\"iss\":\"https://id.test\",\"aud\":\"headroom\",\"nbf\":"
                + (T0 / 1000 + 60) + "}");
        assertThatThrownBy(() -> t.introspect("early")).hasMessage("the token is not valid yet");
    }

    @Test
    void theCacheIsBounded() throws Exception {
        TokenIntrospector t = introspector(config(server.url(), "sub", Duration.ofSeconds(20), 3, 64), "s3cret:&=");
        for (int i = 0; i < 20; i++) {
            active("t" + i, "u" + i, T0 / 1000 + 600, "");
            t.introspect("t" + i);
        }
        assertThat(t.cached()).isLessThanOrEqualTo(3);
    }

    @Test
    void wrongClientCredentialsFailClosedAndAreNotCached() {
        TokenIntrospector t = introspector(config(server.url(), "sub", Duration.ofSeconds(20), 100, 64), "wrong");
        active("tok", "alice", T0 / 1000 + 60, "");
        assertThatThrownBy(() -> t.introspect("tok")).isInstanceOf(IntrospectionUnavailableException.class)
                .hasMessageContaining("answered 401");
        assertThatThrownBy(() -> t.introspect("tok")).isInstanceOf(IntrospectionUnavailableException.class);
        assertThat(server.calls.get()).isEqualTo(2);
        assertThat(t.failures()).isEqualTo(2);
    }

    @Test
    void aDeadEndpointFailsClosed() throws Exception {
        int port = io.headroom.router.RefusedPort.next(); // nothing listens there: connections are refused
        TokenIntrospector t = introspector(config(URI.create("http://127.0.0.1:" + port + "/introspect"), "sub", Duration.ofSeconds(5), 100, 64),
                "x");
        assertThatThrownBy(() -> t.introspect("tok")).isInstanceOf(IntrospectionUnavailableException.class)
                .hasMessageContaining("could not be reached");
    }

    @Test
    void aSlowCallTimesOutAndIsGivenUp() {
        TokenIntrospector t = introspector(config(server.url(), "sub", Duration.ofMillis(200), 100, 1), "s3cret:&=");
        server.hold.add("slow");
        active("slow", "s", T0 / 1000 + 60, "");
        active("fast", "f", T0 / 1000 + 60, "");
        assertThatThrownBy(() -> t.introspect("slow")).isInstanceOf(IntrospectionUnavailableException.class)
                .hasMessageContaining("did not answer within 200 ms");
        // the abandoned call was interrupted, so it gives back the only in-flight permit while "slow" is still held
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> t.introspect("fast").consumer().equals("f"));
        assertThat(t.failures()).isGreaterThanOrEqualTo(1);
    }

    @Test
    void aSlowTokenDoesNotHoldUpOthersAndConcurrentRequestsShareOneCall() throws Exception {
        TokenIntrospector t = introspector();
        server.hold.add("slow");
        active("slow", "s", T0 / 1000 + 60, "");
        active("fast", "f", T0 / 1000 + 60, "");
        List<CompletableFuture<Identity>> waiting = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            waiting.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return t.introspect("slow");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }, r -> Thread.ofVirtual().start(r)));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> server.held.get() == 1);
        assertThat(t.introspect("fast").consumer()).isEqualTo("f"); // answered while "slow" is still held
        assertThat(waiting).noneMatch(CompletableFuture::isDone);
        server.release();
        for (CompletableFuture<Identity> f : waiting) {
            assertThat(f.get(20, TimeUnit.SECONDS).consumer()).isEqualTo("s");
        }
        assertThat(server.calls("slow")).isEqualTo(1);
    }

    @Test
    void callsBeyondMaxInFlightFailAtOnce() throws Exception {
        TokenIntrospector t = introspector(config(server.url(), "sub", Duration.ofSeconds(20), 100, 1), "s3cret:&=");
        server.hold.add("slow");
        active("slow", "s", T0 / 1000 + 60, "");
        active("other", "o", T0 / 1000 + 60, "");
        CompletableFuture<Identity> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return t.introspect("slow");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        await().atMost(Duration.ofSeconds(20)).until(() -> server.held.get() == 1);
        assertThatThrownBy(() -> t.introspect("other")).isInstanceOf(IntrospectionUnavailableException.class)
                .hasMessageContaining("1 introspection calls are already outstanding");
        server.release();
        assertThat(slow.get(20, TimeUnit.SECONDS).consumer()).isEqualTo("s");
        // the slow call's slot is given back just after its waiters are answered: poll rather than race that release
        await().atMost(Duration.ofSeconds(20)).ignoreException(IntrospectionUnavailableException.class)
                .until(() -> "o".equals(t.introspect("other").consumer()));
    }

    @Test
    void theSecretComesFromTheEnvironmentOrAFile() throws Exception {
        AuthConfig.Introspection c = config(server.url(), "sub", Duration.ofSeconds(20), 100, 64);
        assertThatThrownBy(() -> introspector(c, null)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:9:7").hasMessageContaining("environment variable SECRET");
        Path file = dir.resolve("secret");
        Files.writeString(file, "s3cret:&=\n");
        AuthConfig.Introspection fromFile = new AuthConfig.Introspection(server.url(), "gateway",
                new AuthConfig.SecretSource(AuthConfig.SecretKind.FILE, file.toString(), "t.yaml:3:1"), null, List.of(), "sub", "scope",
                Duration.ZERO, Duration.ofSeconds(20), 10, Duration.ofMinutes(1), Duration.ZERO, 4, AuthConfig.OnFailure.UNAVAILABLE_503);
        active("f", "from-file", T0 / 1000 + 60, "");
        assertThat(introspector(fromFile, null).introspect("f").consumer()).isEqualTo("from-file");
        AuthConfig.Introspection missing = new AuthConfig.Introspection(server.url(), "gateway",
                new AuthConfig.SecretSource(AuthConfig.SecretKind.FILE, dir.resolve("nope").toString(), "t.yaml:3:1"), null, List.of(),
                "sub", "scope", Duration.ZERO, Duration.ofSeconds(20), 10, Duration.ofMinutes(1), Duration.ZERO, 4,
                AuthConfig.OnFailure.UNAVAILABLE_503);
        assertThatThrownBy(() -> introspector(missing, null)).isInstanceOf(ConfigException.class).hasMessageContaining("t.yaml:3:1");
    }
}
