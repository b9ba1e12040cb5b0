package io.headroom.datasets.fuzz;

import io.headroom.datasets.read.AccessLogTrace;
import io.headroom.datasets.read.CountCsvTrace;
import io.headroom.datasets.read.CountSeriesTrace;
import io.headroom.datasets.read.RequestTableTrace;
import io.headroom.datasets.trace.TraceReader;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Property-based fuzzing of the dataset readers (jqwik, fixed seeds, bounded tries). For arbitrary bytes, and for
 * files that mix well-formed lines with garbage, each reader keeps its documented contract
 * ({@link TraceReader}): it never throws while reading but counts malformed lines in its report, with every line
 * accounted for; the only errors allowed are those it documents: a CSV header without the needed columns
 * ({@code IllegalArgumentException} naming {@code file:1}), and, for input that starts with the gzip magic, the
 * I/O error of a corrupt gzip stream.
 */
class TraceReadersPropertiesTest {
    /** One reader over one file: how many records it produced, and its report. */
    private record Read(long records, long lines, long malformed) {
    }

    private interface Opener {
        TraceReader<?> open(Path p) throws IOException;
    }

    private static final List<Opener> READERS = List.of(
            p -> AccessLogTrace.of(p).openRequests(),
            p -> CountCsvTrace.of(p).openBuckets(),
            p -> CountSeriesTrace.perSecond(p, Instant.parse("2026-01-01T00:00:00Z")).openBuckets(),
            p -> RequestTableTrace.of(p).openRequests());

    @Property(tries = 150, seed = "2718")
    void arbitraryBytesNeverBreakAReader(@ForAll("bytes") byte[] content) throws IOException {
        Path f = Files.createTempFile("fuzz", ".log");
        try {
            Files.write(f, content);
            boolean gzip = content.length >= 2 && (content[0] & 0xff) == 0x1f && (content[1] & 0xff) == 0x8b;
            for (Opener o : READERS) {
                readChecked(o, f, gzip);
            }
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Property(tries = 100, seed = "1414")
    void everyCommonLogLineIsReadOrCountedAsMalformed(@ForAll("clfLines") List<String> lines) throws IOException {
        Path f = Files.createTempFile("fuzz", ".log");
        try {
            Files.writeString(f, String.join("\n", lines), StandardCharsets.UTF_8);
            Read r = readChecked(READERS.get(0), f, false);
            long pristine = lines.stream().filter(l -> l.startsWith("10.")).count();
            assertThat(r.records()).as("well-formed lines read").isGreaterThanOrEqualTo(pristine);
            assertThat(r.records() + r.malformed()).as("every line is a record, malformed, or blank").isLessThanOrEqualTo(r.lines());
            long nonBlank = lines.stream().filter(l -> !l.isBlank()).count();
            assertThat(r.records() + r.malformed()).as("no non-blank line silently dropped").isGreaterThanOrEqualTo(nonBlank);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    @Property(tries = 100, seed = "1732")
    void everyCountRowIsReadOrCountedAsMalformed(@ForAll("csvRows") List<String> rows) throws IOException {
        Path f = Files.createTempFile("fuzz", ".csv");
        try {
            Files.writeString(f, "timestamp,count\n" + String.join("\n", rows), StandardCharsets.UTF_8);
            Read r = readChecked(READERS.get(1), f, false);
            long pristine = rows.stream().filter(l -> l.startsWith("17")).count();
            assertThat(r.records()).isGreaterThanOrEqualTo(pristine);
            long nonBlank = rows.stream().filter(l -> !l.isBlank()).count();
            assertThat(r.records() + r.malformed()).isGreaterThanOrEqualTo(nonBlank);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** Reads everything; fails on any exception the reader does not document. */
    private static Read readChecked(Opener o, Path f, boolean gzip) {
        TraceReader<?> reader;
        try {
            reader = o.open(f);
        } catch (IllegalArgumentException e) {
            assertThat(e.getMessage()).as("a header error names file:1").startsWith(f + ":1:");
            return new Read(0, 1, 1);
        } catch (IOException e) {
            assertThat(gzip).as("an I/O error at open on plain input: %s", e).isTrue();
            return new Read(0, 0, 0);
        }
        long n = 0;
        try (reader) {
            while (reader.hasNext()) {
                assertThat(reader.next()).isNotNull();
                n++;
            }
        } catch (UncheckedIOException e) {
            assertThat(gzip).as("an I/O error while reading plain input: %s", e).isTrue();
            return new Read(n, reader.report().linesRead(), reader.report().malformedCount());
        }
        var report = reader.report();
        assertThat(report.malformedSamples().size()).isLessThanOrEqualTo((int) Math.min(report.malformedCount(), 50));
        return new Read(n, report.linesRead(), report.malformedCount());
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(2048);
        Arbitrary<byte[]> texty = Arbitraries.strings().withChars("0123456789 ,\t\n\r\"[]/:-+.abcGET").ofMaxLength(1024)
                .map(s -> s.getBytes(StandardCharsets.UTF_8));
        Arbitrary<byte[]> gzipMagic = raw.map(b -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            out.write(0x1f);
            out.write(0x8b);
            out.writeBytes(b);
            return out.toByteArray();
        });
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(4, raw), net.jqwik.api.Tuple.of(4, texty), net.jqwik.api.Tuple.of(1, gzipMagic));
    }

    @Provide
    Arbitrary<List<String>> clfLines() {
        Arbitrary<String> good = Combinators.combine(Arbitraries.integers().between(1, 28), Arbitraries.integers().between(0, 23),
                Arbitraries.strings().withChars("abc/xyz.%09").ofMaxLength(12), Arbitraries.of(200, 304, 404, 500),
                Arbitraries.of("GET", "POST", "HEAD")).as((d, h, p, s, m) ->
                "10.0.0.1 - - [%02d/Jul/1995:%02d:00:01 -0400] \"%s /%s HTTP/1.0\" %d 1234".formatted(d, h, m, p, s));
        Arbitrary<String> mutated = Combinators.combine(good, Arbitraries.integers().between(0, 60),
                Arbitraries.chars().with('"', '[', ']', ' ', 'x', '\\', '\u00e9')).as((l, i, c) -> {
                    int k = Math.min(i, l.length() - 1);
                    return "m" + l.substring(0, k) + c + l.substring(k + 1);
                });
        Arbitrary<String> junk = Arbitraries.strings().withCharRange(' ', '~').ofMaxLength(80).map(s -> "j" + s);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, good), net.jqwik.api.Tuple.of(3, mutated),
                net.jqwik.api.Tuple.of(2, junk), net.jqwik.api.Tuple.of(1, Arbitraries.of("", "   ", "\t"))).list().ofMaxSize(40);
    }

    @Provide
    Arbitrary<List<String>> csvRows() {
        Arbitrary<String> good = Combinators.combine(Arbitraries.longs().between(0, 1_000_000), Arbitraries.longs().between(0, 100_000))
                .as((t, n) -> (1_700_000_000L + t) + "," + n);
        Arbitrary<String> junk = Arbitraries.strings().withChars("0123456789,-.ex ").ofMaxLength(20).map(s -> "x" + s);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(5, good), net.jqwik.api.Tuple.of(3, junk),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("", " "))).list().ofMaxSize(40);
    }
}
