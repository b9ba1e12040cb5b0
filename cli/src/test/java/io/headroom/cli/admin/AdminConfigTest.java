package io.headroom.cli.admin;

import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The admin section: token sources, the loopback rule and the metrics choice, with errors at file:line. */
class AdminConfigTest {
    private static final String TOKEN = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path tmp;

    private static AdminConfig parse(String yaml, Map<String, String> env) {
        return AdminConfig.from(ConfigNode.parse("h.yaml", yaml), env::get);
    }

    @Test
    void defaultsAreLoopbackWithoutTokenAndOpenMetrics() {
        AdminConfig c = parse("admin: {}\n", Map.of());
        assertThat(c.host()).isEqualTo("127.0.0.1");
        assertThat(c.port()).isEqualTo(9901);
        assertThat(c.token()).isNull();
        assertThat(c.metricsAuth()).isFalse();
        assertThat(parse("admin: {listen: 'localhost:0'}\n", Map.of()).token()).isNull();
        assertThat(parse("admin: {listen: '[::1]:0'}\n", Map.of()).host()).isEqualTo("::1");
    }

    @Test
    void configChangesDefaultToTheFileAndAnUnknownValueIsAnErrorAtItsLine() {
        assertThat(parse("admin: {}\n", Map.of()).changes()).isEqualTo(AdminConfig.ChangeMode.FILE);
        assertThat(parse("admin: {config-changes: memory}\n", Map.of()).changes()).isEqualTo(AdminConfig.ChangeMode.MEMORY);
        assertThat(parse("admin: {config-changes: 'off'}\n", Map.of()).changes()).isEqualTo(AdminConfig.ChangeMode.OFF);
        assertThatThrownBy(() -> parse("admin:\n  listen: 127.0.0.1:0\n  config-changes: disk\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:3:")
                .hasMessageContaining("unknown value 'disk'")
                .hasMessageContaining("memory");
    }

    @Test
    void tokenFromAFileOrAnEnvironmentVariableMatchesOnlyItself() throws Exception {
        Path f = tmp.resolve("token");
        Files.writeString(f, TOKEN + "\n");
        AdminConfig c = parse("admin:\n  listen: 0.0.0.0:9901\n  token-file: " + f + "\n  metrics-auth: token\n", Map.of());
        assertThat(c.token().matches(TOKEN)).isTrue();
        assertThat(c.token().matches(TOKEN + " ")).isFalse();
        assertThat(c.token().matches(TOKEN.substring(1))).isFalse();
        assertThat(c.token().matches(null)).isFalse();
        assertThat(c.metricsAuth()).isTrue();
        assertThat(c.token().toString()).doesNotContain(TOKEN).contains(f.toString());

        AdminConfig e = parse("admin:\n  listen: 0.0.0.0:9901\n  token-env: HR_TOKEN\n", Map.of("HR_TOKEN", TOKEN));
        assertThat(e.token().matches(TOKEN)).isTrue();
        assertThat(e.token().source()).isEqualTo("environment variable HR_TOKEN");
    }

    @Test
    void aNonLoopbackBindWithoutATokenIsRefusedAtTheListenLine() {
        assertThatThrownBy(() -> parse("admin:\n  listen: 0.0.0.0:9901\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:2:")
                .hasMessageContaining("without a token")
                .hasMessageContaining("token-file");
    }

    @Test
    void anInlineTokenIsRefusedWithTheWayToDoIt() {
        assertThatThrownBy(() -> parse("admin:\n  listen: 127.0.0.1:9901\n  token: " + TOKEN + "\n", Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("h.yaml:3:")
                .hasMessageContaining("may not be written in the configuration file")
                .hasMessageNotContaining(TOKEN);
    }

    @Test
    void badTokenSourcesNameTheLineAndNeverTheValue() throws Exception {
        assertThatThrownBy(() -> parse("admin:\n  token-env: NOPE\n", Map.of()))
                .hasMessageContaining("h.yaml:2:").hasMessageContaining("NOPE is not set");
        assertThatThrownBy(() -> parse("admin:\n  token-file: " + tmp.resolve("missing") + "\n", Map.of()))
                .hasMessageContaining("h.yaml:2:").hasMessageContaining("cannot read the token file");
        Path shortFile = tmp.resolve("short");
        Files.writeString(shortFile, "abc123");
        assertThatThrownBy(() -> parse("admin:\n  token-file: " + shortFile + "\n", Map.of()))
                .hasMessageContaining("has 6 characters").hasMessageNotContaining("abc123");
        assertThatThrownBy(() -> parse("admin:\n  token-env: A\n  token-file: /x\n", Map.of("A", TOKEN)))
                .hasMessageContaining("both token-file and token-env");
        assertThatThrownBy(() -> parse("admin:\n  metrics-auth: token\n", Map.of()))
                .hasMessageContaining("h.yaml:2:").hasMessageContaining("no token is configured");
        assertThatThrownBy(() -> parse("admin:\n  metrics-auth: maybe\n", Map.of()))
                .hasMessageContaining("unknown value 'maybe'");
        assertThatThrownBy(() -> parse("admin:\n  tokn-file: x\n", Map.of()))
                .hasMessageContaining("h.yaml:2:");
    }
}
