package io.headroom.autoscaler.provider;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Runs small shell scripts written to a temporary directory. */
@Timeout(30)
class CommandProviderTest {
    @TempDir
    Path dir;

    private Path script(String body) throws IOException {
        Path s = dir.resolve("scale.sh");
        Files.writeString(s, "#!/bin/sh\n" + body);
        Files.setPosixFilePermissions(s, PosixFilePermissions.fromString("rwx------"));
        return s;
    }

    private CommandProvider provider(Path script, Duration timeout) {
        return new CommandProvider("api", new CommandConfig(List.of(script.toString()), timeout, dir), null, Clock.systemUTC());
    }

    private static ScaleRequest request(int target) {
        return new ScaleRequest("api-5-" + target, "api", target, 0, 0, "test", 5L);
    }

    @Test
    void passesTheDecisionOnStdinAndReadsCountsFromStdout() throws IOException {
        Path s = script("""
                cat > "$PWD/decision.json"
                echo "$HEADROOM_POOL $HEADROOM_DESIRED $HEADROOM_DECISION_ID" > "$PWD/env.txt"
                echo '{"current": 4, "ready": 2}'
                """);
        try (CommandProvider p = provider(s, Duration.ofSeconds(20))) {
            p.scaleTo(request(4)).join();
            assertThat(Files.readString(dir.resolve("decision.json"))).contains("\"decision_id\":\"api-5-4\"", "\"desired\":4");
            assertThat(Files.readString(dir.resolve("env.txt")).strip()).isEqualTo("api 4 api-5-4");
            assertThat(p.current()).isEqualTo(4);
            assertThat(p.ready()).hasSize(2);
        }
    }

    @Test
    void exitZeroWithoutJsonAcceptsTheTarget() throws IOException {
        try (CommandProvider p = provider(script("echo scaled\n"), Duration.ofSeconds(20))) {
            p.scaleTo(request(3)).join();
            assertThat(p.current()).isEqualTo(3);
        }
    }

    @Test
    void aNonZeroExitFailsWithStderr() throws IOException {
        try (CommandProvider p = provider(script("echo 'quota exceeded' >&2\nexit 3\n"), Duration.ofSeconds(20))) {
            assertThatThrownBy(() -> p.scaleTo(request(3)).join()).hasMessageContaining("exited with code 3")
                    .hasMessageContaining("quota exceeded");
            assertThat(p.current()).isZero();
        }
    }

    @Test
    void aCommandPastItsTimeoutIsKilled() throws IOException {
        try (CommandProvider p = provider(script("exec sleep 30\n"), Duration.ofMillis(300))) {
            assertThatThrownBy(() -> p.scaleTo(request(3)).join()).hasMessageContaining("did not finish within 300 ms");
        }
    }
}
