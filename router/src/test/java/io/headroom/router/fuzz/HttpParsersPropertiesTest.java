package io.headroom.router.fuzz;

import io.headroom.config.ConfigNode;
import io.headroom.router.config.RateLimitConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.limit.QuotaLeases;
import io.headroom.router.limit.RateLimiter;
import io.headroom.router.limit.RouteLimiter;
import io.headroom.router.route.PathNormalizer;
import io.headroom.router.route.RequestView;
import io.headroom.router.route.RouteMatcher;
import io.headroom.router.trace.TraceContext;
import io.headroom.time.ManualTicker;
import io.helidon.http.HeaderName;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based fuzzing (jqwik, fixed seeds, bounded tries) of the parsers that read what clients send: the path
 * normaliser and the route matcher's prefix rule, the W3C traceparent parser, and the RateLimit / RateLimit-Policy /
 * Retry-After values the limiter writes. Each property states what must hold for every input, not just for the
 * hand-picked cases of the unit tests; none may throw.
 */
class HttpParsersPropertiesTest {
    private static final Pattern TRACEPARENT = Pattern.compile("00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}");
    private static final Pattern RATE_LIMIT = Pattern.compile("\"[a-z-]+\";r=\\d+;t=\\d+");
    private static final Pattern POLICY = Pattern.compile("\"[a-z-]+\";q=\\d+;w=\\d+");

    /** Paths built from the characters that matter to normalisation, in hostile proportions. */
    @Provide
    Arbitrary<String> paths() {
        Arbitrary<String> piece = Arbitraries.oneOf(
                Arbitraries.of("/", "/", "/", ".", "..", "%", "%2e", "%2E", "%2f", "%2F", "%5c", "%5C", "%00", "%0a", "%41", "%7e",
                        "%zz", "%2", "\\", "a", "api", "admin", "~", "-", "_", "\u0000", "\n", "\r", "\u007f", "é", "%C3%A9", "//", "?"),
                Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(3),
                Arbitraries.strings().ofMaxLength(2));
        return piece.list().ofMaxSize(24).map(l -> String.join("", l));
    }

    @Property(tries = 2000, seed = "90210")
    void normalisedPathsAreCanonicalOrRefused(@ForAll("paths") String raw) {
        String p = PathNormalizer.normalize(raw);
        if (p == null) {
            return; // refused with 400: always allowed
        }
        assertThat(p).startsWith("/");
        for (String seg : p.split("/", -1)) {
            assertThat(seg).as("dot segment left in %s (from %s)", p, raw).isNotIn(".", "..");
        }
        assertThat(p).doesNotContain("\\");
        assertThat(p.chars().noneMatch(c -> c < 0x20 || c == 0x7f)).as("control character in %s", p).isTrue();
        String upper = p.toUpperCase(Locale.ROOT);
        assertThat(upper).doesNotContain("%2F").doesNotContain("%5C").doesNotContain("%2E");
        assertThat(PathNormalizer.normalize(p)).as("normalising is idempotent").isEqualTo(p);
    }

    @Provide
    Arbitrary<String> segments() {
        return Arbitraries.strings().withChars("abcxyz-019").ofMinLength(1).ofMaxLength(4)
                .list().ofMinSize(1).ofMaxSize(3).map(l -> "/" + String.join("/", l));
    }

    @Property(tries = 300, seed = "4711")
    void prefixRoutesMatchOnSegmentBoundariesOnly(@ForAll("segments") String prefix, @ForAll("segments") String tail,
                                                  @ForAll boolean join) {
        RouterConfig cfg = RouterConfig.from(ConfigNode.parse("fuzz.yaml", """
                router:
                  pools: {p: {backends: [127.0.0.1:9]}}
                  routes:
                    - {name: r, path-prefix: '%s', pool: p}
                """.formatted(prefix)));
        RouteMatcher m = new RouteMatcher(cfg.routes().get(0), 0);
        // either the prefix followed by a path, or the prefix glued to more characters of its last segment
        String path = join ? prefix + tail : prefix + tail.substring(1);
        boolean expected = path.equals(prefix) || path.startsWith(prefix + "/");
        assertThat(m.matches(view(path))).as("prefix %s, path %s", prefix, path).isEqualTo(expected);
        assertThat(m.matches(view(prefix))).isTrue();
    }

    private static RequestView view(String path) {
        return new RequestView() {
            public String method() {
                return "GET";
            }

            public String host() {
                return "example.test";
            }

            public String path() {
                return path;
            }

            public List<String> headerValues(HeaderName name) {
                return List.of();
            }

            public String query(String name) {
                return null;
            }
        };
    }

