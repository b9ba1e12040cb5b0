package io.headroom.autoscaler.provider;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/**
 * Counts the open TCP connections a local server has accepted on a port, from the kernel's tables
 * ({@code /proc/net/tcp} and {@code /proc/net/tcp6} on Linux): the connections whose local port is the server's and
 * that are established or closed by the peer but not yet by the server ({@code CLOSE_WAIT}). It sees every process on
 * this machine, so it works for any server the local provider started, whatever it runs. Where the tables do not
 * exist (not Linux) the count is unknown.
 */
public final class TcpConnections {
    private static final String ESTABLISHED = "01";
    private static final String CLOSE_WAIT = "08";
    private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

    private TcpConnections() {
    }

    /** Open connections accepted on local {@code port}, or empty when this system does not say. */
    public static OptionalInt accepted(int port) {
        return accepted(port, TABLES);
    }

    static OptionalInt accepted(int port, List<Path> tables) {
        int count = 0;
        boolean read = false;
        for (Path t : tables) {
            List<String> lines;
            try {
                lines = Files.readAllLines(t);
            } catch (NoSuchFileException e) {
                continue;
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + t + ": " + e.getMessage(), e);
            }
            read = true;
            count += count(lines, port);
        }
        return read ? OptionalInt.of(count) : OptionalInt.empty();
    }

    /**
     * Counts the rows of one table (header first) whose local port is {@code port} and whose state is established or
     * close-wait. A row is {@code sl local_address rem_address st ...}, with addresses as {@code HEXIP:HEXPORT}.
     */
    static int count(List<String> lines, int port) {
        int n = 0;
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length < 4) {
                continue;
            }
            int colon = f[1].lastIndexOf(':');
            if (colon < 0) {
                continue;
            }
            int local;
            try {
                local = Integer.parseInt(f[1].substring(colon + 1), 16);
            } catch (NumberFormatException e) {
                continue;
            }
            if (local == port && (ESTABLISHED.equals(f[3]) || CLOSE_WAIT.equals(f[3]))) {
                n++;
            }
        }
        return n;
    }
}
