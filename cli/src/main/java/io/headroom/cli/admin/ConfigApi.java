package io.headroom.cli.admin;

import io.headroom.cli.stack.ConfigDocument;
import io.headroom.cli.stack.ConfigReloader;
import io.headroom.cli.stack.ConfigReloader.Refused;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;
import org.yaml.snakeyaml.nodes.Tag;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reading and changing the configuration at run time through the admin API: routes, pools and their backends, API
 * keys, per-consumer rate limits and quotas. Every change edits a copy of the configuration in service and goes through
 * {@link ConfigReloader#change}: validated as a whole, applied atomically by the router's hot reload, written back to
 * the file (or kept in memory) as {@code admin.config-changes} says. Bodies are JSON in the configuration file's own
 * shape (docs/gateway.md, docs/router.md).
 *
 * <pre>
 * GET    /api/config                          the configuration in service, secrets redacted; ETag = its version
 * GET    /api/routes | /api/routes/{name}     PUT /api/routes/{name} {route}     DELETE /api/routes/{name}
 * GET    /api/pools  | /api/pools/{name}      PUT /api/pools/{name} {pool}       DELETE /api/pools/{name}
 * POST   /api/pools/{name}/backends "host:port" | {address, weight}
 * DELETE /api/pools/{name}/backends/{host:port}
 * GET    /api/keys                            POST /api/keys {consumer, scopes, sha256?}  (no sha256: a key is made
 *                                             and returned once)   PUT /api/keys/{id} {consumer?, scopes?}   DELETE
 * GET    /api/quotas                          PUT|DELETE /api/quotas/consumers/{c} {day: N, month: N, ...}
 *                                             PUT|DELETE /api/quotas/default  (every other consumer)
 * PUT|DELETE /api/rate-limits/consumers/{c} "100/s" | {rate, burst}     PUT|DELETE /api/rate-limits/default
 * GET    /api/changes                         the change log (who, what, when, result)
 * </pre>
 * A mutating request may carry {@code If-Match: ETAG} (from {@code GET /api/config}): a configuration changed meanwhile
 * answers 412 instead of silently losing the other change.
 */
final class ConfigApi {
    /** A key's id: the first 16 hex digits of its SHA-256 (the hash is no secret, and the id is shorter). */
    static final int ID_LENGTH = 16;
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
    private static final Pattern SECRET_KEY = Pattern.compile(
            "(?i).*(password|passwd|secret|jaas|token|credential|authorization|private).*");
    private static final SecureRandom RANDOM = new SecureRandom();

    /** An answer: status, JSON body, and whether the body must not be cached (a generated key). */
    record Answer(int status, String body, boolean noStore) {
        Answer(int status, String body) {
            this(status, body, false);
        }
    }

    /** One request to the API: method, path below {@code /api/}, body, {@code If-Match}. */
    record Call(String method, String path, String body, String ifMatch) {
    }

    private final ConfigReloader reloader;
    private final ChangeLog log;

    ConfigApi(ConfigReloader reloader, ChangeLog log) {
        this.reloader = reloader;
        this.log = log;
    }

    /** Whether {@code path} is one of this API's. */
    static boolean handles(String path) {
        return path.equals("/api/config") || path.equals("/api/changes") || path.startsWith("/api/routes") || path.startsWith("/api/pools")
                || path.startsWith("/api/keys") || path.startsWith("/api/quotas") || path.startsWith("/api/rate-limits");
    }

    /** Whether {@code method} changes something. */
    static boolean mutating(String method) {
        return !method.equals("GET") && !method.equals("HEAD");
    }

    Answer handle(Call c, String who) {
        List<String> seg = segments(c.path());
        String m = c.method();
        String res = seg.size() > 1 ? seg.get(1) : "";
        if (!mutating(m)) {
            return read(seg);
        }
        if (reloader == null) {
            return error(409, "reload_unavailable", "this process was not started from a configuration file (headroom run --config FILE)");
        }
        String what = m + " /" + String.join("/", seg);
        GeneratedKey[] generated = new GeneratedKey[1];
        ConfigReloader.Edit edit;
        try {
            edit = switch (res) {
                case "routes" -> seg.size() == 3 ? routeEdit(m, seg.get(2), c.body()) : null;
                case "pools" -> poolEdit(m, seg, c.body());
                case "keys" -> seg.size() == 2 && m.equals("POST") ? doc -> {
                    GeneratedKey g = addKey(doc, c.body());
                    generated[0] = g;
                    return "key " + g.id + " added for consumer " + g.consumer + (g.plain != null ? " (generated)" : "");
                } : keyEdit(m, seg, c.body());
                case "quotas" -> quotaEdit(m, seg, c.body(), "quotas");
                case "rate-limits" -> quotaEdit(m, seg, c.body(), "rate-limits");
                default -> null;
            };
        } catch (Refused e) {
            log.record(who, what, e.status(), e.getMessage(), null);
            return error(e.status(), e.code(), e.getMessage());
        } catch (IllegalArgumentException e) {
            log.record(who, what, 400, e.getMessage(), null);
            return error(400, "bad_request", e.getMessage());
        }
        if (edit == null) {
            return error(405, "method_not_allowed", m + " is not allowed on " + c.path() + " (see docs/operating.md, Admin API)");
        }
        ConfigReloader.ChangeResult r = reloader.change("api", c.ifMatch(), edit);
        log.record(who, what, r.status(), r.detail(), r.change() == null ? null : r.change().generation());
        if (!r.applied()) {
            generated[0] = null;
            return error(r.status(), r.error(), r.detail());
        }
        Json j = new Json().beginObject().field("applied", true).field("summary", r.detail()).field("etag", r.etag())
                .field("written_to_file", r.written());
        if (r.change() != null) {
            j.field("generation", r.change().generation());
            list(j, "drained", r.change().drained());
        }
        if (generated[0] != null) {
            GeneratedKey g = generated[0];
            j.field("id", g.id).field("consumer", g.consumer);
            if (g.plain != null) {
                j.field("key", g.plain).field("note", "the key is shown this once; only its SHA-256 is kept");
            }
            return new Answer(201, j.endObject().toString(), true);
        }
        return new Answer(200, j.endObject().toString());
    }

    // ---- reading -------------------------------------------------------------------------------------------------

    private Answer read(List<String> seg) {
        if (reloader == null && !(seg.size() == 2 && seg.get(1).equals("changes"))) {
            return error(409, "reload_unavailable", "this process was not started from a configuration file");
        }
        String res = seg.size() > 1 ? seg.get(1) : "";
        if (res.equals("changes") && seg.size() == 2) {
            return new Answer(200, log.json());
        }
        ConfigDocument doc = reloader.document();
        switch (res) {
            case "config" -> {
                Json j = new Json().beginObject().field("file", reloader.file().toString())
                        .field("changes", reloader.mode().name().toLowerCase(Locale.ROOT)).field("etag", reloader.etag())
                        .name("diverged_from_file").beginArray();
                reloader.diverged().forEach(j::value);
                j.endArray().name("config");
                write(j, doc.root(), null);
                return new Answer(200, j.endObject().toString());
            }
            case "routes" -> {
                Node routes = doc.get("router", "routes");
                if (seg.size() == 2) {
                    return new Answer(200, json(routes));
                }
                if (seg.size() == 3) {
                    int i = routeIndex(routes, seg.get(2));
                    return i < 0 ? error(404, "not_found", "no route named " + seg.get(2))
                            : new Answer(200, json(((SequenceNode) routes).getValue().get(i)));
                }
            }
            case "pools" -> {
                if (seg.size() == 2) {
                    return new Answer(200, json(doc.get("router", "pools")));
                }
                if (seg.size() == 3) {
                    Node p = doc.get("router", "pools", seg.get(2));
                    return p == null ? error(404, "not_found", "no pool named " + seg.get(2)) : new Answer(200, json(p));
                }
            }
            case "keys" -> {
                if (seg.size() == 2) {
                    Json j = new Json().beginObject();
                    Node file = doc.get("router", "auth", "api-keys", "file");
                    j.field("key_file", file instanceof ScalarNode s ? s.getValue() : null).name("keys").beginArray();
                    for (MappingNode k : keys(doc)) {
                        String hex = ConfigDocument.string(k, "sha256");
                        j.beginObject().field("id", hex == null ? null : id(hex)).field("consumer", ConfigDocument.string(k, "consumer"))
                                .name("scopes");
                        Node sc = ConfigDocument.get(k, "scopes");
                        if (sc == null) {
                            j.beginArray().endArray();
                        } else {
                            write(j, sc, null);
                        }
                        j.endObject();
                    }
                    return new Answer(200, j.endArray().endObject().toString());
                }
            }
            case "quotas", "rate-limits" -> {
                if (seg.size() == 2) {
                    return new Answer(200, json(doc.get("router", "rate-limits")));
                }
            }
            default -> {
            }
        }
        return error(404, "not_found", "no such resource /" + String.join("/", seg));
    }

    private static String json(Node n) {
        Json j = new Json();
        write(j, n, null);
        return j.toString();
    }

    /**
     * Writes {@code n} as JSON: scalars as numbers, booleans or strings by their YAML type; secrets (any key naming a
     * password, secret, token, credential, JAAS config or authorization, other than a {@code -file}/{@code -env}
     * reference) as {@code "(redacted)"}, key hashes as their id.
     */
    static void write(Json j, Node n, String key) {
        if (n == null || ConfigDocument.isNull(n)) {
            j.value((String) null);
        } else if (n instanceof MappingNode m) {
            j.beginObject();
            m.getValue().forEach(t -> {
                String k = ((ScalarNode) t.getKeyNode()).getValue();
                j.name(k);
                write(j, t.getValueNode(), k);
            });
            j.endObject();
        } else if (n instanceof SequenceNode s) {
            j.beginArray();
            s.getValue().forEach(i -> write(j, i, key));
            j.endArray();
        } else {
            ScalarNode s = (ScalarNode) n;
            if (key != null && key.equals("sha256")) {
                String hex = s.getValue().strip().toLowerCase(Locale.ROOT);
                j.value(HEX64.matcher(hex).matches() ? "(redacted; id " + id(hex) + ")" : "(redacted)");
            } else if (key != null && SECRET_KEY.matcher(key).matches() && !key.endsWith("-file") && !key.endsWith("-env")) {
                j.value("(redacted)");
            } else if (s.getTag().equals(Tag.INT) && s.getValue().matches("-?[0-9]{1,15}")) {
                j.raw(Long.toString(Long.parseLong(s.getValue())));
            } else if (s.getTag().equals(Tag.FLOAT) && s.getValue().matches("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")) {
                j.raw(s.getValue());
            } else if (s.getTag().equals(Tag.BOOL)) {
                j.value(Boolean.parseBoolean(s.getValue().toLowerCase(Locale.ROOT)));
            } else {
                j.value(s.getValue());
            }
        }
    }

    // ---- routes --------------------------------------------------------------------------------------------------

    private static ConfigReloader.Edit routeEdit(String method, String name, String body) {
        checkName(name, "route");
        return switch (method) {
            case "PUT" -> {
                MappingNode route = mappingBody(body);
                String given = ConfigDocument.string(route, "name");
                if (given != null && !given.equals(name)) {
                    throw new Refused(400, "bad_request", "the body names route '" + given + "' but the path names '" + name + "'");
                }
                ConfigDocument.put(route, "name", ConfigDocument.scalar(name));
                // name first, as in the configuration file
                route.getValue().sort((a, b) -> Boolean.compare(!isKey(a.getKeyNode(), "name"), !isKey(b.getKeyNode(), "name")));
                yield doc -> {
                    SequenceNode routes = routes(doc);
                    int i = routeIndex(routes, name);
                    if (i < 0) {
                        routes.getValue().add(route);
                        return "route " + name + " added";
                    }
                    routes.getValue().set(i, route);
                    return "route " + name + " replaced";
                };
            }
            case "DELETE" -> doc -> {
                SequenceNode routes = routes(doc);
                int i = routeIndex(routes, name);
                if (i < 0) {
                    throw new Refused(404, "not_found", "no route named " + name);
                }
                routes.getValue().remove(i);
                return "route " + name + " removed";
            };
            default -> null;
        };
    }

    private static boolean isKey(Node n, String key) {
        return n instanceof ScalarNode s && s.getValue().equals(key);
    }

    private static SequenceNode routes(ConfigDocument doc) {
        Node n = doc.get("router", "routes");
        if (n instanceof SequenceNode s) {
            return s;
        }
        if (n == null || ConfigDocument.isNull(n)) {
            SequenceNode s = new SequenceNode(Tag.SEQ, new ArrayList<>(), org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK);
            ConfigDocument.put(doc.mapping("router"), "routes", s);
            return s;
        }
        throw new Refused(409, "conflict", "router.routes in the configuration is not a list");
    }

    private static int routeIndex(Node routes, String name) {
        if (!(routes instanceof SequenceNode s)) {
            return -1;
        }
        for (int i = 0; i < s.getValue().size(); i++) {
            if (s.getValue().get(i) instanceof MappingNode m && name.equals(ConfigDocument.string(m, "name"))) {
                return i;
            }
        }
        return -1;
    }

    // ---- pools ---------------------------------------------------------------------------------------------------

    private static ConfigReloader.Edit poolEdit(String method, List<String> seg, String body) {
        if (seg.size() < 3) {
            return null;
        }
        String name = seg.get(2);
        checkName(name, "pool");
        if (seg.size() == 3) {
            return switch (method) {
                case "PUT" -> {
                    MappingNode pool = mappingBody(body);
                    yield doc -> {
                        MappingNode pools = doc.mapping("router", "pools");
                        boolean existed = ConfigDocument.get(pools, name) != null;
                        ConfigDocument.put(pools, name, pool);
                        return "pool " + name + (existed ? " replaced" : " added");
                    };
                }
                case "DELETE" -> doc -> {
                    if (!ConfigDocument.remove(doc.mapping("router", "pools"), name)) {
                        throw new Refused(404, "not_found", "no pool named " + name);
                    }
                    return "pool " + name + " removed";
                };
                default -> null;
            };
        }
        if (!seg.get(3).equals("backends") || seg.size() > 5) {
            return null;
        }
        if (seg.size() == 4 && method.equals("POST")) {
            Node backend = ConfigDocument.value(nonEmpty(body));
            String address = backendAddress(backend);
            if (address == null) {
                throw new Refused(400, "bad_request", "send the backend as \"host:port\" or {\"address\": \"host:port\", \"weight\": N}");
            }
            return doc -> {
                SequenceNode list = backends(doc, name);
                for (Node b : list.getValue()) {
                    if (address.equals(backendAddress(b))) {
                        throw new Refused(409, "conflict", "pool " + name + " already has backend " + address);
                    }
                }
                list.getValue().add(backend);
                return "backend " + address + " added to pool " + name;
            };
        }
        if (seg.size() == 5 && method.equals("DELETE")) {
            String address = seg.get(4);
            return doc -> {
                SequenceNode list = backends(doc, name);
                if (!list.getValue().removeIf(b -> address.equals(backendAddress(b)))) {
                    throw new Refused(404, "not_found", "pool " + name + " has no backend " + address);
                }
                return "backend " + address + " removed from pool " + name;
            };
        }
        return null;
    }

    private static SequenceNode backends(ConfigDocument doc, String pool) {
        Node p = doc.get("router", "pools", pool);
        if (!(p instanceof MappingNode m)) {
            throw new Refused(404, "not_found", "no pool named " + pool);
        }
        Node b = ConfigDocument.get(m, "backends");
        if (b == null || ConfigDocument.isNull(b)) {
            SequenceNode s = ConfigDocument.flowList();
            ConfigDocument.put(m, "backends", s);
            return s;
        }
        if (!(b instanceof SequenceNode s)) {
            throw new Refused(409, "conflict", "router.pools." + pool + ".backends is not a list");
        }
        return s;
    }

    private static String backendAddress(Node b) {
        if (b instanceof ScalarNode s && !ConfigDocument.isNull(s)) {
            return s.getValue().strip();
        }
        if (b instanceof MappingNode m) {
            String a = ConfigDocument.string(m, "address");
            return a == null ? null : a.strip();
        }
        return null;
    }

    // ---- API keys ------------------------------------------------------------------------------------------------

    private record GeneratedKey(String id, String consumer, String plain) {
    }

    private static List<MappingNode> keys(ConfigDocument doc) {
        List<MappingNode> out = new ArrayList<>();
        if (doc.get("router", "auth", "api-keys", "keys") instanceof SequenceNode s) {
            s.getValue().forEach(n -> {
                if (n instanceof MappingNode m) {
                    out.add(m);
                }
            });
        }
        return out;
    }

    private static SequenceNode keyList(ConfigDocument doc) {
        MappingNode apiKeys = doc.mapping("router", "auth", "api-keys");
        Node k = ConfigDocument.get(apiKeys, "keys");
        if (k instanceof SequenceNode s) {
            return s;
        }
        SequenceNode s = new SequenceNode(Tag.SEQ, new ArrayList<>(), org.yaml.snakeyaml.DumperOptions.FlowStyle.BLOCK);
        ConfigDocument.put(apiKeys, "keys", s);
        return s;
    }

    private ConfigReloader.Edit keyEdit(String method, List<String> seg, String body) {
        if (seg.size() != 3) {
            return null;
        }
        String id = seg.get(2).toLowerCase(Locale.ROOT);
        if (!id.matches("[0-9a-f]{" + ID_LENGTH + "}")) {
            throw new Refused(404, "not_found", "a key id is " + ID_LENGTH + " hex digits (GET /api/keys lists them)");
        }
        return switch (method) {
            case "DELETE" -> doc -> {
                SequenceNode list = keyList(doc);
                int i = keyIndex(list, id);
                String consumer = ConfigDocument.string((MappingNode) list.getValue().get(i), "consumer");
                list.getValue().remove(i);
                return "key " + id + " of consumer " + consumer + " removed";
            };
            case "PUT" -> {
                MappingNode change = mappingBody(body);
                for (var t : change.getValue()) {
                    String k = ((ScalarNode) t.getKeyNode()).getValue();
                    if (!k.equals("consumer") && !k.equals("scopes")) {
                        throw new Refused(400, "bad_request", "a key's consumer and scopes can change, not '" + k
                                + "'; to replace the key itself, POST a new one and DELETE this one");
                    }
                }
                yield doc -> {
                    SequenceNode list = keyList(doc);
                    MappingNode k = (MappingNode) list.getValue().get(keyIndex(list, id));
                    change.getValue().forEach(t -> ConfigDocument.put(k, ((ScalarNode) t.getKeyNode()).getValue(), t.getValueNode()));
                    return "key " + id + " changed (" + String.join(", ", change.getValue().stream()
                            .map(t -> ((ScalarNode) t.getKeyNode()).getValue()).toList()) + ")";
                };
            }
            default -> null;
        };
    }

    private static int keyIndex(SequenceNode list, String id) {
        int found = -1;
        for (int i = 0; i < list.getValue().size(); i++) {
            if (list.getValue().get(i) instanceof MappingNode m) {
                String hex = ConfigDocument.string(m, "sha256");
                if (hex != null && hex.strip().toLowerCase(Locale.ROOT).startsWith(id)) {
                    if (found >= 0) {
                        throw new Refused(409, "ambiguous", "two keys share id " + id);
                    }
                    found = i;
                }
            }
        }
        if (found < 0) {
            throw new Refused(404, "not_found", "no key with id " + id + " in router.auth.api-keys.keys (keys in a key file "
                    + "change in that file)");
        }
        return found;
    }

    /** POST /api/keys: takes a SHA-256, or makes a key (32 random bytes) and returns it once. Never a plain key in. */
    private static GeneratedKey addKey(ConfigDocument doc, String body) {
        MappingNode in = mappingBody(body);
        if (ConfigDocument.get(in, "key") != null) {
            throw new Refused(422, "plain_key_refused", "a plain key is never accepted or stored: send its SHA-256 as sha256 "
                    + "(printf %s KEY | sha256sum), or send no sha256 to have a key made and shown once");
        }
        for (var t : in.getValue()) {
            String k = ((ScalarNode) t.getKeyNode()).getValue();
            if (!k.equals("consumer") && !k.equals("scopes") && !k.equals("sha256")) {
                throw new Refused(400, "bad_request", "unknown field '" + k + "'; a key has consumer, scopes and sha256");
            }
        }
        String consumer = ConfigDocument.string(in, "consumer");
        if (consumer == null || consumer.isBlank()) {
            throw new Refused(400, "bad_request", "send the key's consumer: {\"consumer\": \"acme\", \"scopes\": [\"orders:read\"]}");
        }
        String hex = ConfigDocument.string(in, "sha256");
        String plain = null;
        if (hex == null) {
            byte[] b = new byte[32];
            RANDOM.nextBytes(b);
            plain = "hr_" + Base64.getUrlEncoder().withoutPadding().encodeToString(b);
            hex = sha256(plain);
        } else {
            hex = hex.strip().toLowerCase(Locale.ROOT);
            if (!HEX64.matcher(hex).matches()) {
                throw new Refused(400, "bad_request", "sha256 must be 64 hex digits (printf %s KEY | sha256sum)");
            }
        }
        SequenceNode list = keyList(doc);
        for (MappingNode k : keys(doc)) {
            String other = ConfigDocument.string(k, "sha256");
            if (other != null && (other.strip().toLowerCase(Locale.ROOT).equals(hex) || id(other.strip().toLowerCase(Locale.ROOT)).equals(id(hex)))) {
                throw new Refused(409, "conflict", "this key (id " + id(hex) + ") is already configured");
            }
        }
        MappingNode k = ConfigDocument.flowMapping();
        ConfigDocument.put(k, "consumer", ConfigDocument.scalar(consumer));
        ConfigDocument.put(k, "sha256", ConfigDocument.scalar(hex));
        Node scopes = ConfigDocument.get(in, "scopes");
        if (scopes != null) {
            ConfigDocument.put(k, "scopes", scopes);
        }
        list.getValue().add(k);
        return new GeneratedKey(id(hex), consumer, plain);
    }

    static String id(String hex) {
        return hex.substring(0, Math.min(ID_LENGTH, hex.length()));
    }

    static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // ---- quotas and rate limits ----------------------------------------------------------------------------------

    /**
     * {@code /api/quotas/consumers/{c}}, {@code /api/quotas/default}: {@code router.rate-limits.quotas.consumers.c} and
     * {@code .consumer}; {@code /api/rate-limits/...}: {@code router.rate-limits.consumers.c} and {@code .consumer}.
     */
    private static ConfigReloader.Edit quotaEdit(String method, List<String> seg, String body, String kind) {
        String consumer;
        if (seg.size() == 3 && seg.get(2).equals("default")) {
            consumer = null;
        } else if (seg.size() == 4 && seg.get(2).equals("consumers")) {
            consumer = seg.get(3);
            checkName(consumer, "consumer");
        } else {
            return null;
        }
        String[] parent = kind.equals("quotas") ? new String[]{"router", "rate-limits", "quotas"} : new String[]{"router", "rate-limits"};
        String label = (kind.equals("quotas") ? "quota" : "rate limit") + " of " + (consumer == null ? "every other consumer" : "consumer " + consumer);
        return switch (method) {
            case "PUT" -> {
                Node value = ConfigDocument.value(nonEmpty(body));
                if (kind.equals("quotas") && !(value instanceof MappingNode)) {
                    throw new Refused(400, "bad_request", "send the quotas as {\"day\": 10000, \"month\": 250000} (minute, hour, day, month)");
                }
                yield doc -> {
                    MappingNode at = consumer == null ? doc.mapping(parent) : doc.mapping(append(parent, "consumers"));
                    ConfigDocument.put(at, consumer == null ? "consumer" : consumer, value);
                    return label + " set";
                };
            }
            case "DELETE" -> doc -> {
                Node at = consumer == null ? doc.get(parent) : doc.get(append(parent, "consumers"));
                if (!(at instanceof MappingNode m) || !ConfigDocument.remove(m, consumer == null ? "consumer" : consumer)) {
                    throw new Refused(404, "not_found", "no " + label + " is configured");
                }
                doc.prune(consumer == null ? parent : append(parent, "consumers")); // no empty consumers: {} left behind
                return label + " removed";
            };
            default -> null;
        };
    }

    private static String[] append(String[] a, String b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = b;
        return out;
    }

    // ---- helpers -------------------------------------------------------------------------------------------------

    private static MappingNode mappingBody(String body) {
        Node n;
        try {
            n = ConfigDocument.value(nonEmpty(body));
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "bad_request", e.getMessage());
        }
        if (!(n instanceof MappingNode m)) {
            throw new Refused(400, "bad_request", "send a JSON object");
        }
        return m;
    }

    private static String nonEmpty(String body) {
        if (body == null || body.isBlank()) {
            throw new Refused(400, "bad_request", "the request needs a JSON body");
        }
        return body;
    }

    private static void checkName(String name, String what) {
        if (!NAME.matcher(name).matches()) {
            throw new Refused(400, "bad_request", "'" + name + "' is not a valid " + what + " name (letters, digits, . _ -; at most 128)");
        }
    }

    static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(URLDecoder.decode(s, StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private static void list(Json j, String name, List<String> values) {
        j.name(name).beginArray();
        values.forEach(j::value);
        j.endArray();
    }

    static Answer error(int status, String code, String detail) {
        return new Answer(status, new Json().beginObject().field("error", code).field("detail", detail).endObject().toString());
    }
}
