package io.headroom.cli;

/** Exit codes of the {@code headroom} command, documented in its help footer and the README. */
final class ExitCodes {
    static final int OK = 0;
    /** Something failed at run time (a demo assertion, a replay with errors over the threshold, ...). */
    static final int FAILURE = 1;
    /** Bad command line or configuration file. */
    static final int USAGE = 2;
    /** The environment is not usable: port in use, missing JDK or file, broker unreachable. */
    static final int ENVIRONMENT = 3;

    private ExitCodes() {
    }
}
