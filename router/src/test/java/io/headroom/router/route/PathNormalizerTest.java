package io.headroom.router.route;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PathNormalizerTest {
    @Test
    void plainPathsAreReturnedAsIs() {
        String p = "/api/v1/users/42.json";
        assertThat(PathNormalizer.normalize(p)).isSameAs(p);
        assertThat(PathNormalizer.normalize("/a/.well-known/x")).isEqualTo("/a/.well-known/x");
    }

    @Test
    void removesDotSegmentsAndDecodesUnreserved() {
        assertThat(PathNormalizer.normalize("/api/../admin")).isEqualTo("/admin");
        assertThat(PathNormalizer.normalize("/api/%2e%2e/admin")).isEqualTo("/admin");
        assertThat(PathNormalizer.normalize("/api/%2E./admin")).isEqualTo("/admin");
        assertThat(PathNormalizer.normalize("/../../etc/passwd")).isEqualTo("/etc/passwd");
        assertThat(PathNormalizer.normalize("/a/./b/.")).isEqualTo("/a/b/");
        assertThat(PathNormalizer.normalize("/a/b/..")).isEqualTo("/a/");
        assertThat(PathNormalizer.normalize("/%61dmin")).isEqualTo("/admin");
        assertThat(PathNormalizer.normalize("/a%20b%3f")).isEqualTo("/a%20b%3F");
    }

    @Test
    void rejectsAmbiguousOrMalformedPaths() {
        assertThat(PathNormalizer.normalize("/api%2F..%2Fadmin")).isNull();
        assertThat(PathNormalizer.normalize("/api%5c..")).isNull();
        assertThat(PathNormalizer.normalize("/api\\..\\admin")).isNull();
        assertThat(PathNormalizer.normalize("/a%zz")).isNull();
        assertThat(PathNormalizer.normalize("/a%2")).isNull();
        assertThat(PathNormalizer.normalize("/a%00b")).isNull();
        assertThat(PathNormalizer.normalize("/a%0d%0aSet-Cookie:x")).isNull();
        assertThat(PathNormalizer.normalize("*")).isNull();
    }
}
