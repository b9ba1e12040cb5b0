package io.headroom.router.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.headroom.router.auth.Identity;
import io.headroom.router.config.AuthConfig;
import io.headroom.router.config.RouteConfig;
import io.headroom.router.control.PoolState;
import io.headroom.router.transform.HeaderTransform;
import io.headroom.router.upstream.ResponseHead;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.LongAdder;

/**
 * One route's HTTP response cache for GET and HEAD (RFC 9111, as a shared cache in front of the route's pools), in a
 * Caffeine cache bounded in bytes.
 *
 * <ul>
 *   <li>Stored: 200 responses to GET without {@code no-store} (request or response), {@code Vary: *} or
 *       {@code Set-Cookie}, with freshness ({@code s-maxage}, {@code max-age}, {@code Expires}, else the route's
 *       {@code default-ttl}) or an {@code ETag} to revalidate with, and a body of at most {@code max-entry-bytes}.</li>
 *   <li>Per consumer: a {@code private} response, and a response to an authenticated request that is not
 *       {@code public} and has no {@code s-maxage}, is stored for that consumer alone and served to nobody else. A
 *       {@code private} response to an anonymous request is not stored.</li>
 *   <li>{@code Vary}: each variant keeps the values of the varying request headers; a request gets a variant whose
 *       values equal its own (identity headers compare the authenticated identity, which is what the backend saw).</li>
 *   <li>Stale: with an {@code ETag}, the request is forwarded with {@code If-None-Match}; a 304 refreshes the entry
 *       (its headers and freshness) and the client gets the stored body. Within {@code stale-while-revalidate} the
 *       stale entry is served at once and revalidated on a background virtual thread (one per entry at a time, at
 *       most {@link #MAX_BACKGROUND} at once), unless {@code must-revalidate}.</li>
 *   <li>Requests: {@code no-store} bypasses the cache; {@code no-cache} (or {@code Pragma: no-cache}) forces a
 *       revalidation; {@code only-if-cached} gets 504 when nothing usable is stored; a client's own
 *       {@code If-None-Match} matching a fresh entry gets 304. On a route without auth, requests with
 *       {@code Authorization} or {@code Cookie} bypass the cache: whatever they get may be personal.</li>
 * </ul>
 * Hits never reach a backend, so they are not in the route's telemetry; {@link #stats()} counts them.
 */
public final class ResponseCache {
    /** Background revalidations running at once, over the whole route. */
    static final int MAX_BACKGROUND = 16;
    private static final HeaderName AGE = HeaderNames.create("Age");
    private static final Set<String> NOT_STORED = Set.of("age", "content-length", "transfer-encoding", "connection", "keep-alive",
            "ratelimit", "ratelimit-policy", "retry-after", "date");
    private static final Set<String> CONDITIONALS = Set.of("if-none-match", "if-modified-since", "if-match", "if-unmodified-since",
            "if-range");

    /**
     * A stored response.
     *
     * @param headers        name/value pairs as sent to the client (transformation applied), less per-request ones
     * @param body           the body
     * @param etag           its validator, or null
     * @param storedAt       ticker time it was stored or last revalidated
     * @param initialAge     seconds old when stored ({@code Age} from upstream)
     * @param fresh          freshness lifetime, seconds
     * @param swr            seconds past freshness it may be served while revalidating
     * @param owner          the consumer it belongs to, or null when shared
     * @param varyNames      lower-case names of the varying request headers
     * @param varyValues     the request's values of them (null: absent)
     * @param weight         bytes it costs
     */
    record Entry(String[] headers, byte[] body, String etag, long storedAt, long initialAge, long fresh, long swr, String owner,
                 String[] varyNames, String[] varyValues, int weight) {
        long ageSeconds(long now) {
            return initialAge + Math.max(0, now - storedAt) / 1_000_000_000L;
        }

        long ageNanos(long now) {
            return initialAge * 1_000_000_000L + Math.max(0, now - storedAt);
        }
    }

    /** The stored variants of one URL (immutable; replaced whole). */
    record Variants(Entry[] entries, int weight) {
    }

