package io.headroom.router.route;

import java.util.ArrayList;
import java.util.List;

/**
 * A route's path condition, parsed once: a prefix on segment boundaries ({@code /api} matches {@code /api} and
 * {@code /api/x}, not {@code /apix}), an exact path, or a template whose {@code {variables}} each take one non-empty
 * segment ({@code /users/{id}}). Matching reads the path in place from an offset (after a version segment) and
 * allocates nothing; only capturing variables for a rewrite allocates.
 */
public final class PathPattern {
    public enum Kind { PREFIX, TEMPLATE, EXACT }

    private final Kind kind;
    private final String text;
    private final String[] literals;   // template: literal segment, or null for a variable
    private final String[] variables;  // template: variable names in order
    private final int literalLength;

    private PathPattern(Kind kind, String text, String[] literals, String[] variables, int literalLength) {
        this.kind = kind;
        this.text = text;
        this.literals = literals;
        this.variables = variables;
        this.literalLength = literalLength;
    }

    public static PathPattern prefix(String prefix) {
        return new PathPattern(Kind.PREFIX, prefix, null, new String[0], prefix.length());
    }

    /** An exact path, or a template if it has {@code {variables}}. */
    public static PathPattern path(String path) {
        if (path.indexOf('{') < 0) {
            return new PathPattern(Kind.EXACT, path, null, new String[0], path.length());
        }
        String[] segs = path.substring(1).split("/", -1);
        String[] lits = new String[segs.length];
        List<String> vars = new ArrayList<>();
        int len = 0;
        for (int i = 0; i < segs.length; i++) {
            if (segs[i].startsWith("{")) {
                vars.add(segs[i].substring(1, segs[i].length() - 1));
            } else {
                lits[i] = segs[i];
                len += segs[i].length() + 1;
            }
        }
        return new PathPattern(Kind.TEMPLATE, path, lits, vars.toArray(new String[0]), len);
    }

    public Kind kind() {
        return kind;
    }

    public String text() {
        return text;
    }

    /** Characters of literal text (for precedence: longer is more specific). */
    public int literalLength() {
        return literalLength;
    }

    public String[] variables() {
        return variables.clone();
    }

    /**
     * Whether {@code path} from {@code from} matches; an empty remainder ({@code from == path.length()}) reads as
     * {@code /}.
     *
     * @return the index where the matched prefix ends (for PREFIX), or {@code path.length()}, or -1 for no match
     */
    public int match(String path, int from) {
        int n = path.length();
        if (from == n) {
            return switch (kind) {
                case PREFIX -> text.equals("/") ? n : -1;
                case EXACT -> text.equals("/") ? n : -1;
                case TEMPLATE -> -1;
            };
        }
        switch (kind) {
            case PREFIX -> {
                if (!path.startsWith(text, from)) {
                    return -1;
                }
                int end = from + text.length();
                return end == n || text.charAt(text.length() - 1) == '/' || path.charAt(end) == '/' ? end : -1;
            }
            case EXACT -> {
                return n - from == text.length() && path.startsWith(text, from) ? n : -1;
            }
            default -> {
                return template(path, from, null) ? n : -1;
            }
        }
    }

    /** Values of the template's variables in {@code path} (from {@code from}), in order; null if it does not match. */
    public String[] capture(String path, int from) {
        int[] bounds = new int[variables.length * 2];
        if (kind != Kind.TEMPLATE || !template(path, from, bounds)) {
            return null;
        }
        String[] out = new String[variables.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = path.substring(bounds[2 * i], bounds[2 * i + 1]);
        }
        return out;
    }

    private boolean template(String path, int from, int[] bounds) {
        int n = path.length();
        int pos = from;
        int v = 0;
        for (String lit : literals) {
            if (pos >= n || path.charAt(pos) != '/') {
                return false;
            }
            int st = pos + 1;
            int end = path.indexOf('/', st);
            if (end < 0) {
                end = n;
            }
            if (lit != null) {
                if (end - st != lit.length() || !path.startsWith(lit, st)) {
                    return false;
                }
            } else {
                if (end == st) {
                    return false;
                }
                if (bounds != null) {
                    bounds[2 * v] = st;
                    bounds[2 * v + 1] = end;
                }
                v++;
            }
            pos = end;
        }
        return pos == n;
    }
}
