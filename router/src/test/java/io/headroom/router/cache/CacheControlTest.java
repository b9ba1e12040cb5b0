package io.headroom.router.cache;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Cache-Control parsing and ETag comparison, case by case. */
class CacheControlTest {
    @Test
    void directivesAcrossValuesWithQuotesAndOddCase() {
        CacheControl c = CacheControl.parse(List.of("Public, MAX-AGE=60", "s-maxage=\"120\", stale-while-revalidate=30",
                "private=\"Set-Cookie, X-A\", no-transform"));
        assertThat(c.isPublic()).isTrue();
        assertThat(c.isPrivate()).isTrue(); // field-named private is read as private
        assertThat(c.maxAge()).isEqualTo(60);
        assertThat(c.sMaxAge()).isEqualTo(120);
        assertThat(c.staleWhileRevalidate()).isEqualTo(30);
        assertThat(c.noStore()).isFalse();
    }

    @Test
    void badOrRepeatedValuesAreReadConservatively() {
        assertThat(CacheControl.parse(List.of("max-age=abc")).maxAge()).isZero();
        assertThat(CacheControl.parse(List.of("max-age=60, max-age=10")).maxAge()).isEqualTo(10);
        assertThat(CacheControl.parse(List.of("max-age=99999999999")).maxAge()).isEqualTo(Integer.MAX_VALUE);
        assertThat(CacheControl.parse(List.of("no-store, no-cache, must-revalidate, only-if-cached")))
                .isEqualTo(new CacheControl(true, true, false, false, -1, -1, true, -1, true));
        assertThat(CacheControl.parse(null)).isEqualTo(CacheControl.NONE);
        assertThat(CacheControl.parse(List.of("proxy-revalidate")).mustRevalidate()).isTrue();
    }

    @Test
    void etagsCompareWeakly() {
        assertThat(ResponseCache.etagMatches("\"a\", W/\"b\"", "\"b\"")).isTrue();
        assertThat(ResponseCache.etagMatches("W/\"b\"", "W/\"b\"")).isTrue();
        assertThat(ResponseCache.etagMatches("*", "\"z\"")).isTrue();
        assertThat(ResponseCache.etagMatches("\"a\"", "\"b\"")).isFalse();
    }
}
