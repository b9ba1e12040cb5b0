package io.headroom.router.auth;

import io.headroom.router.config.AuthConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@link ApiKeyStore#verify} hashes the UTF-8 bytes of the presented key whichever way it encodes them (in the thread's
 * scratch buffer for short ASCII keys, {@code getBytes} otherwise), and a check leaves nothing behind that changes the
 * next one on the same thread.
 */
class ApiKeyStoreTest {
    private static String ascii(SplittableRandom r, int n) {
        StringBuilder b = new StringBuilder(n);
        for (int i = 0; i < n; i++) {
            b.append((char) ('!' + r.nextInt(94)));
        }
        return b.toString();
    }

    @Test
    void shortLongAndNonAsciiKeysAreEachTheirOwn() {
        SplittableRandom r = new SplittableRandom(7);
        List<String> keys = new ArrayList<>(List.of(
                "k", ascii(r, 40), ascii(r, ApiKeyStore.SCRATCH_CHARS - 1), ascii(r, ApiKeyStore.SCRATCH_CHARS),
                ascii(r, ApiKeyStore.SCRATCH_CHARS + 1), ascii(r, 1000),
                "schlüssel-grün", "ключ-🔑", "ascii-prefix-then-é", "é-then-ascii"));
        List<AuthConfig.Key> entries = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            entries.add(new AuthConfig.Key("c" + i, ApiKeyStore.hashHex(keys.get(i)), List.of()));
        }
        ApiKeyStore store = new ApiKeyStore(new AuthConfig.ApiKeys("X-Api-Key", entries, null, Duration.ofSeconds(10)));
        // in a shuffled order, twice, on one thread: each key finds its own consumer whatever came before it
        for (int round = 0; round < 2; round++) {
            List<Integer> order = new ArrayList<>();
            for (int i = 0; i < keys.size(); i++) {
                order.add(i);
            }
            java.util.Collections.shuffle(order, new java.util.Random(round));
            for (int i : order) {
                Identity id = store.verify(keys.get(i));
                assertThat(id).as("key %d", i).isNotNull();
                assertThat(id.consumer()).isEqualTo("c" + i);
            }
        }
        // near misses of each: a prefix (what a shorter key leaves of a longer one's bytes), one character more, one changed
        for (String k : keys) {
            assertThat(store.verify(k.substring(0, k.length() - 1))).as("prefix of %s", k).isNull();
            assertThat(store.verify(k + "x")).isNull();
            assertThat(store.verify("x" + k.substring(1))).isNull();
        }
        assertThat(store.verify("")).isNull();
    }

    @Test
    void keysAreCheckedIndependentlyOnManyThreads() throws Exception {
        SplittableRandom r = new SplittableRandom(11);
        String a = ascii(r, 32);
        String b = "bé-" + ascii(r, 20);
        ApiKeyStore store = new ApiKeyStore(new AuthConfig.ApiKeys("X-Api-Key", List.of(
                new AuthConfig.Key("a", ApiKeyStore.hashHex(a), List.of()),
                new AuthConfig.Key("b", ApiKeyStore.hashHex(b), List.of())), null, Duration.ofSeconds(10)));
        List<Thread> threads = new ArrayList<>();
        java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
        for (int t = 0; t < 4; t++) {
            int seed = t;
            threads.add(Thread.ofVirtual().start(() -> {
                SplittableRandom tr = new SplittableRandom(seed);
                for (int i = 0; i < 20_000; i++) {
                    int pick = tr.nextInt(3);
                    Identity id = store.verify(pick == 0 ? a : pick == 1 ? b : a + "!");
                    String expected = pick == 0 ? "a" : pick == 1 ? "b" : null;
                    if (expected == null ? id != null : id == null || !id.consumer().equals(expected)) {
                        wrong.incrementAndGet();
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertThat(wrong.get()).isZero();
    }
}
