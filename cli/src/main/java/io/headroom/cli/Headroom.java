package io.headroom.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.logging.LogManager;

/**
 * The one {@code headroom} command. Every role of the system is a subcommand.
 */
@Command(name = "headroom",
        mixinStandardHelpOptions = true,
        versionProvider = Version.class,
        description = {"Headroom: a traffic layer that sees spikes coming.",
                "Gateway and load balancer, Kafka telemetry, Tribuo forecaster and autoscaler in one binary."},
        footer = {"", "Examples:",
                "  headroom demo                      the whole loop on an embedded broker, a few minutes",
                "  headroom proxy --listen 127.0.0.1:8080 --upstreams 127.0.0.1:9001,127.0.0.1:9002",
                "  headroom edge --listen 127.0.0.1:7000 --members 127.0.0.1:8080,127.0.0.1:8081",
                "  headroom broker --data /var/lib/headroom/kafka --port 9092",
                "  headroom config check headroom.yaml",
                "",
                "Exit codes: 0 ok, 1 failure at run time, 2 bad usage or configuration, 3 environment (JDK/Maven/ports)."},
        subcommands = {
                DemoCommand.class,
                ProxyCommand.class,
                EdgeCommand.class,
                RunCommand.class,
                BrokerCommand.class,
                BackendCommand.class,
                ReplayCommand.class,
                ForecastCommand.class,
                DatasetsCommand.class,
                AutoscaleCommand.class,
                ReportCommand.class,
                ConfigCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Headroom implements Runnable {
    static final int USAGE_WIDTH = 120;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    public static void main(String[] args) {
        io.headroom.router.CarrierThreads.configure(); // before the first virtual thread starts
        configureLogging();
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new Headroom());
        // Wide enough that picocli never wraps an example line of a footer (HelpExamplesTest parses each one).
        cl.setUsageHelpWidth(USAGE_WIDTH);
        cl.setExecutionExceptionHandler(new Errors());
        cl.setParameterExceptionHandler((ex, a) -> {
            CommandLine c = ex.getCommandLine();
            c.getErr().println("headroom: " + ex.getMessage());
            c.getErr().println("Run '" + c.getCommandSpec().qualifiedName() + " --help' for usage.");
            return ExitCodes.USAGE;
        });
        return cl;
    }

    /** Our packages at INFO and the libraries at WARNING, unless the user brought a logging config. */
    static void configureLogging() {
        if (System.getProperty("java.util.logging.config.file") != null) {
            return;
        }
        try (InputStream in = Headroom.class.getResourceAsStream("/logging.properties")) {
            if (in != null) {
                LogManager.getLogManager().readConfiguration(in);
            }
        } catch (IOException e) {
            System.err.println("headroom: could not read logging defaults: " + e.getMessage());
        }
    }
}