    /** What a lookup decided. */
    public enum State {
        /** A fresh entry: answer from it. */
        FRESH,
        /** Stale within stale-while-revalidate: answer from it and revalidate in the background. */
        STALE,
        /** Stale with a validator: forward with If-None-Match. */
        REVALIDATE,
        /** Nothing usable: forward, and store what comes back if it may be stored. */
        MISS,
        /** The cache does not take part (no-store, HEAD miss, personal request on an open route). */
        BYPASS,
        /** only-if-cached and nothing usable: answer 504. */
        UNAVAILABLE
    }

    private final RouteConfig.Cache config;
    private final HeaderTransform transform;
    private final AuthConfig.IdentityHeaders identityHeaders;
    private final boolean authenticated;
    private final Cache<String, Variants> cache;
    private final Set<String> backgroundRunning = ConcurrentHashMap.newKeySet();
    private final Semaphore background = new Semaphore(MAX_BACKGROUND);
    private final LongAdder hits = new LongAdder();
    private final LongAdder staleHits = new LongAdder();
    private final LongAdder misses = new LongAdder();
    private final LongAdder revalidated = new LongAdder();
    private final LongAdder stores = new LongAdder();
    private final LongAdder bypassed = new LongAdder();
    private final LongAdder bytesServed = new LongAdder();

    /**
     * @param config          the route's {@code cache:}
     * @param identityHeaders names whose varying values are the authenticated identity's
     * @param authenticated   whether the route checks credentials
     * @param transform       the route's header changes, applied to what background revalidations and 304s bring
     */
    public ResponseCache(RouteConfig.Cache config, AuthConfig.IdentityHeaders identityHeaders, boolean authenticated,
                         HeaderTransform transform) {
        this.config = config;
        this.transform = transform;
        this.identityHeaders = identityHeaders;
        this.authenticated = authenticated;
        this.cache = Caffeine.newBuilder()
                .maximumWeight(config.maxBytes())
                .weigher((String k, Variants v) -> v.weight())
                .executor(Runnable::run)
                .build();
    }

    /**
     * Counters since start.
     *
     * @param hits          answered from a fresh entry (304s to a client's own If-None-Match included)
     * @param staleHits     answered from a stale entry while it was revalidated in the background
     * @param misses        forwarded with nothing usable stored (cacheable requests only)
     * @param revalidated   entries refreshed by a 304 from the backend (foreground and background)
     * @param stores        responses stored
     * @param bypassed      requests the cache did not take part in
     * @param bytesServed   body bytes answered from the cache
     * @param entries       URLs stored now
     * @param weightedBytes bytes held now
     */
    public record Stats(long hits, long staleHits, long misses, long revalidated, long stores, long bypassed, long bytesServed,
                        long entries, long weightedBytes) {
    }

    public Stats stats() {
        cache.cleanUp();
        long weight = cache.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
        return new Stats(hits.sum(), staleHits.sum(), misses.sum(), revalidated.sum(), stores.sum(), bypassed.sum(),
                bytesServed.sum(), cache.estimatedSize(), weight);
    }

    /** One request's dealings with the cache; made by {@link #lookup}, used on the request's thread only. */
    public final class Lookup {
        private final String key;
        private final boolean head;
        private final String consumer;
        private final Identity identity;
        private final ServerRequest request;
        private final String clientEtags;
        private Entry entry;
        private State state;

        private Lookup(String key, boolean head, Identity identity, ServerRequest request) {
            this.key = key;
            this.head = head;
            this.identity = identity;
            this.consumer = identity == null || identity.method().equals("none") ? null : identity.consumer();
            this.request = request;
            this.clientEtags = joined(request, "if-none-match");
        }

        public State state() {
            return state;
        }

        /** Whether the answer comes from the cache (fresh, stale-while-revalidate, or the 504 of only-if-cached). */
        public boolean answersFromCache() {
            return state == State.FRESH || state == State.STALE || state == State.UNAVAILABLE;
        }

        /** When forwarding: the ETag to revalidate with ({@code If-None-Match}), or null. */
        public String revalidationEtag() {
            return state == State.REVALIDATE ? entry.etag() : null;
        }

