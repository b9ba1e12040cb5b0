package io.headroom.cli;

import io.headroom.config.ConfigException;
import picocli.CommandLine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;

/** Turns exceptions into one clear message and an exit code, instead of a stack trace. */
final class Errors implements CommandLine.IExecutionExceptionHandler {
    @Override
    public int handleExecutionException(Exception ex, CommandLine cl, CommandLine.ParseResult parseResult) {
        Throwable t = ex instanceof UncheckedIOException u ? u.getCause() : ex;
        if (t instanceof ConfigException ce) {
            cl.getErr().println("headroom: configuration error at " + ce.getMessage());
            return ExitCodes.USAGE;
        }
        if (t instanceof BindException || (t.getCause() instanceof BindException)) {
            cl.getErr().println("headroom: cannot listen: " + t.getMessage() + " (is the port in use? pick another)");
            return ExitCodes.ENVIRONMENT;
        }
        if (t instanceof IOException) {
            cl.getErr().println("headroom: " + t.getMessage());
            return ExitCodes.ENVIRONMENT;
        }
        if (t instanceof IllegalArgumentException) {
            cl.getErr().println("headroom: " + t.getMessage());
            return ExitCodes.USAGE;
        }
        cl.getErr().println("headroom: " + t);
        t.printStackTrace(cl.getErr());
        return ExitCodes.FAILURE;
    }
}
