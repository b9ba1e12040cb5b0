package io.headroom.cli.stack;

import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.io.StringReader;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * The configuration file as an editable YAML tree that keeps its comments, for changes made through the admin API: a
 * change edits a copy of the document in service, which is then written out ({@link #text()}) and validated as a
 * whole, like a file reload. Values sent in a request body (JSON, a subset of YAML) are parsed with
 * {@link #value(String)} and inserted as one-line flow mappings and lists, the style of the example configuration.
 */
public final class ConfigDocument {
    private final MappingNode root;

    private ConfigDocument(MappingNode root) {
        this.root = root;
    }

    /**
     * Parses {@code text} keeping comments.
     *
     * @throws IllegalArgumentException when it is not a YAML mapping (the file was validated when it was loaded, so this
     *                                  means it is not the text in service)
     */
    public static ConfigDocument parse(String text) {
        LoaderOptions o = options();
        o.setProcessComments(true);
        o.setCodePointLimit(new LoaderOptions().getCodePointLimit()); // the file: the same limit as when it was loaded
        Node n = new Yaml(o).compose(new StringReader(text));
        if (n == null) {
            n = new MappingNode(Tag.MAP, new ArrayList<>(), DumperOptions.FlowStyle.BLOCK);
        }
        if (!(n instanceof MappingNode m)) {
            throw new IllegalArgumentException("the configuration is not a mapping");
        }
        return new ConfigDocument(m);
    }

    private static LoaderOptions options() {
        LoaderOptions o = new LoaderOptions();
        o.setAllowDuplicateKeys(false);
        o.setMaxAliasesForCollections(10);
        o.setCodePointLimit(1 << 20);
        return o;
    }

    /**
     * A value from a request body (JSON or YAML flow), normalised to plain scalars and flow collections.
     *
     * @throws IllegalArgumentException with what was wrong, when the body is not YAML/JSON or holds anchors
     */
    public static Node value(String body) {
        Node n;
        try {
            n = new Yaml(options()).compose(new StringReader(body));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the body is not valid JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (n == null) {
            throw new IllegalArgumentException("the body is empty");
        }
        return normalise(n);
    }

    private static Node normalise(Node n) {
        if (n instanceof ScalarNode s) {
            // JSON quotes every string; plain style lets the emitter choose (it still quotes where YAML needs it)
            return new ScalarNode(s.getTag(), s.getValue(), null, null,
                    s.getTag().equals(Tag.STR) ? DumperOptions.ScalarStyle.PLAIN : s.getScalarStyle());
        }
        if (n instanceof SequenceNode q) {
            List<Node> items = new ArrayList<>();
            q.getValue().forEach(i -> items.add(normalise(i)));
            return new SequenceNode(Tag.SEQ, items, DumperOptions.FlowStyle.FLOW);
        }
        MappingNode m = (MappingNode) n;
        List<NodeTuple> tuples = new ArrayList<>();
        for (NodeTuple t : m.getValue()) {
            if (!(t.getKeyNode() instanceof ScalarNode)) {
                throw new IllegalArgumentException("keys must be plain strings");
            }
            tuples.add(new NodeTuple(normalise(t.getKeyNode()), normalise(t.getValueNode())));
        }
        return new MappingNode(Tag.MAP, tuples, DumperOptions.FlowStyle.FLOW);
    }

    /** A plain string scalar. */
    public static ScalarNode scalar(String value) {
        return new ScalarNode(Tag.STR, value, null, null, DumperOptions.ScalarStyle.PLAIN);
    }

    /** An empty flow mapping, for building values. */
    public static MappingNode flowMapping() {
        return new MappingNode(Tag.MAP, new ArrayList<>(), DumperOptions.FlowStyle.FLOW);
    }

    /** An empty flow list. */
    public static SequenceNode flowList() {
        return new SequenceNode(Tag.SEQ, new ArrayList<>(), DumperOptions.FlowStyle.FLOW);
    }

    /** The document's root mapping. */
    public MappingNode root() {
        return root;
    }

    /** The node at {@code path} (mapping keys from the root), or null when any step is absent. */
    public Node get(String... path) {
        Node n = root;
        for (String k : path) {
            if (!(n instanceof MappingNode m)) {
                return null;
            }
            n = get(m, k);
            if (n == null) {
                return null;
            }
        }
        return n;
    }

    /**
     * The mapping at {@code path}, made (as block mappings under the root, flow below a flow one) where absent.
     *
     * @throws IllegalArgumentException when something on the way is not a mapping
     */
    public MappingNode mapping(String... path) {
        MappingNode m = root;
        StringBuilder where = new StringBuilder();
        for (String k : path) {
            where.append(where.isEmpty() ? "" : ".").append(k);
            Node n = get(m, k);
            if (n == null || isNull(n)) {
                MappingNode made = new MappingNode(Tag.MAP, new ArrayList<>(), m.getFlowStyle());
                put(m, k, made);
                n = made;
            }
            if (!(n instanceof MappingNode next)) {
                throw new IllegalArgumentException(where + " is not a mapping in the configuration");
            }
            m = next;
        }
        return m;
    }

    /** The value of {@code key} in {@code m}, or null. */
    public static Node get(MappingNode m, String key) {
        for (NodeTuple t : m.getValue()) {
            if (t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) {
                return t.getValueNode();
            }
        }
        return null;
    }

    /** Sets {@code key} in {@code m}: in place when present (its comments stay), else appended. */
    public static void put(MappingNode m, String key, Node value) {
        List<NodeTuple> v = m.getValue();
        for (int i = 0; i < v.size(); i++) {
            if (v.get(i).getKeyNode() instanceof ScalarNode s && s.getValue().equals(key)) {
                v.set(i, new NodeTuple(s, value));
                return;
            }
        }
        v.add(new NodeTuple(scalar(key), value));
    }

    /** Removes {@code key} from {@code m}; false when it was absent. */
    public static boolean remove(MappingNode m, String key) {
        return m.getValue().removeIf(t -> t.getKeyNode() instanceof ScalarNode s && s.getValue().equals(key));
    }

    /** Removes the mappings along {@code path} that a deletion left empty, deepest first (the root stays). */
    public void prune(String... path) {
        for (int depth = path.length; depth > 0; depth--) {
            String[] at = java.util.Arrays.copyOf(path, depth);
            Node n = get(at);
            if (!(n instanceof MappingNode m) || !m.getValue().isEmpty()) {
                return;
            }
            remove(depth == 1 ? root : (MappingNode) get(java.util.Arrays.copyOf(path, depth - 1)), path[depth - 1]);
        }
    }

    /** The scalar text of {@code key} in {@code m}, or null. */
    public static String string(MappingNode m, String key) {
        return get(m, key) instanceof ScalarNode s && !isNull(s) ? s.getValue() : null;
    }

    /** Whether {@code n} is YAML's null ({@code ~}, {@code null} or nothing). */
    public static boolean isNull(Node n) {
        return n instanceof ScalarNode s && s.getTag().equals(Tag.NULL);
    }

    /** The document as YAML text, comments kept. */
    public String text() {
        DumperOptions d = new DumperOptions();
        d.setProcessComments(true);
        d.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        d.setWidth(200);
        d.setIndent(2);
        StringWriter w = new StringWriter();
        new Yaml(d).serialize(root, w);
        return w.toString();
    }
}