        /** Request headers not forwarded while revalidating (the client's own conditionals). */
        public boolean dropsRequestHeader(String lower) {
            return state == State.REVALIDATE && CONDITIONALS.contains(lower);
        }

        /**
         * Answers from the entry: 304 when the client's {@code If-None-Match} matches it, else its status, headers and
         * body; {@code Age} added; {@code extra} (RateLimit headers) after.
         *
         * @return body bytes sent
         */
        public long answer(ServerResponse res, String[] extra, long now) {
            if (state == State.UNAVAILABLE) {
                res.status(Status.GATEWAY_TIMEOUT_504);
                res.header(HeaderNames.CONTENT_TYPE, "application/json");
                res.send("{\"error\":\"not_cached\",\"detail\":\"only-if-cached and no stored response fits\"}");
                return 0;
            }
            if (state == State.FRESH) {
                hits.increment();
            } else if (state == State.STALE) {
                staleHits.increment();
            }
            Entry e = entry;
            boolean notModified = e.etag() != null && clientEtags != null && etagMatches(clientEtags, e.etag());
            res.status(notModified ? Status.NOT_MODIFIED_304 : Status.OK_200);
            String[] h = e.headers();
            var out = res.headers();
            for (int i = 0; i < h.length; i += 2) {
                out.add(HeaderNames.create(h[i]), h[i + 1]);
            }
            out.set(AGE, Long.toString(e.ageSeconds(now)));
            if (extra != null) {
                out.set(HeaderNames.create("RateLimit"), extra[0]);
                out.set(HeaderNames.create("RateLimit-Policy"), extra[1]);
            }
            if (notModified || head) {
                res.send();
                return 0;
            }
            res.send(e.body());
            bytesServed.add(e.body().length);
            return e.body().length;
        }

        /** Starts the background revalidation of a stale entry (at most one per entry, {@link #MAX_BACKGROUND} in all). */
        public void revalidateInBackground(PoolState pool, String method, String target, String[] forwardedHeaders,
                                           io.headroom.time.Ticker ticker) {
            if (state != State.STALE) {
                return;
            }
            String slot = key + "\u0000" + entry.owner() + "\u0000" + String.join("\u0001", nonNull(entry.varyValues()));
            if (!backgroundRunning.add(slot)) {
                return;
            }
            if (!background.tryAcquire()) {
                backgroundRunning.remove(slot);
                return;
            }
            List<String> headers = new ArrayList<>(forwardedHeaders.length + 2);
            for (int i = 0; i < forwardedHeaders.length; i += 2) {
                if (!CONDITIONALS.contains(forwardedHeaders[i].toLowerCase(Locale.ROOT))) {
                    headers.add(forwardedHeaders[i]);
                    headers.add(forwardedHeaders[i + 1]);
                }
            }
            if (entry.etag() != null) {
                headers.add("If-None-Match");
                headers.add(entry.etag());
            }
            Entry old = entry;
            String url = key;
            String[] head = headers.toArray(new String[0]);
            try {
                Thread.ofVirtual().name("headroom-cache-revalidate").start(() -> {
                    try {
                        Revalidator.Result r = Revalidator.fetch(pool, method, target, head, config.maxEntryBytes(), ticker);
                        if (r != null) {
                            backgroundResult(url, old, r, ticker.read());
                        }
                    } finally {
                        backgroundRunning.remove(slot);
                        background.release();
                    }
                });
            } catch (RuntimeException | OutOfMemoryError e) {
                backgroundRunning.remove(slot);
                background.release();
            }
        }

        /** The backend answered 304 to our If-None-Match: refresh the entry from the 304's headers. */
        public void refreshed(ResponseHead notModified, long now) {
            String[] pairs = new String[notModified.headerCount() * 2];
            for (int i = 0; i < notModified.headerCount(); i++) {
                pairs[2 * i] = notModified.name(i);
                pairs[2 * i + 1] = notModified.value(i);
            }
            Entry e = refresh(entry, transformed(pairs), now);
            if (e != null) {
                put(key, entry, e);
                entry = e;
            }
            state = State.FRESH; // the client gets the stored body, now known to be current
        }

