package io.headroom.config;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based fuzzing of the configuration loader (jqwik, fixed seeds, bounded tries): random YAML-ish text, made
 * of the tokens that make YAML go wrong (indentation, tabs, flow brackets, anchors and aliases, tags, duplicate keys,
 * quotes), is parsed and every node is read through every accessor. Whatever the text, the only exception is a
 * {@link ConfigException} whose location names the file and a line, and whose message says how to fix it.
 */
class ConfigNodePropertiesTest {
    private static final Pattern LOCATION = Pattern.compile("fuzz\\.yaml:\\d+(:\\d+)?( \\(.*\\))?");

    @Provide
    Arbitrary<String> yaml() {
        Arbitrary<String> token = Arbitraries.oneOf(
                Arbitraries.of("a", "b", "key", "listen", "pools", "-", "- ", ": ", ":", " ", "  ", "    ", "\t", "\n", "\n", "\n  ",
                        "[", "]", "{", "}", ", ", "&x ", "*x", "!!str ", "!!map ", "!!binary ", "!custom ", "'", "\"", "#", "? ",
                        "|", ">", "~", "null", "true", "10s", "1.5m", "-3", "1e309", "0x1F", "250ms", "---", "...", "%YAML 1.1\n",
                        "<<: *x", "\u00e9", "\\", "%"),
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(4),
                Arbitraries.integers().between(-5, 100_000).map(String::valueOf));
        return token.list().ofMaxSize(60).map(l -> String.join("", l));
    }

    @Property(tries = 1500, seed = "6174")
    void randomYamlFailsOnlyWithALocatedConfigException(@ForAll("yaml") String text) {
        try {
            ConfigNode root = ConfigNode.parse("fuzz.yaml", text);
            walk(root, 0);
        } catch (ConfigException e) {
            located(e, text);
        }
    }

    @Property(tries = 300, seed = "1729")
    void requireOnlyNamesTheUnknownKeyWithItsLine(@ForAll("yaml") String text) {
        try {
            ConfigNode root = ConfigNode.parse("fuzz.yaml", text);
            root.requireOnly("a", "b");
        } catch (ConfigException e) {
            located(e, text);
        }
    }

    private static void located(ConfigException e, String text) {
        assertThat(e.location()).as("location of '%s' for input %s", e.getMessage(), escape(text)).matches(LOCATION);
        assertThat(e.problem()).isNotBlank();
        assertThat(e.fix()).as("a fix for %s", e.getMessage()).isNotBlank();
    }

    /** Reads every key of a mapping through every accessor, descending into mappings and lists. */
    private static void walk(ConfigNode node, int depth) {
        if (depth > 8) {
            return;
        }
        List<String> keys = node.keys();
        for (String k : keys) {
            node.has(k);
            attempt(() -> node.string(k, null));
            attempt(() -> node.integer(k, 0, -10, 10));
            attempt(() -> node.longValue(k, 0, 0, Long.MAX_VALUE));
            attempt(() -> node.decimal(k, 0, 0, 1e6));
            attempt(() -> node.bool(k, false));
            attempt(() -> node.duration(k, null));
            attempt(() -> node.stringList(k));
            attempt(() -> node.enumValue(k, java.time.DayOfWeek.class, null));
            attempt(() -> node.requireString(k, "set it"));
            attempt(() -> {
                for (ConfigNode item : node.list(k)) {
                    attempt(item::scalarValue);
                    attempt(() -> walk(item, depth + 1));
                }
            });
            attempt(() -> walk(node.child(k), depth + 1));
        }
    }

    private static void attempt(Runnable r) {
        try {
            r.run();
        } catch (ConfigException e) {
            assertThat(e.location()).as("location of '%s'", e.getMessage()).matches(LOCATION);
            assertThat(e.fix()).as("a fix for %s", e.getMessage()).isNotBlank();
        }
    }

    private static String escape(String s) {
        return s.replace("\n", "\\n").replace("\t", "\\t");
    }
}
