package io.headroom.datasets.trace;

import java.time.Instant;
import java.util.Objects;

/**
 * One LLM inference request as recorded: its arrival, prompt size and output size in tokens (a proxy for
 * request and response weight).
 */
public record InferenceRequest(Instant at, long contextTokens, long generatedTokens) {
    public InferenceRequest {
        Objects.requireNonNull(at, "at");
        if (contextTokens < 0 || generatedTokens < 0) {
            throw new IllegalArgumentException("tokens: " + contextTokens + "/" + generatedTokens + " (expected: >= 0)");
        }
    }
}