        /**
         * A writer that tees a 200's body into a new entry while it streams to the client, or null when the response
         * may not be stored. Call after the response headers are set on {@code res} (before per-request headers).
         *
         * @param perRequest a header already on {@code res} that belongs to this request alone and is not stored (the
         *                   router's trace id), or null
         */
        public Writer writer(int status, ServerResponse res, long now, HeaderName perRequest) {
            if ((state != State.MISS && state != State.REVALIDATE) || head || status != 200) {
                return null;
            }
            List<String> pairs = new ArrayList<>();
            for (Header h : res.headers()) {
                if (perRequest != null && h.headerName().equals(perRequest)) {
                    continue;
                }
                for (String v : h.allValues()) {
                    pairs.add(h.name());
                    pairs.add(v);
                }
            }
            Entry template = entryFor(pairs.toArray(new String[0]), now, this::requestValue, consumer);
            return template == null ? null : new Writer(this, template);
        }

        private String requestValue(String lower) {
            if (identity != null && !identity.method().equals("none")) {
                if (lower.equalsIgnoreCase(nullToEmpty(identityHeaders.consumer()))) {
                    return identity.consumer();
                }
                if (lower.equalsIgnoreCase(nullToEmpty(identityHeaders.scopes()))) {
                    return String.join(" ", new java.util.TreeSet<>(identity.scopes()));
                }
                if (lower.equalsIgnoreCase(nullToEmpty(identityHeaders.method()))) {
                    return identity.method();
                }
            } else if (identityHeaders.names().stream().anyMatch(n -> n.equalsIgnoreCase(lower))) {
                return null; // dropped from anonymous requests: the backend saw none
            }
            return joined(request, lower);
        }
    }

    /** Tees a body into a new entry; {@link #commit} stores it if it stayed within {@code max-entry-bytes}. */
    public final class Writer {
        private final Lookup lookup;
        private final Entry template;
        private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
        private boolean overflow;

        private Writer(Lookup lookup, Entry template) {
            this.lookup = lookup;
            this.template = template;
        }

