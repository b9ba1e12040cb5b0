package io.headroom.cli;

import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.config.ConfigException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

@Command(name = "config", mixinStandardHelpOptions = true, description = "Works with configuration files.",
        footer = {"", "Examples:",
                "  headroom config check headroom.yaml     errors as file:line:col (key.path): problem, then the fix"},
        subcommands = ConfigCommand.Check.class)
final class ConfigCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = "Validates a configuration file without starting anything; reports the first error as file:line with the fix.",
            footer = {"", "Examples:", "  headroom config check headroom.yaml", "",
                    "Exit code 0 when valid, 2 when not."})
    static final class Check implements Callable<Integer> {
        @Parameters(paramLabel = "FILE", description = "The YAML file to check.")
        Path file;

        @Override
        public Integer call() {
            try {
                HeadroomConfig c = HeadroomConfig.load(file);
                System.out.println(file + ": OK");
                System.out.println("  kafka: " + (c.kafka().embedded() ? "embedded broker (data " + c.kafka().embeddedDataDir() + ")"
                        : c.kafka().bootstrapServers()));
                if (c.router() != null) {
                    System.out.println("  router: listen " + c.router().listen().host() + ":" + c.router().listen().port() + ", pools "
                            + c.router().pools().keySet() + ", " + c.router().routes().size() + " route(s)");
                }
                if (c.predictor() != null) {
                    System.out.println("  predictor: lead time " + c.predictor().leadTime().toSeconds() + "s, pools " + c.predictor().pools().keySet());
                }
                if (c.autoscaler() != null) {
                    System.out.println("  autoscaler: pools " + c.autoscaler().pools().keySet());
                }
                return ExitCodes.OK;
            } catch (ConfigException e) {
                System.err.println(e.getMessage());
                return ExitCodes.USAGE;
            }
        }
    }
}
