package io.headroom.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

/**
 * Every command and subcommand's {@code --help} ends with examples, and every example is a command line the parser
 * accepts (options exist, required ones are there, values convert): the examples cannot rot as options change.
 */
class HelpExamplesTest {

    /** Every command below the root, the root included, except picocli's own {@code help}. */
    private static List<CommandLine> commands(CommandLine c) {
        List<CommandLine> out = new ArrayList<>();
        out.add(c);
        for (CommandLine sub : c.getSubcommands().values()) {
            if (!sub.getCommandName().equals("help") && !out.contains(sub)) {
                out.addAll(commands(sub));
            }
        }
        return out.stream().distinct().toList();
    }

    /** The example command lines of a usage text: continuations joined, the trailing explanation (after 3+ spaces) cut. */
    static List<String> examples(String usage) {
        int at = usage.indexOf("Examples:");
        if (at < 0) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        String[] lines = usage.substring(at).split("\n");
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i].strip();
            if (!line.startsWith("headroom")) {
                continue;
            }
            StringBuilder cmd = new StringBuilder(uncommented(line));
            while (line.endsWith("\\") && i + 1 < lines.length) {
                cmd.setLength(cmd.length() - 1);
                line = lines[++i].strip();
                cmd.append(' ').append(uncommented(line));
            }
            // A trailing '&' (run in the background) is the shell's, not the command's.
            out.add(cmd.toString().strip().replaceAll("\\s*&$", "").replaceAll("\\s+", " "));
        }
        return out;
    }

    private static String uncommented(String line) {
        int comment = line.indexOf("   ");
        return comment < 0 ? line : line.substring(0, comment).strip();
    }

    @Test
    void everyCommandShowsExamplesThatParse() {
        List<CommandLine> all = commands(Headroom.commandLine());
        assertThat(all).extracting(c -> c.getCommandSpec().qualifiedName())
                .contains("headroom", "headroom demo", "headroom proxy", "headroom edge", "headroom run", "headroom broker",
                        "headroom backend", "headroom replay", "headroom report", "headroom config", "headroom config check",
                        "headroom forecast evaluate", "headroom autoscale evaluate", "headroom datasets list", "headroom datasets fetch");
        int checked = 0;
        for (CommandLine c : all) {
            String name = c.getCommandSpec().qualifiedName();
            String usage = c.getUsageMessage(CommandLine.Help.Ansi.OFF);
            List<String> examples = examples(usage);
            assertThat(examples).as("examples in '%s --help'", name).isNotEmpty();
            assertThat(examples).as("'%s --help' shows an example of itself", name).anyMatch(e -> (e + " ").startsWith(name + " "));
            for (String example : examples) {
                String[] words = example.split("\\s+");
                assertThat(words[0]).isEqualTo("headroom");
                // A fresh command line per example: parse state must not carry over.
                assertThatCode(() -> Headroom.commandLine().parseArgs(Arrays.copyOfRange(words, 1, words.length)))
                        .as("example in '%s --help': %s", name, example).doesNotThrowAnyException();
                checked++;
            }
        }
        assertThat(checked).isGreaterThan(all.size());
    }

    @Test
    void examplesAreFoundAcrossContinuationsAndCommentsAreCut() {
        assertThat(examples("""
                Usage: x
                Examples:
                  headroom edge --listen 127.0.0.1:7000 \\
                      --members 127.0.0.1:8080
                  headroom broker --data /tmp/k            (port reused)
                """)).containsExactly("headroom edge --listen 127.0.0.1:7000 --members 127.0.0.1:8080", "headroom broker --data /tmp/k");
    }
}
