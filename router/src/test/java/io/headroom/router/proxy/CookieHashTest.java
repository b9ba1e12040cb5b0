package io.headroom.router.proxy;

import io.headroom.router.balance.Hashing;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class CookieHashTest {
    @Test
    void findsTheNamedCookieOnly() {
        long sid = Hashing.hash64("abc");
        assertThat(ProxyHandler.cookieHash("sid=abc", "sid")).isEqualTo(sid);
        assertThat(ProxyHandler.cookieHash("a=1; sid=abc; b=2", "sid")).isEqualTo(sid);
        assertThat(ProxyHandler.cookieHash("xsid=zzz;sid=abc", "sid")).isEqualTo(sid);
        assertThat(ProxyHandler.cookieHash("sidx=abc; a=1", "sid")).isEqualTo(ProxyHandler.NO_COOKIE);
        assertThat(ProxyHandler.cookieHash("", "sid")).isEqualTo(ProxyHandler.NO_COOKIE);
    }
}
