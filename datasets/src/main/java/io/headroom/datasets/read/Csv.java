package io.headroom.datasets.read;

import io.headroom.datasets.trace.ReadReport;

import java.util.ArrayList;
import java.util.List;

/** Minimal CSV field splitting: commas, double-quoted fields with "" escapes. */
final class Csv {
    private Csv() {
    }

    static List<String> split(String line, char sep) {
        List<String> out = new ArrayList<>();
        StringBuilder f = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (quoted) {
                if (c == '"') {
                    if (i + 1 < line.length() && line.charAt(i + 1) == '"') {
                        f.append('"');
                        i++;
                    } else {
                        quoted = false;
                    }
                } else {
                    f.append(c);
                }
            } else if (c == '"' && f.isEmpty()) {
                quoted = true;
            } else if (c == sep) {
                out.add(f.toString());
                f.setLength(0);
            } else {
                f.append(c);
            }
        }
        out.add(f.toString());
        return out;
    }

    /**
     * The fields of the next row with at least {@code need} of them, or null at the end; rows with fewer are reported
     * as malformed and skipped. {@link LineSource#current()} and {@link LineSource#lineNumber()} name the row.
     */
    static List<String> nextRow(LineSource lines, ReadReport report, char sep, int need) throws java.io.IOException {
        String line;
        while ((line = lines.nextRecord(report)) != null) {
            List<String> f = split(line, sep);
            if (f.size() >= need) {
                return f;
            }
            report.malformed(lines.lineNumber(), "expected at least " + need + " fields, found " + f.size(), line);
        }
        return null;
    }

    static int indexOf(List<String> header, String name) {
        for (int i = 0; i < header.size(); i++) {
            if (header.get(i).strip().equalsIgnoreCase(name)) {
                return i;
            }
        }
        return -1;
    }
}
