package io.headroom.router.trace;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TracingConfigTest {

    private static TracingConfig parse(String yaml) {
        return TracingConfig.from(ConfigNode.parse("t.yaml", yaml));
    }

    @Test
    void defaultsReturnTheTraceIdAndExportNothing() {
        assertThat(parse("{}\n")).isEqualTo(TracingConfig.DEFAULT);
        assertThat(TracingConfig.DEFAULT.responseHeader()).isEqualTo("x-trace-id");
        assertThat(TracingConfig.DEFAULT.otlp()).isNull();
        assertThat(parse("tracing: {response-header: none}\n").responseHeader()).isNull();
        TracingConfig tp = parse("tracing: {response-header: Traceparent}\n");
        assertThat(tp.responseHeader()).isEqualTo("traceparent");
        assertThat(tp.fullTraceparent()).isTrue();
        assertThat(parse("tracing: {response-header: x-request-trace}\n").fullTraceparent()).isFalse();
    }

    @Test
    void otlpSettings() {
        TracingConfig c = parse("""
                tracing:
                  otlp:
                    endpoint: http://collector:4318/v1/traces
                    service-name: edge-gw
                    timeout: 2s
                    queue: 100
                    sampled-only: false
                """);
        assertThat(c.otlp()).isEqualTo(new TracingConfig.Otlp(URI.create("http://collector:4318/v1/traces"), "edge-gw",
                Duration.ofSeconds(2), 100, false));
        assertThat(parse("tracing: {otlp: {endpoint: 'https://x/v1/traces'}}\n").otlp().sampledOnly()).isTrue();
    }

    @Test
    void errorsSayWhereAndWhatToDo() {
        assertThatThrownBy(() -> parse("tracing:\n  response-header: 'x trace'\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:2:").hasMessageContaining("not a header name");
        assertThatThrownBy(() -> parse("tracing:\n  otlp: {service-name: a}\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:2:").hasMessageContaining("tracing.otlp.endpoint").hasMessageContaining("4318");
        assertThatThrownBy(() -> parse("tracing:\n  otlp:\n    endpoint: collector:4318\n")).isInstanceOf(ConfigException.class)
                .hasMessageContaining("t.yaml:3:").hasMessageContaining("not an http(s) URL");
        assertThatThrownBy(() -> parse("tracing:\n  otlp:\n    endpoint: http://c/v1/traces\n    timeout: 0s\n"))
                .hasMessageContaining("t.yaml:4:").hasMessageContaining("positive");
        assertThatThrownBy(() -> parse("tracing:\n  otlp:\n    endpoint: http://c/v1/traces\n    protocol: grpc\n"))
                .hasMessageContaining("t.yaml:4:").hasMessageContaining("unknown key 'protocol'");
    }

    @Test
    void contextExposesTheRouterSpanParentAndSampledFlag() {
        TraceContext c = TraceContext.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", () -> 0x1234L);
        assertThat(c.parentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(c.spanId()).isEqualTo("0000000000001234");
        assertThat(c.sampled()).isTrue();
        TraceContext off = TraceContext.of("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", () -> 7L);
        assertThat(off.sampled()).isFalse();
        assertThat(off.flags()).isZero();
        TraceContext fresh = TraceContext.of(null, () -> 9L);
        assertThat(fresh.parentSpanId()).isNull();
        assertThat(fresh.sampled()).isTrue();
    }
}
