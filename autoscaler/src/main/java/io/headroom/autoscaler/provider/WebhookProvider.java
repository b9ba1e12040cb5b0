package io.headroom.autoscaler.provider;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Objects;
import java.util.Optional;
import java.util.random.RandomGenerator;
import java.util.logging.Logger;

/**
 * POSTs each decision as JSON ({@link ScaleRequest#toJson()}) to a URL that does the scaling.
 *
 * <ul>
 *   <li>{@code X-Headroom-Signature: sha256=<hex HMAC-SHA256 of the body>} with the configured secret, so the
 *       receiver can check the sender and the body;</li>
 *   <li>{@code Idempotency-Key: <decision id>}, the same on every retry of one decision, so a receiver that saw
 *       the first attempt succeed can ignore the retry;</li>
 *   <li>retries on connect errors, timeouts, 5xx, 408 and 429, at most {@code maxAttempts} in all, waiting
 *       {@code initialBackoff × 2^(n-1)} capped at {@code maxBackoff}, of which a random half (equal jitter);
 *       other 4xx fail at once (retrying cannot help);</li>
 *   <li>a 2xx is accepted; a JSON answer {@code {"current": N, "ready": M}} updates the counts.</li>
 * </ul>
 */
public final class WebhookProvider extends CapacityProvider {
    private static final Logger LOG = Logger.getLogger(WebhookProvider.class.getName());
    public static final String SIGNATURE_HEADER = "X-Headroom-Signature";
    public static final String IDEMPOTENCY_HEADER = "Idempotency-Key";

    private final WebhookConfig config;
    private final HttpClient http;
    private final RandomGenerator random;

    /**
     * @param random jitter source; pass a seeded one in tests
     */
    public WebhookProvider(String pool, WebhookConfig config, InstanceListener listener, Clock clock, RandomGenerator random) {
        super(pool, listener, clock, null, new Capacity(0, 0));
        this.config = Objects.requireNonNull(config, "config");
        this.random = Objects.requireNonNull(random, "random");
        this.http = HttpClient.newBuilder().connectTimeout(config.timeout()).version(HttpClient.Version.HTTP_1_1).build();
    }

    @Override
    public String kind() {
        return "webhook";
    }

    /** {@code sha256=} and the lower-case hex HMAC-SHA256 of {@code body} under {@code secret}. */
    public static String signature(Secret secret, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.bytes(), "HmacSHA256"));
            return "sha256=" + HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    @Override
    protected Optional<Capacity> apply(ScaleRequest request) throws IOException {
        byte[] body = request.toJson().getBytes(StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(config.url())
                .timeout(config.timeout())
                .header("Content-Type", "application/json")
                .header(SIGNATURE_HEADER, signature(config.secret(), body))
                .header(IDEMPOTENCY_HEADER, request.decisionId())
                .header("User-Agent", "headroom-autoscaler")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        String lastProblem = "";
        for (int attempt = 1; attempt <= config.maxAttempts(); attempt++) {
            if (attempt > 1) {
                sleep(backoff(attempt - 1));
            }
            try {
                HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
                int s = r.statusCode();
                if (s >= 200 && s < 300) {
                    return Capacity.fromJson(r.body());
                }
                lastProblem = "HTTP " + s + snippet(r.body());
                if (!(s >= 500 || s == 408 || s == 429)) {
                    throw new Refused(config.url() + " refused decision " + request.decisionId() + ": " + lastProblem
                            + " (not retried: a 4xx means the request itself is wrong; check the URL and the secret)");
                }
            } catch (Refused e) {
                throw e;
            } catch (IOException e) {
                lastProblem = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while posting to " + config.url(), e);
            }
            LOG.fine(() -> "webhook attempt failed for pool " + pool + ": " + config.url());
        }
        throw new IOException(config.url() + " failed " + config.maxAttempts() + " attempt(s) for decision " + request.decisionId()
                + "; last: " + lastProblem);
    }

    /** A 4xx answer: final. */
    private static final class Refused extends IOException {
        Refused(String message) {
            super(message);
        }
    }

    /** Equal jitter: half of the capped exponential wait, plus a random part of the other half. */
    Duration backoff(int retry) {
        long base = config.initialBackoff().toMillis();
        long cap = config.maxBackoff().toMillis();
        long exp = retry >= 31 ? cap : Math.min(cap, base << (retry - 1));
        long half = exp / 2;
        return Duration.ofMillis(half + (exp - half <= 0 ? 0 : random.nextLong(exp - half + 1)));
    }

    private static String snippet(String body) {
        if (body == null || body.isBlank()) {
            return "";
        }
        String b = body.strip().replaceAll("\\s+", " ");
        return ": " + (b.length() > 200 ? b.substring(0, 200) + "..." : b);
    }

    private static void sleep(Duration d) throws IOException {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted during back-off", e);
        }
    }

    @Override
    protected void closeClient() {
        http.shutdownNow();
    }
}
