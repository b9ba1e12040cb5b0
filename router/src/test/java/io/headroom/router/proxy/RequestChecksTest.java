package io.headroom.router.proxy;

import io.helidon.common.uri.UriPath;
import io.helidon.http.HeaderNames;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Method;
import io.helidon.http.RequestException;
import io.helidon.http.WritableHeaders;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * {@link RequestChecks}' scans accept only what Helidon 4.5.0's own checks accept (checked against Helidon's code on
 * generated strings), and everything else is decided by Helidon's code. The answers on the wire are in
 * {@code RequestChecksHttpTest}.
 */
class RequestChecksTest {
    private static boolean helidonAcceptsPath(String path) {
        try {
            UriPath.create(path).validate(); // what validate-path runs (Http1Prologue, HttpPrologue.create)
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static HttpPrologue prologue(String path) {
        return HttpPrologue.create("HTTP/1.1", "HTTP", "1.1", Method.GET, path, false);
    }

    private static boolean helidonAcceptsHost(String... hosts) {
        WritableHeaders<?> headers = WritableHeaders.create();
        for (String h : hosts) {
            headers.add(HeaderNames.HOST, h);
        }
        try {
            RequestChecks.checkHostAsHelidon(prologue("/"), headers);
            return true;
        } catch (RequestException e) {
            return false;
        }
    }

    @Provide
    Arbitrary<String> paths() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("/abcAZ09-._~!$&'()*+,=:@%;").ofMinLength(0).ofMaxLength(12).map(s -> "/" + s),
                Arbitraries.strings().withChars("/a%2fFgG<>\"{}|\\^`[] #?\u00e9\u00a0\u0085\u0001\u007f").ofMinLength(0).ofMaxLength(8),
                Arbitraries.strings().withChars("/a%41F").ofMinLength(1).ofMaxLength(6));
    }

    @Provide
    Arbitrary<String> hosts() {
        return Arbitraries.oneOf(
                Arbitraries.strings().withChars("abcXYZ019-._~").ofMinLength(0).ofMaxLength(10)
                        .flatMap(h -> Arbitraries.strings().withChars("0123456789+-a").ofMinLength(0).ofMaxLength(12)
                                .map(p -> p.isEmpty() ? h : h + ":" + p)),
                Arbitraries.strings().withChars("ab1.:[]%4!$ <\u00e9\t@").ofMinLength(0).ofMaxLength(10));
    }

    @Property(tries = 3000)
    void aPathTheScanAcceptsHelidonAccepts(@ForAll("paths") String path) {
        if (RequestChecks.plainPath(path)) {
            assertThat(helidonAcceptsPath(path)).as(path).isTrue();
        }
    }

    @Property(tries = 3000)
    void aHostTheScanAcceptsHelidonAccepts(@ForAll("hosts") String host) {
        if (RequestChecks.plainHost(host)) {
            assertThat(helidonAcceptsHost(host)).as(host).isTrue();
        }
    }

    @Test
    void theCommonRequestsAreAcceptedByTheScan() {
        assertThat(RequestChecks.plainPath("/")).isTrue();
        assertThat(RequestChecks.plainPath("/api/v1/items/42")).isTrue();
        assertThat(RequestChecks.plainPath("/a%2Fb/%C3%A9/x:y@z!$&'()*+,=-._~")).isTrue();
        assertThat(RequestChecks.plainHost("127.0.0.1:24202")).isTrue();
        assertThat(RequestChecks.plainHost("api.example.com")).isTrue();
        assertThat(RequestChecks.plainHost("localhost:8080")).isTrue();
    }

    @Test
    void whatTheScanDoesNotDecideGoesToHelidon() {
        // not plain, yet valid for Helidon: decided by Helidon's code, which accepts them
        for (String path : new String[] {"//x", "/a;b=c", "/caf\u00e9", "*", "/a%41"}) {
            if (!RequestChecks.plainPath(path)) {
                assertThat(helidonAcceptsPath(path)).as(path).isTrue();
                RequestChecks.checkPathAsHelidon(prologue(path)); // no exception
            }
        }
        for (String host : new String[] {"example:+80", "[::1]:8080", "[::1]", "ex%41mple", "a!b$c", "example:0000000080"}) {
            assertThat(RequestChecks.plainHost(host)).as(host).isFalse();
            assertThat(helidonAcceptsHost(host)).as(host).isTrue();
        }
    }

