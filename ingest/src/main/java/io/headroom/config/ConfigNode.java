package io.headroom.config;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A read-only view of one node of the YAML configuration that remembers where it came from, so every typed
 * accessor can fail with {@code file:line:column}, the path of the key, what was wrong and how to fix it.
 *
 * <p>Absent keys give the caller's default; present keys of the wrong type or out of range are errors.
 * {@link #requireOnly} turns a misspelt key into an error instead of a silently ignored setting.
 */
public final class ConfigNode {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(ms|s|m|h|d)");

    private final String source;
    private final String path;
    private final Node node;

    private ConfigNode(String source, String path, Node node) {
        this.source = source;
        this.path = path;
        this.node = node;
    }

    /** Parses a YAML file; an empty file is an empty mapping. */
    public static ConfigNode load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new ConfigException(file.toString(), "configuration file not found",
                    "check the path, or run without --config to use the defaults");
        }
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parse(file.toString(), r);
        } catch (IOException e) {
            throw new ConfigException(file.toString(), "cannot read: " + e.getMessage(), "check the file's permissions");
        }
    }

    public static ConfigNode parse(String sourceName, String yaml) {
        return parse(sourceName, new StringReader(yaml));
    }

    /** An empty configuration: every accessor returns its default. */
    public static ConfigNode empty() {
        return parse("<defaults>", "{}");
    }

    private static ConfigNode parse(String sourceName, Reader reader) {
        LoaderOptions opts = new LoaderOptions();
        opts.setAllowDuplicateKeys(false);
        opts.setMaxAliasesForCollections(10);
        Node root;
        try {
            root = new Yaml(opts).compose(reader);
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark();
            String where = m == null ? sourceName : sourceName + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
            throw new ConfigException(where, "invalid YAML: " + e.getProblem(),
                    "fix the YAML syntax (indentation with spaces, 'key: value', no duplicate keys)");
        } catch (RuntimeException e) {
            throw new ConfigException(sourceName, "invalid YAML: " + e.getMessage(), "fix the YAML syntax");
        }
        if (root == null) {
            root = new MappingNode(org.yaml.snakeyaml.nodes.Tag.MAP, new ArrayList<>(), org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK);
        }
        ConfigNode c = new ConfigNode(sourceName, "", root);
        c.mapping();
        return c;
    }

    /** {@code file:line:column} of this node. */
    public String location() {
        Mark m = node.getStartMark();
        return m == null ? source : source + ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1);
    }

    public String path() {
        return path.isEmpty() ? "<root>" : path;
    }

    private String childPath(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    private Map<String, NodeTuple> mapping() {
        if (!(node instanceof MappingNode mn)) {
            throw error("expected a mapping (key: value lines) but found " + kind(node), "indent the keys under '" + path() + ":'");
        }
        Map<String, NodeTuple> out = new LinkedHashMap<>();
        for (NodeTuple t : mn.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode k)) {
                throw new ConfigException(new ConfigNode(source, path, t.getKeyNode()).location(), "keys must be plain words",
                        "write the key as text");
            }
            if (out.put(k.getValue(), t) != null) {
                throw at(k, childPath(k.getValue()), "duplicate key '" + k.getValue() + "'",
                        "keep one '" + k.getValue() + ":' entry in this mapping (the later one would silently win)");
            }
        }
        return out;
    }

    public boolean has(String key) {
        NodeTuple t = mapping().get(key);
        return t != null && !isNull(t.getValueNode());
    }

    /** The child mapping at {@code key}; an empty one if absent. */
    public ConfigNode child(String key) {
        NodeTuple t = mapping().get(key);
        if (t == null || isNull(t.getValueNode())) {
            return new ConfigNode(source, childPath(key),
                    new MappingNode(org.yaml.snakeyaml.nodes.Tag.MAP, new ArrayList<>(), org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK));
        }
        ConfigNode c = new ConfigNode(source, childPath(key), t.getValueNode());
        c.mapping();
        return c;
    }

    /** The keys of this mapping, in file order. */
    public List<String> keys() {
        return List.copyOf(mapping().keySet());
    }

    /** Items of the list at {@code key}; empty if absent. A scalar is an error. */
    public List<ConfigNode> list(String key) {
        NodeTuple t = mapping().get(key);
        if (t == null || isNull(t.getValueNode())) {
            return List.of();
        }
        if (!(t.getValueNode() instanceof SequenceNode sn)) {
            throw at(t.getValueNode(), childPath(key), "expected a list but found " + kind(t.getValueNode()),
                    "write one item per line starting with '- '");
        }
        List<ConfigNode> out = new ArrayList<>();
        int i = 0;
        for (Node n : sn.getValue()) {
            out.add(new ConfigNode(source, childPath(key) + "[" + i++ + "]", n));
        }
        return out;
    }

    /** Items of a list of plain values at {@code key}. */
    public List<String> stringList(String key) {
        List<String> out = new ArrayList<>();
        for (ConfigNode n : list(key)) {
            out.add(n.scalarValue());
        }
        return out;
    }

    /** This node's own scalar text (for list items). */
    public String scalarValue() {
        if (!(node instanceof ScalarNode s)) {
            throw error("expected a plain value but found " + kind(node), "write a single value");
        }
        return s.getValue();
    }

    public String string(String key, String def) {
        ScalarNode s = scalar(key);
        return s == null ? def : s.getValue();
    }

    public String requireString(String key, String fix) {
        ScalarNode s = scalar(key);
        if (s == null || s.getValue().isBlank()) {
            throw error("missing required key '" + childPath(key) + "'", fix);
        }
        return s.getValue();
    }

    public int integer(String key, int def, int min, int max) {
        long v = longValue(key, def, min, max);
        return (int) v;
    }

    public long longValue(String key, long def, long min, long max) {
        ScalarNode s = scalar(key);
        if (s == null) {
            return def;
        }
        long v;
        try {
            v = Long.parseLong(s.getValue().trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw at(s, childPath(key), "expected a whole number but found '" + s.getValue() + "'", "write a number such as " + def);
        }
        if (v < min || v > max) {
            throw at(s, childPath(key), v + " is out of range", "use a value between " + min + " and " + max);
        }
        return v;
    }

    public double decimal(String key, double def, double min, double max) {
        ScalarNode s = scalar(key);
        if (s == null) {
            return def;
        }
        double v;
        try {
            v = Double.parseDouble(s.getValue().trim());
        } catch (NumberFormatException e) {
            throw at(s, childPath(key), "expected a number but found '" + s.getValue() + "'", "write a number such as " + def);
        }
        if (!(v >= min && v <= max)) {
            throw at(s, childPath(key), v + " is out of range", "use a value between " + min + " and " + max);
        }
        return v;
    }

    public boolean bool(String key, boolean def) {
        ScalarNode s = scalar(key);
        if (s == null) {
            return def;
        }
        return switch (s.getValue().trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> true;
            case "false", "no", "off" -> false;
            default -> throw at(s, childPath(key), "expected true or false but found '" + s.getValue() + "'", "write true or false");
        };
    }

    /** A duration such as {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}; a bare number is seconds. */
    public Duration duration(String key, Duration def) {
        ScalarNode s = scalar(key);
        if (s == null) {
            return def;
        }
        String v = s.getValue().trim();
        try {
            if (v.matches("\\d+(\\.\\d+)?")) {
                return Duration.ofMillis(Math.round(Double.parseDouble(v) * 1000));
            }
            Matcher m = DURATION.matcher(v);
            if (m.matches()) {
                double n = Double.parseDouble(m.group(1));
                long ms = switch (m.group(2)) {
                    case "ms" -> Math.round(n);
                    case "s" -> Math.round(n * 1000);
                    case "m" -> Math.round(n * 60_000);
                    case "h" -> Math.round(n * 3_600_000);
                    default -> Math.round(n * 86_400_000);
                };
                return Duration.ofMillis(ms);
            }
        } catch (NumberFormatException ignored) {
            // fall through to the error
        }
        throw at(s, childPath(key), "expected a duration but found '" + v + "'", "write e.g. 250ms, 5s, 2m or 1h");
    }

    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E def) {
        ScalarNode s = scalar(key);
        if (s == null) {
            return def;
        }
        String v = s.getValue().trim().replace('-', '_').toUpperCase(java.util.Locale.ROOT);
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(v)) {
                return e;
            }
        }
        throw at(s, childPath(key), "unknown value '" + s.getValue() + "'", "use one of " + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-')).toList());
    }

    /** Fails on any key not in {@code allowed}, naming the closest allowed key. */
    public ConfigNode requireOnly(String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (Map.Entry<String, NodeTuple> e : mapping().entrySet()) {
            if (!ok.contains(e.getKey())) {
                String hint = closest(e.getKey(), allowed);
                throw at(e.getValue().getKeyNode(), childPath(e.getKey()), "unknown key '" + e.getKey() + "'",
                        (hint == null ? "" : "did you mean '" + hint + "'? ") + "allowed here: " + String.join(", ", allowed));
            }
        }
        return this;
    }

    /** An error located at this node. */
    public ConfigException error(String problem, String fix) {
        return new ConfigException(location() + " (" + path() + ")", problem, fix);
    }

    /** An error located at the value of {@code key} (or at this node if absent). */
    public ConfigException errorAt(String key, String problem, String fix) {
        NodeTuple t = mapping().get(key);
        if (t == null) {
            return error(problem, fix);
        }
        return at(t.getValueNode(), childPath(key), problem, fix);
    }

    private ConfigException at(Node n, String p, String problem, String fix) {
        return new ConfigException(new ConfigNode(source, p, n).location() + " (" + p + ")", problem, fix);
    }

    private ScalarNode scalar(String key) {
        NodeTuple t = mapping().get(key);
        if (t == null || isNull(t.getValueNode())) {
            return null;
        }
        if (!(t.getValueNode() instanceof ScalarNode s)) {
            throw at(t.getValueNode(), childPath(key), "expected a plain value but found " + kind(t.getValueNode()),
                    "write '" + key + ": VALUE' on one line");
        }
        return s;
    }

    private static boolean isNull(Node n) {
        return n instanceof ScalarNode s && (s.getTag().getValue().endsWith(":null") || s.getValue().equals("~"))
                && (s.getValue().isEmpty() || s.getValue().equals("~") || s.getValue().equals("null"));
    }

    private static String kind(Node n) {
        if (n instanceof MappingNode) {
            return "a mapping";
        }
        if (n instanceof SequenceNode) {
            return "a list";
        }
        return "'" + ((ScalarNode) n).getValue() + "'";
    }

    private static String closest(String key, String[] allowed) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String a : allowed) {
            int d = levenshtein(key, a);
            if (d < bestD) {
                bestD = d;
                best = a;
            }
        }
        return bestD <= Math.max(2, key.length() / 2) ? best : null;
    }

    private static int levenshtein(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + cost);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }
}
