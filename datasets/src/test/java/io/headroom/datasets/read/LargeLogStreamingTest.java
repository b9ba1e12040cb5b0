package io.headroom.datasets.read;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedWriter;
import java.io.File;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Large access logs stream: a generated Common Log Format file is read in a child JVM whose heap is far smaller
 * than the records it holds, so a reader that kept per-record state would die with an OutOfMemoryError.
 */
class LargeLogStreamingTest {
    /** One malformed line every this many lines, so counting works at scale too. */
    private static final long BAD_EVERY = 100_003;
    private static final DateTimeFormatter CLF = DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.ENGLISH)
            .withZone(ZoneOffset.ofHours(2));

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void twentyMegabytesInSixteenMegabytesOfHeap() throws Exception {
        // ~190,000 records: a reader that kept them would need more than 16 MB of heap, as the second run shows
        Generated g = generate(dir.resolve("access.log"), 20L << 20);
        readInChildJvm(g, "-Xmx16m");
        assertThat(runChild(g, "-Xmx16m", "--retain")).contains("OutOfMemoryError");
    }

    @Test
    @Tag("soak")
    @Timeout(value = 20, unit = TimeUnit.MINUTES)
    void oneGigabyteInSixtyFourMegabytesOfHeap() throws Exception {
        readInChildJvm(generate(dir.resolve("access.log"), 1L << 30), "-Xmx64m");
    }

    private record Generated(Path file, long lines, long bad) {
    }

    /** Writes Common/Combined lines until {@code bytes}; one line in {@link #BAD_EVERY} is garbage. */
    private static Generated generate(Path file, long bytes) throws IOException {
        long lines = 0;
        long bad = 0;
        long written = 0;
        long second = Instant.parse("2024-03-12T00:00:00Z").getEpochSecond();
        String stamp = CLF.format(Instant.ofEpochSecond(second));
        StringBuilder sb = new StringBuilder(256);
        try (Writer w = new BufferedWriter(Files.newBufferedWriter(file, StandardCharsets.US_ASCII), 1 << 20)) {
            while (written < bytes) {
                lines++;
                sb.setLength(0);
                if (lines % BAD_EVERY == 0) {
                    sb.append("garbage ").append(lines).append('\n');
                    bad++;
                } else {
                    if (lines % 50 == 0) {
                        stamp = CLF.format(Instant.ofEpochSecond(++second));
                    }
                    sb.append("10.").append(lines % 251).append('.').append(lines % 13).append(".7 - - [").append(stamp)
                            .append("] \"").append(lines % 10 == 0 ? "POST" : "GET").append(" /api/v1/items/")
                            .append(lines % 5000).append("?page=").append(lines).append(" HTTP/1.1\" 200 ")
                            .append(lines % 100_000);
                    if (lines % 3 == 0) {
                        sb.append(" \"https://example.com/\" \"Mozilla/5.0 (X11; Linux x86_64)\"");
                    }
                    sb.append('\n');
                }
                w.append(sb);
                written += sb.length();
            }
        }
        return new Generated(file, lines, bad);
    }

    private static void readInChildJvm(Generated g, String xmx) throws Exception {
        String said = runChild(g, xmx);
        long firstBad = g.bad() == 0 ? -1 : BAD_EVERY;
        assertThat(said).startsWith("records=" + (g.lines() - g.bad()) + " malformed=" + g.bad() + " first=" + firstBad
                + " lines=" + g.lines() + " ordered=true");
    }

    /** Runs {@link CountRequestsMain} on the file; returns what it printed, asserting exit 0 unless it was told to retain. */
    private static String runChild(Generated g, String xmx, String... extra) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        String cp = String.join(File.pathSeparator, List.of(
                Path.of(AccessLogTrace.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString(),
                Path.of(CountRequestsMain.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString()));
        Path out = g.file().resolveSibling("child.out");
        List<String> cmd = new java.util.ArrayList<>(List.of(java.toString(), xmx, "-XX:+UseSerialGC", "-Xshare:auto", "-cp", cp,
                CountRequestsMain.class.getName(), g.file().toString()));
        cmd.addAll(List.of(extra));
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true).redirectOutput(out.toFile()).start();
        try {
            assertThat(p.waitFor(15, TimeUnit.MINUTES)).as("child JVM finished").isTrue();
        } finally {
            p.destroyForcibly();
        }
        String said = Files.readString(out).strip();
        if (extra.length == 0) {
            assertThat(p.exitValue()).as("child JVM with %s said: %s", xmx, said).isZero();
        } else {
            assertThat(p.exitValue()).as("child JVM with %s %s said: %s", xmx, List.of(extra), said).isNotZero();
        }
        return said;
    }
}
