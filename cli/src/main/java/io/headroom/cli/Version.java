package io.headroom.cli;

import picocli.CommandLine;

/** {@code headroom --version}: the build's version and the JVM it runs on. */
final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Headroom.class.getPackage().getImplementationVersion();
        return new String[]{
                "headroom " + (v == null ? "0.1.0-SNAPSHOT" : v),
                "JVM " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + ")"
        };
    }
}
