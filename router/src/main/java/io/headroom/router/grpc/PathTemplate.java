package io.headroom.router.grpc;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A path template of {@code google.api.http} (google/api/http.proto): literal segments, {@code *} (one segment),
 * {@code **} (the rest of the path, last only), variables bound to request fields ({@code {name}} for one segment,
 * {@code {name=shelves/*}} or {@code {name=**}} for several) and an optional {@code :verb} suffix.
 *
 * <pre>
 * Template = "/" Segments [ Verb ] ;   Segment = "*" | "**" | LITERAL | Variable ;
 * Variable = "{" FieldPath [ "=" Segments ] "}" ;   Verb = ":" LITERAL ;
 * </pre>
 *
 * Immutable; {@link #match} allocates only the captured values.
 */
public final class PathTemplate {
    private static final String STAR = "*";
    private static final String DOUBLE_STAR = "**";

    /** A variable: a dotted field path and the segments {@code [from, to)} it spans ({@code to = -1}: to the end). */
    public record Variable(String fieldPath, int from, int to) {
    }

    private final String text;
    /** Literal text, {@link #STAR} or {@link #DOUBLE_STAR} per segment (compared by identity for the wildcards). */
    private final String[] segments;
    private final Variable[] variables;
    private final String verb;
    private final boolean tail;
    private final int literals;

    private PathTemplate(String text, String[] segments, Variable[] variables, String verb) {
        this.text = text;
        this.segments = segments;
        this.variables = variables;
        this.verb = verb;
        this.tail = segments.length > 0 && segments[segments.length - 1] == DOUBLE_STAR;
        int n = 0;
        for (String s : segments) {
            if (s != STAR && s != DOUBLE_STAR) {
                n++;
            }
        }
        this.literals = n;
    }

    /**
     * Parses a template.
     *
     * @throws IllegalArgumentException with what is wrong and where, when {@code text} is not a template
     */
    public static PathTemplate parse(String text) {
        if (text == null || !text.startsWith("/")) {
            throw new IllegalArgumentException("template '" + text + "' does not start with /");
        }
        String body = text.substring(1);
        String verb = null;
        // the verb follows the last '}' or '/' and starts with ':'
        int lastClose = Math.max(body.lastIndexOf('}'), body.lastIndexOf('/'));
        int colon = body.indexOf(':', lastClose + 1);
        if (colon >= 0) {
            verb = body.substring(colon + 1);
            body = body.substring(0, colon);
            if (verb.isEmpty() || !literal(verb)) {
                throw new IllegalArgumentException("template '" + text + "': verb ':" + verb + "' is not a literal");
            }
        }
        List<String> segs = new ArrayList<>();
        List<Variable> vars = new ArrayList<>();
        int i = 0;
        int n = body.length();
        if (n == 0) {
            throw new IllegalArgumentException("template '" + text + "' has no segment");
        }
        while (i <= n) {
            if (i < n && body.charAt(i) == '{') {
                int close = body.indexOf('}', i);
                if (close < 0) {
                    throw new IllegalArgumentException("template '" + text + "': '{' without '}'");
                }
                String inner = body.substring(i + 1, close);
                if (inner.indexOf('{') >= 0) {
                    throw new IllegalArgumentException("template '" + text + "': nested variables");
                }
                int eq = inner.indexOf('=');
                String field = eq < 0 ? inner : inner.substring(0, eq);
                if (!field.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*")) {
                    throw new IllegalArgumentException("template '" + text + "': '" + field + "' is not a field path");
                }
                for (Variable v : vars) {
                    if (v.fieldPath().equals(field)) {
                        throw new IllegalArgumentException("template '" + text + "': variable {" + field + "} appears twice");
                    }
                }
                int from = segs.size();
                if (eq < 0) {
                    segs.add(STAR);
                } else {
                    String sub = inner.substring(eq + 1);
                    if (sub.isEmpty()) {
                        throw new IllegalArgumentException("template '" + text + "': {" + field + "=} has no segments");
                    }
                    for (String s : sub.split("/", -1)) {
                        segs.add(segment(text, s));
                    }
                }
                vars.add(new Variable(field, from, segs.get(segs.size() - 1) == DOUBLE_STAR ? -1 : segs.size()));
                i = close + 1;
                if (i < n && body.charAt(i) != '/') {
                    throw new IllegalArgumentException("template '" + text + "': a variable takes whole segments");
                }
                i++;
                continue;
            }
            int slash = body.indexOf('/', i);
            int end = slash < 0 ? n : slash;
            segs.add(segment(text, body.substring(i, end)));
            i = end + 1;
        }
        for (int k = 0; k < segs.size() - 1; k++) {
            if (segs.get(k) == DOUBLE_STAR) {
                throw new IllegalArgumentException("template '" + text + "': ** may only be the last segment");
            }
        }
        return new PathTemplate(text, segs.toArray(new String[0]), vars.toArray(new Variable[0]), verb);
    }

    private static String segment(String text, String s) {
        if (s.equals(STAR)) {
            return STAR;
        }
        if (s.equals(DOUBLE_STAR)) {
            return DOUBLE_STAR;
        }
        if (s.isEmpty()) {
            throw new IllegalArgumentException("template '" + text + "' has an empty segment");
        }
        if (!literal(s)) {
            throw new IllegalArgumentException("template '" + text + "': segment '" + s + "' is not a literal, * or ** "
                    + "(a variable is written {field} and takes a whole segment)");
        }
        return s;
    }

    private static boolean literal(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= ' ' || c >= 0x7f || "{}/*:?#".indexOf(c) >= 0) {
                return false;
            }
        }
        return true;
    }

    /**
     * The variables' values when {@code path} (normalized, without query) matches, in {@link #variables()} order and
     * percent-decoded; null when it does not match.
     */
    public String[] match(String path) {
        if (path.isEmpty() || path.charAt(0) != '/') {
            return null;
        }
        String p = path;
        if (verb != null) {
            if (!p.endsWith(":" + verb) || p.length() - verb.length() - 1 <= p.lastIndexOf('/')) {
                return null;
            }
            p = p.substring(0, p.length() - verb.length() - 1);
        }
        // split into segments without a regex: the request path is already normalized
        List<String> parts = new ArrayList<>(segments.length + 2);
        int from = 1;
        while (true) {
            int slash = p.indexOf('/', from);
            parts.add(slash < 0 ? p.substring(from) : p.substring(from, slash));
            if (slash < 0) {
                break;
            }
            from = slash + 1;
        }
        int n = parts.size();
        if (tail ? n < segments.length - 1 : n != segments.length) {
            return null;
        }
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            if (s == DOUBLE_STAR) {
                break;
            }
            String part = parts.get(i);
            if (s == STAR) {
                if (part.isEmpty()) {
                    return null;
                }
            } else if (!s.equals(part)) {
                return null;
            }
        }
        String[] values = new String[variables.length];
        for (int v = 0; v < variables.length; v++) {
            Variable var = variables[v];
            int to = var.to() < 0 ? n : var.to();
            if (to - var.from() == 1) {
                values[v] = decode(parts.get(var.from()));
            } else {
                StringBuilder sb = new StringBuilder();
                for (int k = var.from(); k < to; k++) {
                    if (k > var.from()) {
                        sb.append('/');
                    }
                    sb.append(decode(parts.get(k)));
                }
                values[v] = sb.toString();
            }
        }
        return values;
    }

    /** Percent-decoding of one segment (UTF-8; {@code +} stays a plus). */
    static String decode(String s) {
        if (s.indexOf('%') < 0) {
            return s;
        }
        byte[] in = s.getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream(in.length);
        for (int i = 0; i < in.length; i++) {
            int hi = i + 2 < in.length && in[i] == '%' ? Character.digit(in[i + 1], 16) : -1;
            int lo = hi >= 0 ? Character.digit(in[i + 2], 16) : -1;
            if (lo >= 0) {
                out.write(hi * 16 + lo);
                i += 2;
            } else {
                out.write(in[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    public Variable[] variables() {
        return variables.clone();
    }

    /** Segments given literally: more of them makes a template more specific (tried first). */
    public int literalCount() {
        return literals;
    }

    /** Whether the template ends with {@code **}. */
    public boolean hasTail() {
        return tail;
    }

    public int segmentCount() {
        return segments.length;
    }

    @Override
    public String toString() {
        return text;
    }
}
