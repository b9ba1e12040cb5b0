package io.headroom.cli;

import io.headroom.cli.admin.AdminServer;
import io.headroom.cli.admin.HeadroomMetrics;
import io.headroom.cli.stack.HeadroomConfig;
import io.headroom.cli.stack.Stack;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Clock;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

@Command(name = "run", mixinStandardHelpOptions = true,
        description = {"Runs the roles named in a configuration file: router, predictor, autoscaler, edge (L4).",
                "With no kafka.bootstrap-servers an embedded broker starts in the same process."},
        footer = {"", "Examples:",
                "  headroom run --config headroom.yaml                          every configured role",
                "  headroom run --config headroom.yaml --roles router           a gateway instance only",
                "  headroom run --config headroom.yaml --roles predictor,autoscaler",
                "", "Reload the configuration: edit the file, send SIGHUP, or POST /api/reload on the admin port; a file that",
                "does not validate is rejected with its file:line error and the running configuration stays.",
                "", "Stop with Ctrl-C or SIGTERM: roles stop newest first; autoscaled instances are stopped."})
final class RunCommand implements Callable<Integer> {
    enum Role { router, predictor, autoscaler, edge }

    @Option(names = {"-c", "--config"}, required = true, description = "The YAML configuration file.")
    Path config;

    @Option(names = "--roles", split = ",", description = "Roles to run (default: every configured one): ${COMPLETION-CANDIDATES}.")
    Set<Role> roles;

    @Override
    public Integer call() throws Exception {
        HeadroomConfig cfg = HeadroomConfig.load(config);
        Set<Role> r = roles == null || roles.isEmpty() ? EnumSet.allOf(Role.class) : roles;
        HeadroomMetrics metrics = new HeadroomMetrics();
        Stack stack = Stack.start(cfg, new Stack.Roles(r.contains(Role.router), r.contains(Role.predictor), r.contains(Role.autoscaler),
                        r.contains(Role.edge)),
                Clock.systemUTC(), null, metrics::onWindow);
        // hot reload: the file changing on disk, POST /api/reload and SIGHUP (docs/reliability.md)
        var reloader = stack.reloadFrom(config, true, Clock.systemUTC());
        onHangup(() -> Thread.ofVirtual().name("headroom-sighup-reload").start(() -> reloader.reload("signal")));
        AdminServer admin = cfg.admin() == null ? null
                : AdminServer.start(stack, metrics, Clock.systemUTC(), cfg.admin());
        System.out.println("headroom " + cfg.instanceId() + " running: kafka " + stack.bootstrapServers()
                + (stack.broker() != null ? " (embedded)" : "")
                + (stack.router() != null ? ", router on " + cfg.router().listen().host() + ":" + stack.router().port() : "")
                + (stack.predictor() != null ? ", predictor" : "")
                + (stack.autoscaler() != null ? ", autoscaler" : "")
                + (stack.edge() != null ? ", L4 edge on " + cfg.edge().listen() + " (port " + stack.edge().port() + ")" : "")
                + (admin != null ? "; admin and dashboard on http://" + cfg.admin().host() + ":" + admin.port() + "/" : ""));
        CountDownLatch done = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (admin != null) {
                admin.close();
            }
            stack.close();
            metrics.close();
            done.countDown();
        }));
        done.await();
        return ExitCodes.OK;
    }

    /**
     * Runs {@code action} on SIGHUP where the JVM lets us (sun.misc.Signal, jdk.unsupported); elsewhere does nothing.
     * A process started with SIGHUP ignored (under {@code nohup}, for one) keeps ignoring it: the JVM installs no
     * handler then, and says so by handing back SIG_IGN, so we say it too.
     */
    private static void onHangup(Runnable action) {
        try {
            sun.misc.SignalHandler previous = sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
            if (previous == sun.misc.SignalHandler.SIG_IGN) {
                System.err.println("SIGHUP reload unavailable: this process was started with SIGHUP ignored (under nohup?),"
                        + " and the JVM keeps it ignored; use POST /api/reload or edit the file, or start it without nohup"
                        + " (env --default-signal=HUP headroom run ...)");
            }
        } catch (IllegalArgumentException | UnsupportedOperationException | LinkageError e) {
            System.err.println("SIGHUP reload unavailable here (" + e.getMessage() + "): use POST /api/reload or edit the file");
        }
    }
}
