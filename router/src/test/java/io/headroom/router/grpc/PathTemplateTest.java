package io.headroom.router.grpc;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** google.api.http path templates: parsing, matching, variables, wildcards and verbs. */
class PathTemplateTest {
    @Test
    void variablesTakeOneSegmentAndAreDecoded() {
        PathTemplate t = PathTemplate.parse("/v1/shelves/{shelf}/books/{book.id}");
        assertThat(t.match("/v1/shelves/fiction/books/42")).containsExactly("fiction", "42");
        assertThat(t.match("/v1/shelves/sci%20fi/books/a%2Bb%C3%BC")).containsExactly("sci fi", "a+bü");
        assertThat(t.match("/v1/shelves/fiction/books")).isNull();
        assertThat(t.match("/v1/shelves/fiction/books/42/x")).isNull();
        assertThat(t.match("/v1/shelves//books/42")).isNull();
        assertThat(t.variables()).extracting(PathTemplate.Variable::fieldPath).containsExactly("shelf", "book.id");
        assertThat(t.literalCount()).isEqualTo(3);
    }

    @Test
    void multiSegmentVariablesAndWildcards() {
        PathTemplate named = PathTemplate.parse("/v1/{name=shelves/*/books/*}");
        assertThat(named.match("/v1/shelves/s1/books/b2")).containsExactly("shelves/s1/books/b2");
        assertThat(named.match("/v1/shelves/s1/tomes/b2")).isNull();
        PathTemplate rest = PathTemplate.parse("/files/{path=**}");
        assertThat(rest.match("/files/a/b/c.txt")).containsExactly("a/b/c.txt");
        assertThat(rest.hasTail()).isTrue();
        PathTemplate star = PathTemplate.parse("/v1/*/items");
        assertThat(star.match("/v1/anything/items")).isEmpty();
        assertThat(star.match("/v1/anything/other")).isNull();
    }

    @Test
    void verbs() {
        PathTemplate t = PathTemplate.parse("/v1/books/{id}:archive");
        assertThat(t.match("/v1/books/7:archive")).containsExactly("7");
        assertThat(t.match("/v1/books/7")).isNull();
        assertThat(t.match("/v1/books/7:restore")).isNull();
    }

    @Test
    void badTemplatesSayWhatIsWrong() {
        assertThatThrownBy(() -> PathTemplate.parse("v1/books")).hasMessageContaining("does not start with /");
        assertThatThrownBy(() -> PathTemplate.parse("/v1/{id")).hasMessageContaining("'{' without '}'");
        assertThatThrownBy(() -> PathTemplate.parse("/v1/{1d}")).hasMessageContaining("is not a field path");
        assertThatThrownBy(() -> PathTemplate.parse("/v1/**/x")).hasMessageContaining("** may only be the last segment");
        assertThatThrownBy(() -> PathTemplate.parse("/v1/{id}/{id}")).hasMessageContaining("appears twice");
        assertThatThrownBy(() -> PathTemplate.parse("/v1/x{id}")).hasMessageContaining("is not a literal");
        assertThatThrownBy(() -> PathTemplate.parse("/v1//x")).hasMessageContaining("empty segment");
    }

    @Test
    void grpcTimeoutsAndMessages() {
        assertThat(GrpcRoute.parseTimeout("100m")).isEqualTo(100_000_000L);
        assertThat(GrpcRoute.parseTimeout("2S")).isEqualTo(2_000_000_000L);
        assertThat(GrpcRoute.parseTimeout("1H")).isEqualTo(3_600_000_000_000L);
        assertThat(GrpcRoute.parseTimeout("5u")).isEqualTo(5_000L);
        assertThat(GrpcRoute.parseTimeout("123456789S")).isEqualTo(-1);
        assertThat(GrpcRoute.parseTimeout("10x")).isEqualTo(-1);
        assertThat(GrpcRoute.parseTimeout("m")).isEqualTo(-1);
        assertThat(GrpcRoute.percentEncode("not yours: ü%")).isEqualTo("not yours: %C3%BC%25");
    }
}
