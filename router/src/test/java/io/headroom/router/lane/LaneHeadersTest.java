package io.headroom.router.lane;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LaneHeadersTest {

    private static LaneHeaders headersOf(String head) {
        HeadParser p = new HeadParser(8192, 16384);
        byte[] b = head.getBytes(StandardCharsets.ISO_8859_1);
        assertThat(p.parse(b, b.length)).isPositive();
        return new LaneHeaders(b, p.fields, p.count);
    }

    private final LaneHeaders headers = headersOf("GET / HTTP/1.1\r\nHost: a:8080\r\nX-Forwarded-For: 10.0.0.1\r\n"
            + "accept: text/html\r\nx-forwarded-for: 10.0.0.2\r\nCookie: a=1; b=2\r\n\r\n");

    @Test
    void findsNamesInAnyCase() {
        assertThat(headers.contains(HeaderNames.HOST)).isTrue();
        assertThat(headers.contains(HeaderNames.create("ACCEPT"))).isTrue();
        assertThat(headers.contains(HeaderNames.create("X-Missing"))).isFalse();
        assertThat(headers.get(HeaderNames.HOST).get()).isEqualTo("a:8080");
        assertThat(headers.first(HeaderNames.ACCEPT)).contains("text/html");
    }

    @Test
    void aNameSentTwiceIsOneHeaderWithBothValuesInOrder() {
        Header xff = headers.get(HeaderNames.X_FORWARDED_FOR);
        assertThat(xff.allValues()).containsExactly("10.0.0.1", "10.0.0.2");
        assertThat(headers.values(HeaderNames.X_FORWARDED_FOR)).contains("10.0.0.1");
        assertThat(headers.contains(HeaderValues.create(HeaderNames.X_FORWARDED_FOR, "10.0.0.1", "10.0.0.2"))).isTrue();
        assertThat(headers.contains(HeaderValues.create(HeaderNames.X_FORWARDED_FOR, "10.0.0.1"))).isFalse();
    }

    @Test
    void iteratesEachNameOnceInTheOrderFirstSentAsHelidonDoes() {
        List<String> names = new ArrayList<>();
        for (Header h : headers) {
            names.add(h.name() + "=" + h.allValues());
        }
        assertThat(names).containsExactly("Host=[a:8080]", "X-Forwarded-For=[10.0.0.1, 10.0.0.2]", "Accept=[text/html]",
                "Cookie=[a=1; b=2]");
        assertThat(headers.size()).isEqualTo(4);
    }

    @Test
    void theRestOfHelidonsInterfaceWorksOnACopy() {
        assertThat(headers.cookies().first("b").get()).isEqualTo("2");
        assertThat(headers.acceptedTypes()).hasSize(1);
        assertThat(headers.toMap()).containsKey("X-Forwarded-For");
        assertThat(headers.contentLength()).isEmpty();
    }

    @Test
    void anAbsentNameIsRefusedAsHelidonDoes() {
        assertThatThrownBy(() -> headers.get(HeaderNames.CONTENT_TYPE)).isInstanceOf(NoSuchElementException.class);
        assertThat(headers.all(HeaderNames.CONTENT_TYPE, List::of)).isEmpty();
    }
}