    @Test
    void refusalsAreHelidonsOwn() {
        for (String path : new String[] {"/a<b", "/a{b}", "/a|b", "/a^b", "/a`b", "/a\"b", "/a[b]", "/a\\b", "/a%zz", "/a%2", "/a%",
                "/a b", "///[x", "/a\u0001b"}) {
            assertThat(RequestChecks.plainPath(path)).as(path).isFalse();
            assertThat(helidonAcceptsPath(path)).as(path).isFalse();
            Throwable t = catchThrowable(() -> RequestChecks.checkPathAsHelidon(prologue(path)));
            assertThat(t).as(path).isInstanceOf(RequestException.class);
            assertThat(((RequestException) t).status().code()).isEqualTo(400);
            assertThat(t.getMessage()).startsWith("Invalid path: ");
            assertThat(((RequestException) t).safeMessage()).isFalse();
        }
        String[][] hosts = {
                {"exa<mple"}, {"a:b:80"}, {"example:"}, {"example:8a"}, {"example:99999999999"}, {"[zz::1]:80"}, {"[::1"},
                {"ex%4zmple"}, {":80"}, {""}, {"a", "b"}, {}};
        for (String[] h : hosts) {
            if (h.length == 1) {
                assertThat(RequestChecks.plainHost(h[0])).as(h[0]).isFalse();
            }
            assertThat(helidonAcceptsHost(h)).as(String.join("|", h)).isFalse();
        }
        WritableHeaders<?> two = WritableHeaders.create();
        two.add(HeaderNames.HOST, "a");
        two.add(HeaderNames.HOST, "b");
        // as the codec calls it: the prologue, then the headers
        RequestChecks checks = new RequestChecks();
        checks.prologue(null, prologue("/ok"));
        assertThatThrownBy(() -> checks.headers(null, two)).isInstanceOf(RequestException.class)
                .hasMessage("Only a single Host header is allowed in request");
        WritableHeaders<?> one = WritableHeaders.create();
        one.add(HeaderNames.HOST, "127.0.0.1:8080");
        checks.headers(null, one); // accepted by the scan
        assertThatThrownBy(() -> checks.prologue(null, prologue("/a%zz"))).isInstanceOf(RequestException.class)
                .hasMessageStartingWith("Invalid path: ");
    }

    @Test
    void anotherListenerIsCalledFirstAndTheChecksStillRun() {
        // Helidon 4.5.0 calls no method of a list of receive listeners, so the header deadline rides on this one
        java.util.List<String> seen = new java.util.ArrayList<>();
        io.helidon.webserver.http1.Http1ConnectionListener deadline = new io.helidon.webserver.http1.Http1ConnectionListener() {
            @Override
            public void prologue(io.helidon.webserver.ConnectionContext ctx, HttpPrologue prologue) {
                seen.add("prologue " + prologue.uriPath().rawPath());
            }

            @Override
            public void headers(io.helidon.webserver.ConnectionContext ctx, io.helidon.http.Headers headers) {
                seen.add("headers " + headers.size());
            }
        };
        RequestChecks checks = new RequestChecks(deadline);
        assertThatThrownBy(() -> checks.prologue(null, prologue("/a<b"))).isInstanceOf(RequestException.class);
        checks.prologue(null, prologue("/ok"));
        WritableHeaders<?> none = WritableHeaders.create();
        assertThatThrownBy(() -> checks.headers(null, none)).isInstanceOf(RequestException.class)
                .hasMessage("Host header must be present in the request");
        assertThat(seen).containsExactly("prologue /a<b", "prologue /ok", "headers 0");
    }
}
