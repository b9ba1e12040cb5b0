package io.headroom.router.proxy;

import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.WritableHeaders;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderTokensTest {
    @Test
    void findsATokenInAListIgnoringCaseAndSpace() {
        assertThat(HeaderTokens.listed("close", "close")).isTrue();
        assertThat(HeaderTokens.listed("Close", "close")).isTrue();
        assertThat(HeaderTokens.listed("keep-alive, close", "close")).isTrue();
        assertThat(HeaderTokens.listed(" \tCLOSE \t, upgrade", "close")).isTrue();
        assertThat(HeaderTokens.listed("upgrade,close", "close")).isTrue();
        assertThat(HeaderTokens.listed("keep-alive", "close")).isFalse();
        assertThat(HeaderTokens.listed("closed, xclose, clo se", "close")).isFalse();
        assertThat(HeaderTokens.listed("", "close")).isFalse();
        assertThat(HeaderTokens.listed(",,", "close")).isFalse();
    }

    @Test
    void looksAtEveryValueOfTheHeader() {
        WritableHeaders<?> h = WritableHeaders.create();
        assertThat(HeaderTokens.contains(h, HeaderNames.CONNECTION, "close")).isFalse();
        h.set(HeaderValues.CONNECTION_KEEP_ALIVE);
        assertThat(HeaderTokens.contains(h, HeaderNames.CONNECTION, "close")).isFalse();
        h.add(HeaderNames.CONNECTION, "Upgrade, Close");
        assertThat(HeaderTokens.contains(h, HeaderNames.CONNECTION, "close")).isTrue();
        h.set(HeaderValues.CONNECTION_CLOSE);
        assertThat(HeaderTokens.contains(h, HeaderNames.CONNECTION, "close")).isTrue();
    }

    /** The same answers as splitting on commas and trimming, over random lists of near-miss tokens (seeded). */
    @Test
    void agreesWithSplittingOnRandomLists() {
        Random rnd = new Random(42);
        List<String> parts = List.of("close", "CLOSE", "Close", "keep-alive", "clos", "closee", "", " ", "\t", "upgrade", "c lose");
        for (int n = 0; n < 5_000; n++) {
            StringBuilder b = new StringBuilder();
            int k = rnd.nextInt(5);
            for (int i = 0; i < k; i++) {
                if (i > 0) {
                    b.append(rnd.nextBoolean() ? "," : ", ");
                }
                b.append(rnd.nextBoolean() ? " " : "").append(parts.get(rnd.nextInt(parts.size()))).append(rnd.nextBoolean() ? "\t" : "");
            }
            String v = b.toString();
            boolean expected = false;
            for (String t : v.split(",", -1)) {
                expected |= t.strip().equalsIgnoreCase("close");
            }
            assertThat(HeaderTokens.listed(v, "close")).as("'%s'", v).isEqualTo(expected);
        }
    }
}
