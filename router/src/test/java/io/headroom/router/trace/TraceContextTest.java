package io.headroom.router.trace;

import io.headroom.router.balance.Rng;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class TraceContextTest {
    @Test
    void validatesPerTheSpecification() {
        assertThat(TraceContext.valid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isTrue();
        assertThat(TraceContext.valid("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future")).isTrue();
        assertThat(TraceContext.valid("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01future")).isFalse();
        assertThat(TraceContext.valid("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-1")).isFalse();
        assertThat(TraceContext.valid("00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01")).isFalse();
        assertThat(TraceContext.valid("00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")).isFalse();
    }

    @Test
    void seededIdsAreReproducibleAndContinuedTracesKeepTheirId() {
        TraceContext a = TraceContext.of(null, new Rng(7)::nextLong);
        TraceContext b = TraceContext.of(null, new Rng(7)::nextLong);
        assertThat(a).isEqualTo(b);
        assertThat(a.traceparent()).hasSize(55).startsWith("00-" + a.traceId() + "-").endsWith("-01");
        assertThat(a.continued()).isFalse();

        TraceContext c = TraceContext.of(a.traceparent(), new Rng(8)::nextLong);
        assertThat(c.traceId()).isEqualTo(a.traceId());
        assertThat(c.traceparent()).isNotEqualTo(a.traceparent());
        assertThat(c.continued()).isTrue();
    }
}
