package io.headroom.datasets.read;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/** Opens trace files: gzip when the name ends in {@code .gz} (or the content starts with the gzip magic). */
public final class Inputs {
    private Inputs() {
    }

    public static InputStream open(Path path) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(path), 1 << 16);
        boolean gz = path.getFileName().toString().endsWith(".gz");
        if (!gz) {
            raw.mark(2);
            int a = raw.read();
            int b = raw.read();
            raw.reset();
            gz = a == 0x1f && b == 0x8b;
        }
        return gz ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
    }

    /** UTF-8 text; undecodable bytes (old logs are often Latin-1) become U+FFFD instead of failing. */
    public static Reader reader(Path path) throws IOException {
        return new InputStreamReader(open(path), StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPLACE)
                .onUnmappableCharacter(CodingErrorAction.REPLACE));
    }

    /** The first non-blank line (at most {@code max} chars), or "" for an empty file. */
    public static String firstLine(Path path, int max) throws IOException {
        try (LineSource lines = new LineSource(reader(path), max)) {
            String l;
            while ((l = lines.next()) != null) {
                if (!l.isBlank()) {
                    return l;
                }
            }
            return "";
        }
    }
}
