package io.headroom.router.lane;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The shared character tables against their RFCs' definitions, written out here character by character. */
class UriCharsTest {
    @Test
    void tcharIsRfc9110sTokenCharacterSetAndNothingElse() {
        String tchar = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
        for (int c = -128; c < 256; c++) {
            assertThat(UriChars.tchar(c)).as("char %d", c).isEqualTo(c >= 0 && tchar.indexOf(c) >= 0);
        }
        assertThat(UriChars.tchar((byte) 0xE9)).isFalse(); // a Latin-1 byte, negative as a Java byte
    }
}
