package io.headroom.cli.admin;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.logging.Logger;

/**
 * Who changed what and when through the admin API, with the result: each attempt is logged (logger
 * {@code io.headroom.cli.admin.changes}, INFO when applied, WARNING when refused) and the last {@link #CAPACITY} are kept
 * for {@code GET /api/changes}. Entries never hold a secret: a generated key appears by its id only, and the token
 * never appears.
 */
final class ChangeLog {
    static final int CAPACITY = 256;
    private static final Logger LOG = Logger.getLogger("io.headroom.cli.admin.changes");

    /**
     * @param atMillis   when
     * @param who        the caller: actor (X-Headroom-Actor, self-declared), address and how it authenticated
     * @param what       method and path
     * @param status     the HTTP status answered
     * @param detail     the summary of the change, or why it was refused
     * @param generation the router configuration generation it produced, or null
     */
    record Entry(long atMillis, String who, String what, int status, String detail, Long generation) {
    }

    private final Clock clock;
    private final Deque<Entry> entries = new ArrayDeque<>();

    ChangeLog(Clock clock) {
        this.clock = clock;
    }

    void record(String who, String what, int status, String detail, Long generation) {
        Entry e = new Entry(clock.millis(), who, what, status, detail, generation);
        synchronized (entries) {
            entries.addLast(e);
            while (entries.size() > CAPACITY) {
                entries.removeFirst();
            }
        }
        String line = "admin config change " + (status < 300 ? "applied" : "refused (" + status + ")") + ": who=" + who + " what=" + what
                + " when=" + Instant.ofEpochMilli(e.atMillis()) + (generation != null ? " generation=" + generation : "") + ": " + detail;
        if (status < 300) {
            LOG.info(line);
        } else {
            LOG.warning(line);
        }
    }

    List<Entry> entries() {
        synchronized (entries) {
            return new ArrayList<>(entries);
        }
    }

    String json() {
        Json j = new Json().beginObject().name("changes").beginArray();
        for (Entry e : entries()) {
            j.beginObject().field("at", Instant.ofEpochMilli(e.atMillis()).toString()).field("who", e.who()).field("what", e.what())
                    .field("status", e.status()).field("applied", e.status() < 300).field("detail", e.detail());
            if (e.generation() != null) {
                j.field("generation", e.generation());
            }
            j.endObject();
        }
        return j.endArray().endObject().toString();
    }
}
