package io.helidon.webserver.http1;

import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.WritableHeaders;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * What Helidon 4.5.0's request-side validations cost per request, to decide whether the router should do them itself
 * (docs/router.md, "Performance"): {@code validate-request-host-header} ({@code Http1Connection.validateHostHeader},
 * package-private, hence this package) and {@code validate-path} (the prologue built with and without it), next to
 * the router's {@code RequestChecks}, which does the same checks with Helidon's turned off.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RequestValidationBenchmark {
    /** wrk's Host (an IPv4 address and port), a name with a port, and an IPv6 literal. */
    @Param({"127.0.0.1:24202", "api.example.com:8080", "[::1]:8080"})
    public String host;
    @Param({"/", "/api/v1/items/42"})
    public String path;

    private WritableHeaders<?> headers;
    private HttpPrologue prologue;
    private final io.headroom.router.proxy.RequestChecks checks = new io.headroom.router.proxy.RequestChecks();

    @Setup
    public void setup() {
        headers = WritableHeaders.create();
        headers.set(HeaderNames.HOST, host);
        headers.set(HeaderNames.USER_AGENT, "wrk");
        prologue = HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", Method.GET, path, false);
        checks.prologue(null, prologue); // on this benchmark thread, as the codec does before the headers
    }

    @Benchmark
    public WritableHeaders<?> hostHeaderValidated() {
        Http1Connection.validateHostHeader(prologue, headers, true);
        return headers;
    }

    @Benchmark
    public WritableHeaders<?> hostHeaderRouterChecks() {
        checks.headers(null, headers);
        return headers;
    }

    @Benchmark
    public HttpPrologue prologueWithRouterPathCheck() {
        HttpPrologue p = HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", Method.GET, path, false);
        checks.prologue(null, p);
        return p;
    }

    @Benchmark
    public HttpPrologue prologueWithPathValidation() {
        return HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", Method.GET, path, true);
    }

    @Benchmark
    public HttpPrologue prologueWithoutPathValidation() {
        return HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", Method.GET, path, false);
    }
}