        /** {@code out}, with every byte also kept for the entry (until the body outgrows the limit). */
        public OutputStream tee(OutputStream out) {
            return new OutputStream() {
                @Override
                public void write(int b) throws IOException {
                    out.write(b);
                    keep(new byte[]{(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    keep(b, off, len);
                }

                @Override
                public void flush() throws IOException {
                    out.flush();
                }

                @Override
                public void close() throws IOException {
                    out.close();
                }
            };
        }

        private void keep(byte[] b, int off, int len) {
            if (overflow) {
                return;
            }
            if (buffer.size() + (long) len > config.maxEntryBytes()) {
                overflow = true;
                buffer.reset();
                return;
            }
            buffer.write(b, off, len);
        }

        /** Stores the entry, once the whole body went to the client. */
        public void commit() {
            if (overflow) {
                return;
            }
            byte[] body = buffer.toByteArray();
            Entry e = withBody(template, body);
            put(lookup.key, lookup.entry, e);
            stores.increment();
        }
    }

    /**
     * The lookup for a GET or HEAD.
     *
     * @param key      host, path sent upstream and query
     * @param identity who asked ({@link Identity#ANONYMOUS} on open routes)
     */
    public Lookup lookup(ServerRequest request, boolean head, String key, Identity identity, long now) {
        Lookup l = new Lookup(key, head, identity, request);
        CacheControl cc = CacheControl.parse(values(request, "cache-control"));
        if (cc.noStore() || (!authenticated && (has(request, "authorization") || has(request, "cookie")))) {
            bypassed.increment();
            l.state = State.BYPASS;
            return l;
        }
        boolean noCache = cc.noCache() || cc.maxAge() == 0 || (values(request, "cache-control").isEmpty()
                && joined(request, "pragma") != null && joined(request, "pragma").toLowerCase(Locale.ROOT).contains("no-cache"));
        Variants vs = cache.getIfPresent(key);
        Entry e = vs == null ? null : match(vs, l);
        if (e != null) {
            long age = e.ageNanos(now);
            long fresh = e.fresh() * 1_000_000_000L;
            l.entry = e;
            if (!noCache && age < fresh) {
                l.state = State.FRESH;
                return l;
            }
            if (!noCache && age < fresh + e.swr() * 1_000_000_000L) {
                l.state = State.STALE;
                return l;
            }
            if (e.etag() != null) {
                l.state = cc.onlyIfCached() ? State.UNAVAILABLE : State.REVALIDATE;
                if (!cc.onlyIfCached()) {
                    misses.increment();
                }
                return l;
            }
            l.entry = null;
            remove(key, e); // stale, without a validator: useless
        }
        if (cc.onlyIfCached()) {
            l.state = State.UNAVAILABLE;
            return l;
        }
        if (head) {
            bypassed.increment();
            l.state = State.BYPASS;
            return l;
        }
        misses.increment();
        l.state = State.MISS;
        return l;
    }

    private Entry match(Variants vs, Lookup l) {
        for (Entry e : vs.entries()) {
            if (e.owner() != null && !e.owner().equals(l.consumer)) {
                continue;
            }
            boolean same = true;
            for (int i = 0; i < e.varyNames().length && same; i++) {
                same = java.util.Objects.equals(e.varyValues()[i], l.requestValue(e.varyNames()[i]));
            }
            if (same) {
                return e;
            }
        }
        return null;
    }

    /**
     * A new entry for a response with these headers (as sent to the client), or null if it may not be stored. The body
     * is added later; per-request and framing headers ({@code Age}, {@code Content-Length}, {@code RateLimit}...) are
     * not kept.
     */
    Entry entryFor(String[] headers, long now, java.util.function.UnaryOperator<String> requestValue, String consumer) {
        CacheControl cc = CacheControl.parse(all(headers, "cache-control"));
        if (cc.noStore() || first(headers, "set-cookie") != null) {
            return null;
        }
        List<String> varyNames = new ArrayList<>();
        for (String v : all(headers, "vary")) {
            for (String n : v.split(",")) {
                String t = n.strip().toLowerCase(Locale.ROOT);
                if (t.equals("*")) {
                    return null;
                }
                if (!t.isEmpty() && !varyNames.contains(t)) {
                    varyNames.add(t);
                }
            }
        }
        if (varyNames.size() > 16) {
            return null;
        }
        String owner = null;
        if (cc.isPrivate()) {
            if (consumer == null) {
                return null;
            }
            owner = consumer;
        } else if (consumer != null && !cc.isPublic() && cc.sMaxAge() < 0) {
            owner = consumer;
        }
        long fresh = freshness(cc, headers);
        String etag = first(headers, "etag");
        if (fresh <= 0 && etag == null) {
            return null;
        }
        long swr = cc.mustRevalidate() ? 0 : cc.staleWhileRevalidate() >= 0 ? cc.staleWhileRevalidate()
                : config.staleWhileRevalidate().toSeconds();
        String[] varyValues = new String[varyNames.size()];
        for (int i = 0; i < varyValues.length; i++) {
            varyValues[i] = requestValue.apply(varyNames.get(i));
        }
        long age = CacheControl.seconds(first(headers, "age"));
        return new Entry(strip(headers), new byte[0], etag, now, age, fresh, swr, owner, varyNames.toArray(new String[0]), varyValues, 0);
    }

    private long freshness(CacheControl cc, String[] headers) {
        if (cc.noCache()) {
            return 0;
        }
        if (cc.sMaxAge() >= 0) {
            return cc.sMaxAge();
        }
        if (cc.maxAge() >= 0) {
            return cc.maxAge();
        }
        String expires = first(headers, "expires");
        if (expires != null) {
            try {
                long exp = ZonedDateTime.parse(expires.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond();
                String date = first(headers, "date");
                long base = date != null ? ZonedDateTime.parse(date.strip(), DateTimeFormatter.RFC_1123_DATE_TIME).toEpochSecond()
                        : System.currentTimeMillis() / 1000;
                return Math.max(0, exp - base);
            } catch (RuntimeException e) {
                return 0; // an invalid Expires means already expired (RFC 9111 section 5.3)
            }
        }
        return config.defaultTtl().toSeconds();
    }

    private static Entry withBody(Entry t, byte[] body) {
        long weight = 256L + body.length;
        for (String s : t.headers()) {
            weight += s.length() + 16;
        }
        for (String s : t.varyValues()) {
            weight += s == null ? 0 : s.length() + 16;
        }
        return new Entry(t.headers(), body, t.etag(), t.storedAt(), t.initialAge(), t.fresh(), t.swr(), t.owner(), t.varyNames(),
                t.varyValues(), (int) Math.min(Integer.MAX_VALUE, weight));
    }

    /** The entry after a 304: its stored headers updated by those of the 304 (RFC 9111 section 4.3.4), fresh again. */
    private Entry refresh(Entry old, String[] notModifiedHeaders, long now) {
        List<String> merged = new ArrayList<>();
        Set<String> replaced = new java.util.HashSet<>();
        for (int i = 0; i < notModifiedHeaders.length; i += 2) {
            String lower = notModifiedHeaders[i].toLowerCase(Locale.ROOT);
            if (!NOT_STORED.contains(lower) && !lower.startsWith("content-") && !lower.startsWith("proxy-")) {
                replaced.add(lower);
            }
        }
        String[] h = old.headers();
        for (int i = 0; i < h.length; i += 2) {
            if (!replaced.contains(h[i].toLowerCase(Locale.ROOT))) {
                merged.add(h[i]);
                merged.add(h[i + 1]);
            }
        }
        for (int i = 0; i < notModifiedHeaders.length; i += 2) {
            if (replaced.contains(notModifiedHeaders[i].toLowerCase(Locale.ROOT))) {
                merged.add(notModifiedHeaders[i]);
                merged.add(notModifiedHeaders[i + 1]);
            }
        }
        String[] pairs = merged.toArray(new String[0]);
        CacheControl cc = CacheControl.parse(all(pairs, "cache-control"));
        if (cc.noStore()) {
            return null;
        }
        revalidated.increment();
        long swr = cc.mustRevalidate() ? 0 : cc.staleWhileRevalidate() >= 0 ? cc.staleWhileRevalidate()
                : config.staleWhileRevalidate().toSeconds();
        String etag = first(pairs, "etag");
        return withBody(new Entry(pairs, old.body(), etag != null ? etag : old.etag(), now, CacheControl.seconds(first(notModifiedHeaders, "age")),
                freshness(cc, pairs), swr, old.owner(), old.varyNames(), old.varyValues(), 0), old.body());
    }

    /** A background revalidation came back: 304 refreshes the entry, a storable 200 with the same Vary replaces it. */
    private void backgroundResult(String key, Entry old, Revalidator.Result r, long now) {
        if (r.status() == 304) {
            Entry e = refresh(old, transformed(r.headers()), now);
            if (e == null) {
                remove(key, old);
            } else {
                put(key, old, e);
            }
            return;
        }
        if (r.status() != 200 || r.body() == null) {
            return; // keep the stale entry until its stale-while-revalidate window ends
        }
        Entry t = entryFor(transformed(r.headers()), now, name -> {
            for (int i = 0; i < old.varyNames().length; i++) {
                if (old.varyNames()[i].equals(name)) {
                    return old.varyValues()[i];
                }
            }
            return null;
        }, old.owner());
        if (t == null || !java.util.Arrays.equals(t.varyNames(), old.varyNames())) {
            remove(key, old);
            return;
        }
        put(key, old, withBody(t, r.body()));
        stores.increment();
    }

    /** Backend headers as the client would get them: the route's response changes applied. */
    private String[] transformed(String[] raw) {
        if (!transform.touchesResponses()) {
            return raw;
        }
        List<String> out = new ArrayList<>(raw.length + 4);
        for (int i = 0; i < raw.length; i += 2) {
            String lower = raw[i].toLowerCase(Locale.ROOT);
            if (transform.responseDrops(lower)) {
                String renamed = transform.responseRename(lower);
                if (renamed != null) {
                    out.add(renamed);
                    out.add(raw[i + 1]);
                }
                continue;
            }
            out.add(raw[i]);
            out.add(raw[i + 1]);
        }
        try {
            transform.responseExtras((n, v) -> {
                out.add(n);
                out.add(v);
            });
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e); // a list does not throw
        }
        return out.toArray(new String[0]);
    }

    private static String[] strip(String[] headers) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < headers.length; i += 2) {
            String lower = headers[i].toLowerCase(Locale.ROOT);
            if (!NOT_STORED.contains(lower) && !lower.startsWith("proxy-")) {
                out.add(headers[i]);
                out.add(headers[i + 1]);
            }
        }
        return out.toArray(new String[0]);
    }

