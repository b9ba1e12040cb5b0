package io.headroom.router.upstream;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Which backend hosts need a name lookup (done off a lane carrier) and which are literals (no lookup). */
class BackendAddressTest {
    @Test
    void ipLiteralsNeedNoLookupAndNamesDo() {
        assertThat(Backend.ipLiteral("127.0.0.1")).isTrue();
        assertThat(Backend.ipLiteral("10.20.30.40")).isTrue();
        assertThat(Backend.ipLiteral("::1")).isTrue();
        assertThat(Backend.ipLiteral("[fe80::1]")).isTrue();
        assertThat(Backend.ipLiteral("localhost")).isFalse();
        assertThat(Backend.ipLiteral("api.example.com")).isFalse();
        assertThat(Backend.ipLiteral("10.0.0")).isFalse(); // the resolver would read it as a name or a short form
        assertThat(Backend.ipLiteral("1e100.net")).isFalse();
    }
}
