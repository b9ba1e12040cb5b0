package io.headroom.router.auth;

import io.headroom.router.config.AuthConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * API keys, kept only as SHA-256 hashes: from the config file and from an optional key file that is read again when
 * its modification time or size changes ({@link #reloadIfChanged()}, called by a timer), so keys rotate without a
 * restart. A bad key file is reported and the previous keys stay in force.
 *
 * <p>A presented key is hashed, the first 8 bytes of its hash pick the candidate entry from an immutable map, and the
 * full 32 bytes are compared with {@link MessageDigest#isEqual} (constant time). Timing can then at most reveal
 * something about a hash of the key, never the key. The map is swapped whole on reload; the request path takes no lock.
 *
 * <p>Key file lines: {@code consumer-id sha256-hex [scope,scope,...]}; {@code #} starts a comment.
 */
public final class ApiKeyStore {
    private static final Logger LOG = Logger.getLogger(ApiKeyStore.class.getName());

    /** One key: its hash, who it identifies (with what it may do), and the accepted result that says so, built once. */
    private record Entry(byte[] hash, Identity identity, AuthResult accepted) {
        Entry(byte[] hash, Identity identity) {
            this(hash, identity, AuthResult.accepted(identity));
        }
    }

    /** Keys up to this many characters, all ASCII, are encoded into the thread's scratch buffer rather than a new array. */
    static final int SCRATCH_CHARS = 256;

    /**
     * What {@link #verify} needs per thread (a client connection's, or an HTTP/2 stream's): a SHA-256 digest (looking
     * the algorithm up in the security providers on every request cost more than hashing the key), a buffer for the
     * key's bytes and one for its hash, so that checking a key allocates nothing. Both buffers are overwritten by the
     * next check on the thread; the key's bytes are cleared after hashing.
     */
    private static final class Scratch {
        final MessageDigest sha256;
        final byte[] key = new byte[SCRATCH_CHARS];
        final byte[] hash = new byte[32];

        Scratch() {
            try {
                sha256 = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("the JDK has no SHA-256", e);
            }
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final List<AuthConfig.Key> inline;
    private final Path file;
    private volatile Map<Long, Entry[]> keys;
    private volatile long fileStamp = Long.MIN_VALUE;
    private volatile long fileSize = -1;

    public ApiKeyStore(AuthConfig.ApiKeys config) {
        this.inline = config.keys();
        this.file = config.file();
        this.keys = build(inline, List.of());
        if (file != null && !reloadIfChanged()) {
            LOG.log(Level.WARNING, "API key file {0} could not be read; only the keys in the config file are in force", file);
        }
    }

    /** The identity of a presented key, or null if it is not a known key. */
    public Identity verify(String presented) {
        AuthResult r = accept(presented);
        return r == null ? null : r.identity();
    }

    /** The accepted result of a presented key (the same object for every check of that key), or null if it is not a known key. */
    AuthResult accept(String presented) {
        Scratch s = SCRATCH.get();
        byte[] h = s.hash;
        hash(s, presented);
        Entry[] candidates = keys.get(prefix(h));
        if (candidates == null) {
            return null;
        }
        AuthResult found = null;
        for (Entry e : candidates) {
            if (MessageDigest.isEqual(e.hash, h)) {
                found = e.accepted;
            }
        }
        return found;
    }

    /**
     * SHA-256 of the UTF-8 bytes of {@code presented} into {@code s.hash}. An ASCII key (UTF-8 is then one byte per
     * character) that fits the scratch buffer is encoded there, and the buffer cleared after; any other is encoded with
     * {@link String#getBytes}. Either way the same bytes are hashed.
     */
    private static void hash(Scratch s, String presented) {
        MessageDigest md = s.sha256;
        int n = presented.length();
        boolean ascii = n <= SCRATCH_CHARS;
        for (int i = 0; i < n && ascii; i++) {
            char c = presented.charAt(i);
            s.key[i] = (byte) c;
            ascii = c < 0x80;
        }
        if (ascii) {
            md.update(s.key, 0, n);
            Arrays.fill(s.key, 0, n, (byte) 0);
        } else {
            Arrays.fill(s.key, 0, Math.min(n, SCRATCH_CHARS), (byte) 0);
            md.update(presented.getBytes(StandardCharsets.UTF_8));
        }
        try {
            md.digest(s.hash, 0, 32); // resets the digest
        } catch (java.security.DigestException e) {
            throw new IllegalStateException("SHA-256 did not produce 32 bytes", e);
        }
    }

    /** Number of keys in force. */
    public int size() {
        int n = 0;
        for (Entry[] es : keys.values()) {
            n += es.length;
        }
        return n;
    }

    /**
     * Reads the key file again if its modification time or size changed since the last read.
     *
     * @return false if the file could not be read or parsed (the previous keys stay in force)
     */
    public synchronized boolean reloadIfChanged() {
        if (file == null) {
            return true;
        }
        try {
            BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
            long stamp = a.lastModifiedTime().toMillis();
            if (stamp == fileStamp && a.size() == fileSize) {
                return true;
            }
            List<AuthConfig.Key> fromFile = parse(Files.readAllLines(file, StandardCharsets.UTF_8));
            keys = build(inline, fromFile);
            fileStamp = stamp;
            fileSize = a.size();
            return true;
        } catch (IOException | IllegalArgumentException e) {
            LOG.log(Level.WARNING, "API key file {0}: {1}; keeping the keys in force", new Object[]{file, e.getMessage()});
            return false;
        }
    }

    static List<AuthConfig.Key> parse(List<String> lines) {
        List<AuthConfig.Key> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            int hash = l.indexOf('#');
            if (hash >= 0) {
                l = l.substring(0, hash);
            }
            l = l.strip();
            if (l.isEmpty()) {
                continue;
            }
            String[] parts = l.split("\\s+");
            if (parts.length < 2 || parts.length > 3 || !parts[1].toLowerCase(Locale.ROOT).matches("[0-9a-f]{64}")) {
                throw new IllegalArgumentException("line " + (i + 1) + ": expected 'consumer sha256-hex [scope,scope]'");
            }
            List<String> scopes = parts.length == 3 ? Arrays.asList(parts[2].split(",")) : List.of();
            out.add(new AuthConfig.Key(parts[0], parts[1].toLowerCase(Locale.ROOT), scopes));
        }
        return out;
    }

    private static Map<Long, Entry[]> build(List<AuthConfig.Key> a, List<AuthConfig.Key> b) {
        Map<Long, List<Entry>> m = new HashMap<>();
        Set<String> seen = new HashSet<>();
        for (List<AuthConfig.Key> list : List.of(a, b)) {
            for (AuthConfig.Key k : list) {
                if (!seen.add(k.sha256Hex())) {
                    continue; // the config file's entry wins over the key file's
                }
                byte[] h = HexFormat.of().parseHex(k.sha256Hex());
                m.computeIfAbsent(prefix(h), x -> new ArrayList<>())
                        .add(new Entry(h, new Identity(k.consumer(), Set.copyOf(k.scopes()), "api-key")));
            }
        }
        Map<Long, Entry[]> out = new HashMap<>();
        m.forEach((k, v) -> out.put(k, v.toArray(new Entry[0])));
        return Map.copyOf(out);
    }

    private static long prefix(byte[] h) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (h[i] & 0xff);
        }
        return v;
    }

    /** SHA-256 of {@code data}. */
    public static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /** Lower-case hex SHA-256 of a key (what the config file and the key file hold). */
    public static String hashHex(String key) {
        return HexFormat.of().formatHex(sha256(key.getBytes(StandardCharsets.UTF_8)));
    }
}
