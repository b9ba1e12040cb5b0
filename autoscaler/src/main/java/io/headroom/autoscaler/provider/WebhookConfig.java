package io.headroom.autoscaler.provider;

import java.net.URI;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link WebhookProvider}.
 *
 * @param url            where decisions are POSTed
 * @param secret         HMAC-SHA256 key of the {@code X-Headroom-Signature} header
 * @param timeout        per attempt (connect and answer)
 * @param maxAttempts    attempts per decision, the first included
 * @param initialBackoff wait before the second attempt; doubles each attempt, with jitter
 * @param maxBackoff     cap of one wait
 */
public record WebhookConfig(URI url, Secret secret, Duration timeout, int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
    public static final int DEFAULT_MAX_ATTEMPTS = 5;
    public static final Duration DEFAULT_INITIAL_BACKOFF = Duration.ofMillis(200);
    public static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(5);

    public WebhookConfig {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(secret, "secret");
        Objects.requireNonNull(timeout, "timeout");
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
            throw new IllegalArgumentException("url: " + url + " (expected: http(s)://host[:port]/path)");
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts: " + maxAttempts + " (expected: >= 1)");
        }
    }

    public static WebhookConfig of(URI url, Secret secret) {
        return new WebhookConfig(url, secret, DEFAULT_TIMEOUT, DEFAULT_MAX_ATTEMPTS, DEFAULT_INITIAL_BACKOFF, DEFAULT_MAX_BACKOFF);
    }
}