    /** Puts {@code e} in place of {@code old} (or of the variant with the same owner and vary values), bounded in count. */
    private void put(String key, Entry old, Entry e) {
        cache.asMap().compute(key, (k, vs) -> {
            List<Entry> list = new ArrayList<>();
            if (vs != null) {
                for (Entry x : vs.entries()) {
                    boolean sameVariant = x == old || (java.util.Objects.equals(x.owner(), e.owner())
                            && java.util.Arrays.equals(x.varyNames(), e.varyNames()) && java.util.Arrays.equals(x.varyValues(), e.varyValues()));
                    if (!sameVariant) {
                        list.add(x);
                    }
                }
            }
            list.add(0, e);
            while (list.size() > config.maxVariants()) {
                list.remove(list.size() - 1);
            }
            long weight = 2L * k.length() + 64; // the key and the map's node
            for (Entry x : list) {
                weight += x.weight();
            }
            return new Variants(list.toArray(new Entry[0]), (int) Math.min(Integer.MAX_VALUE, weight));
        });
    }

    private void remove(String key, Entry e) {
        cache.asMap().computeIfPresent(key, (k, vs) -> {
            List<Entry> list = new ArrayList<>();
            long weight = 2L * k.length() + 64;
            for (Entry x : vs.entries()) {
                if (x != e) {
                    list.add(x);
                    weight += x.weight();
                }
            }
            return list.isEmpty() ? null : new Variants(list.toArray(new Entry[0]), (int) Math.min(Integer.MAX_VALUE, weight));
        });
    }

