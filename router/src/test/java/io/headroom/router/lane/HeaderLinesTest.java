package io.headroom.router.lane;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class HeaderLinesTest {
    private static String text(HeaderLines l) {
        return new String(l.bytes(), 0, l.length(), StandardCharsets.ISO_8859_1);
    }

    @Test
    void aValueGivenAsBytesIsWrittenAsTheSameValueGivenAsText() {
        HeaderLines fromText = new HeaderLines(16);
        HeaderLines fromBytes = new HeaderLines(16);
        String value = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        byte[] wire = ("xx" + value + "yy").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < 3; i++) { // past the first capacity: the array grows under both
            fromText.add("traceparent", value);
            fromBytes.add("traceparent", wire, 2, value.length());
        }
        assertThat(text(fromBytes)).isEqualTo(text(fromText))
                .isEqualTo(("traceparent: " + value + "\r\n").repeat(3));
    }

    @Test
    void charactersAndBytesAboveAsciiBecomeQuestionMarks() {
        HeaderLines l = new HeaderLines(16);
        l.add("X-Näme", new byte[] {'a', (byte) 0xE9, 'b'}, 0, 3);
        l.add("X-Text", "cé");
        assertThat(text(l)).isEqualTo("X-N?me: a?b\r\nX-Text: c?\r\n");
    }
}