    /** traceparent-like values: valid ones, valid ones with one character changed, and noise. */
    @Provide
    Arbitrary<String> traceparents() {
        net.jqwik.api.arbitraries.StringArbitrary hex = Arbitraries.strings().withChars("0123456789abcdef");
        Arbitrary<String> valid = Combinators.combine(Arbitraries.of("00", "01", "cc", "fe", "ff"), hex.ofLength(32), hex.ofLength(16),
                hex.ofLength(2)).as((v, t, s, f) -> v + "-" + t + "-" + s + "-" + f);
        Arbitrary<String> mutated = Combinators.combine(valid, Arbitraries.integers().between(0, 54),
                Arbitraries.chars().with('-', 'A', 'g', '0', ' ', '\u00e9', 'F', 'x')).as((v, i, c) -> v.substring(0, i) + c + v.substring(i + 1));
        Arbitrary<String> extended = Combinators.combine(valid, Arbitraries.strings().ofMaxLength(8)).as((v, x) -> v + x);
        return Arbitraries.oneOf(valid, mutated, extended, Arbitraries.strings().ofMaxLength(60), Arbitraries.just(""));
    }

    @Property(tries = 2000, seed = "1955")
    void traceparentIsContinuedOnlyWhenValidAndAlwaysWellFormed(@ForAll("traceparents") String incoming, @ForAll long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        TraceContext t = TraceContext.of(incoming, rnd::nextLong);
        assertThat(t.traceparent()).matches(TRACEPARENT);
        assertThat(t.traceId()).hasSize(32).isNotEqualTo("0".repeat(32));
        assertThat(t.traceparent().substring(36, 52)).isNotEqualTo("0".repeat(16));
        assertThat(t.continued()).isEqualTo(TraceContext.valid(incoming));
        if (t.continued()) {
            assertThat(t.traceId()).isEqualTo(incoming.substring(3, 35));
            assertThat(t.traceparent().substring(53)).isEqualTo(incoming.substring(53, 55));
            assertThat(incoming.substring(0, 2)).isNotEqualTo("ff");
        }
    }

    @Property(tries = 300, seed = "31337")
    void rateLimitHeadersAreWellFormedAndRetryAfterIsBounded(
            @ForAll("rates") double perSecond, @ForAll("bursts") long burst, @ForAll("rates") double consumerRate,
            @ForAll("steps") List<Long> stepsNanos) {
        ManualTicker ticker = new ManualTicker();
        RouteConfig.Rate consumer = new RouteConfig.Rate(consumerRate, burst, consumerRate + "/s");
        RateLimiter limiter = new RateLimiter(new RateLimitConfig(consumer, Map.of()), new QuotaLeases("fuzz"), ticker, Clock.systemUTC());
        RouteLimiter rl = limiter.forRoute(new RouteConfig.Limits(new RouteConfig.Rate(perSecond, burst, perSecond + "/s"), null));
        double slowest = Math.min(perSecond, consumerRate);
        for (long step : stepsNanos) {
            ticker.advanceNanos(step);
            RouteLimiter.Decision d = rl.acquire("c" + (step % 3));
            assertThat(d).isNotNull();
            assertThat(d.rateLimit()).matches(RATE_LIMIT);
            for (String p : d.policies().split(", ")) {
                assertThat(p).matches(POLICY);
            }
            if (!d.allowed()) {
                assertThat(d.retryAfterSeconds()).isPositive()
                        .isLessThanOrEqualTo((long) Math.ceil(1 / slowest) + 1);
                assertThat(d.rateLimit()).endsWith(";r=0;t=" + d.retryAfterSeconds());
            }
        }
    }

    @Provide
    Arbitrary<Double> rates() {
        return Arbitraries.oneOf(Arbitraries.doubles().between(0.01, 5), Arbitraries.doubles().between(5, 100_000),
                Arbitraries.of(1.0, 10.0, 1000.0));
    }

    @Provide
    Arbitrary<Long> bursts() {
        return Arbitraries.longs().between(1, 2000);
    }

    @Provide
    Arbitrary<List<Long>> steps() {
        return Arbitraries.oneOf(Arbitraries.longs().between(0, 1_000_000), Arbitraries.longs().between(0, 5_000_000_000L), Arbitraries.just(0L))
                .list().ofMinSize(1).ofMaxSize(60);
    }
}
