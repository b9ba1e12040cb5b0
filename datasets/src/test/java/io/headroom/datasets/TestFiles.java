package io.headroom.datasets;

import io.headroom.datasets.trace.TraceReader;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** Fixture helpers: write small inline files (plain or gzip) and drain readers. */
public final class TestFiles {
    private TestFiles() {
    }

    public static Path write(Path dir, String name, String content) throws IOException {
        Path p = dir.resolve(name);
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        if (name.endsWith(".gz")) {
            try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(p))) {
                out.write(bytes);
            }
        } else {
            Files.write(p, bytes);
        }
        return p;
    }

    public static <T> List<T> drain(TraceReader<T> r) {
        try (r) {
            List<T> out = new ArrayList<>();
            r.forEachRemaining(out::add);
            return out;
        }
    }

    /** A shared real dataset file, or null when absent (callers assume it present). */
    public static Path shared(String relative) {
        Path p = Traces.SHARED_ROOT.resolve(relative);
        return Files.isRegularFile(p) ? p : null;
    }
}
