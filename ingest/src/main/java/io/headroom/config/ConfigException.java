package io.headroom.config;

/**
 * A configuration error that says where ({@code file:line:column}), what was wrong, and what to do.
 */
public final class ConfigException extends RuntimeException {
    private final String location;
    private final String problem;
    private final String fix;

    public ConfigException(String location, String problem, String fix) {
        super(location + ": " + problem + (fix == null || fix.isEmpty() ? "" : "\n  fix: " + fix));
        this.location = location;
        this.problem = problem;
        this.fix = fix;
    }

    public String location() {
        return location;
    }

    public String problem() {
        return problem;
    }

    public String fix() {
        return fix;
    }
}
