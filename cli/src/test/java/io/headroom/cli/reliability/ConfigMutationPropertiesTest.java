package io.headroom.cli.reliability;

import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.config.ConfigException;
import io.headroom.config.ConfigNode;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based fuzzing of the whole configuration loader (jqwik, fixed seed, bounded tries): the shipped
 * {@code headroom.example.yaml} with a few random edits (a value replaced by a hostile token, a line deleted,
 * duplicated, re-indented, or an unknown key inserted) goes through {@link HeadroomConfig#from}, which reads every
 * section. Each edited file either loads or fails with a {@link ConfigException} naming {@code file:line} and a fix;
 * never with any other exception (issue 9, item 7: every invalid YAML gives an error with file:line and the fix).
 */
class ConfigMutationPropertiesTest {
    private static final Pattern LOCATION = Pattern.compile("example\\.yaml:\\d+(:\\d+)?( \\(.*\\))?");
    private static final List<String> LINES = example();

    private static List<String> example() {
        Path p = Path.of("..", "headroom.example.yaml");
        try {
            return Files.readAllLines(Files.exists(p) ? p : Path.of("headroom.example.yaml"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One edit: what to do, at which line, with which token. */
    record Edit(int kind, int line, String token) {
    }

    @Provide
    Arbitrary<List<Edit>> edits() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("-1", "0", "1e309", "NaN", "999999999999999999999", "0s", "-5s", "1.5", "10x", "[]", "{}", "[1, 2]",
                        "{a: 1}", "''", "~", "true", "yes", "127.0.0.1:99999", "host:", ":80", "300%", "-0%", "abc", "!!binary AAAA",
                        "*nope", "&a b", "'unterminated", "\"\\u0000\"", "10MB", "-10MB", "1TB", "PT5S", "P1D", "x".repeat(300)),
                Arbitraries.strings().withCharRange('!', '~').ofMaxLength(8));
        return Combinators.combine(Arbitraries.integers().between(0, 4), Arbitraries.integers().between(0, LINES.size() - 1), token)
                .as(Edit::new).list().ofMinSize(1).ofMaxSize(3);
    }

    @Property(tries = 400, seed = "1987")
    void everyEditLoadsOrFailsWithFileLineAndFix(@ForAll("edits") List<Edit> edits) {
        List<String> lines = new ArrayList<>(LINES);
        for (Edit e : edits) {
            int i = Math.min(e.line(), lines.size() - 1);
            String l = lines.get(i);
            switch (e.kind()) {
                case 0 -> { // replace the value after the first ': '
                    int c = l.indexOf(": ");
                    lines.set(i, c < 0 ? l + " " + e.token() : l.substring(0, c + 2) + e.token());
                }
                case 1 -> lines.remove(i);
                case 2 -> lines.add(i, l);
                case 3 -> lines.set(i, "  " + l);
                default -> lines.add(i, l.substring(0, l.length() - l.stripLeading().length()) + "unknown-" + e.token().hashCode() + ": 1");
            }
            if (lines.isEmpty()) {
                lines.add("");
            }
        }
        String text = String.join("\n", lines);
        try {
            HeadroomConfig.from(ConfigNode.parse("example.yaml", text));
        } catch (ConfigException e) {
            assertThat(e.location()).as("location of %s after %s", e.getMessage(), edits).matches(LOCATION);
            assertThat(e.fix()).as("a fix for %s", e.getMessage()).isNotBlank();
        }
    }
}