    /** Weak comparison (RFC 9110 section 8.8.3.2) of an If-None-Match list with an entity tag. */
    static boolean etagMatches(String ifNoneMatch, String etag) {
        String target = weakless(etag.strip());
        for (String t : ifNoneMatch.split(",")) {
            String s = t.strip();
            if (s.equals("*") || weakless(s).equals(target)) {
                return true;
            }
        }
        return false;
    }

    private static String weakless(String tag) {
        return tag.startsWith("W/") ? tag.substring(2) : tag;
    }

    private static List<String> values(ServerRequest r, String lower) {
        HeaderName n = HeaderNames.create(lower);
        return r.headers().contains(n) ? r.headers().get(n).allValues() : List.of();
    }

    private static String joined(ServerRequest r, String lower) {
        HeaderName n = HeaderNames.create(lower);
        return r.headers().contains(n) ? String.join(", ", r.headers().get(n).allValues()) : null;
    }

    private static boolean has(ServerRequest r, String lower) {
        return r.headers().contains(HeaderNames.create(lower));
    }

    private static List<String> all(String[] pairs, String lower) {
        List<String> out = new ArrayList<>(1);
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equalsIgnoreCase(lower)) {
                out.add(pairs[i + 1]);
            }
        }
        return out;
    }

    private static String first(String[] pairs, String lower) {
        for (int i = 0; i < pairs.length; i += 2) {
            if (pairs[i].equalsIgnoreCase(lower)) {
                return pairs[i + 1];
            }
        }
        return null;
    }

    private static String nullToEmpty(String s) {
        return s == null ? "" : s;
    }

    private static String[] nonNull(String[] s) {
        String[] out = new String[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = s[i] == null ? "\u0000" : s[i];
        }
        return out;
    }
}
