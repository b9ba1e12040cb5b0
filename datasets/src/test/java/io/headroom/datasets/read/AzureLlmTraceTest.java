package io.headroom.datasets.read;

import io.headroom.datasets.TestFiles;
import io.headroom.datasets.Traces;
import io.headroom.datasets.trace.Arrivals;
import io.headroom.datasets.trace.InferenceRequest;
import io.headroom.datasets.trace.RateBucket;
import io.headroom.datasets.trace.ReadReport;
import io.headroom.datasets.trace.RecordedRequest;
import io.headroom.datasets.trace.TraceReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class AzureLlmTraceTest {
    @TempDir
    Path dir;

    @Test
    void tokensAreKeptAndBadRowsReported() throws Exception {
        Path p = TestFiles.write(dir, "llm.csv", "TIMESTAMP,ContextTokens,GeneratedTokens\n"
                + "2023-11-16 18:17:03.9799600,4808,10\n"
                + "2023-11-16 18:17:04.0319600,many,8\n"
                + "2023-11-16 18:17:04.5,3180\n"
                + "2023-11-16 18:17:05.0000000,3180,-2\n"
                + "2023-11-16 18:17:06.25,17,1\n");
        AzureLlmTrace t = (AzureLlmTrace) Traces.open(p);
        List<InferenceRequest> got;
        try (TraceReader<InferenceRequest> r = t.openInferences()) {
            got = new java.util.ArrayList<>();
            r.forEachRemaining(got::add);
            assertThat(r.report().malformedSamples()).extracting(ReadReport.Malformed::line).containsExactly(3L, 4L, 5L);
        }
        assertThat(got).containsExactly(
                new InferenceRequest(Instant.parse("2023-11-16T18:17:03.97996Z"), 4808, 10),
                new InferenceRequest(Instant.parse("2023-11-16T18:17:06.25Z"), 17, 1));
        assertThat(TestFiles.drain(AzureLlmTrace.of(p, "post", "/v1/completions").openRequests())).containsExactly(
                new RecordedRequest(Instant.parse("2023-11-16T18:17:03.97996Z"), "POST", "/v1/completions"),
                new RecordedRequest(Instant.parse("2023-11-16T18:17:06.25Z"), "POST", "/v1/completions"));
    }

    @Test
    void realTracesCountsAndPeakPerSecond() throws Exception {
        Path code = TestFiles.shared("azure-llm-inference-2023/AzureLLMInferenceTrace_code.csv.gz");
        Path conv = TestFiles.shared("azure-llm-inference-2023/AzureLLMInferenceTrace_conv.csv.gz");
        assumeTrue(code != null && conv != null, "shared Azure LLM traces absent");
        assertThat(count(code)).isEqualTo(8_819);
        assertThat(count(conv)).isEqualTo(19_366);
        long peak = 0;
        try (TraceReader<RateBucket> r = Arrivals.bucketize(Traces.open(code).openRequests(), Duration.ofSeconds(1))) {
            while (r.hasNext()) {
                peak = Math.max(peak, r.next().count());
            }
        }
        assertThat(peak).isEqualTo(67); // the README's 1-s peak of the code service
    }

    private static long count(Path p) throws Exception {
        long n = 0;
        long tokens = 0;
        try (TraceReader<InferenceRequest> r = ((AzureLlmTrace) Traces.open(p)).openInferences()) {
            while (r.hasNext()) {
                InferenceRequest q = r.next();
                tokens += q.contextTokens() + q.generatedTokens();
                n++;
            }
            assertThat(r.report().malformedCount()).isZero();
        }
        assertThat(tokens).isPositive();
        return n;
    }
}
