package io.headroom.ingest.json;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JsonStringsTest {
    @Test
    void escapesWhatJsonAndUtf8Need() {
        assertThat(JsonStrings.quote(null)).isEqualTo("null");
        assertThat(JsonStrings.quote("plain")).isEqualTo("\"plain\"");
        assertThat(JsonStrings.quote("a\"b\\c\n\r\t\b\f")).isEqualTo("\"a\\\"b\\\\c\\n\\r\\t\\b\\f\"");
        assertThat(JsonStrings.quote("\u0001\u007f\u2028\u2029")).isEqualTo("\"\\u0001\\u007f\\u2028\\u2029\"");
        assertThat(JsonStrings.quote("ok \uD83D\uDE00")).isEqualTo("\"ok \uD83D\uDE00\"");
        assertThat(JsonStrings.quote("lone \uD83D.")).isEqualTo("\"lone \\ud83d.\"");
    }
}
