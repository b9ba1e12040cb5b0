package io.headroom.router.limit;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * GCRA cells by key (consumer id). Bounded: past {@code maxKeys} cells, the cells that are full again (TAT in the
 * past) are dropped, which changes no decision; one thread sweeps at a time, the others go on.
 */
final class Cells {
    private final ConcurrentHashMap<String, AtomicLong> cells = new ConcurrentHashMap<>();
    private final int maxKeys;
    private final AtomicBoolean sweeping = new AtomicBoolean();

    Cells(int maxKeys) {
        this.maxKeys = maxKeys;
    }

    AtomicLong cell(String key, long now) {
        AtomicLong c = cells.get(key);
        if (c != null) {
            return c;
        }
        if (cells.size() >= maxKeys && sweeping.compareAndSet(false, true)) {
            try {
                cells.values().removeIf(v -> {
                    long t = v.get();
                    return t == Gcra.EMPTY || t - now <= 0;
                });
            } finally {
                sweeping.set(false);
            }
        }
        return cells.computeIfAbsent(key, k -> new AtomicLong(Gcra.EMPTY));
    }

    int size() {
        return cells.size();
    }
}
