package io.headroom.router;

import io.headroom.config.ConfigNode;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.router.config.RouterConfig;
import io.headroom.router.control.ControlPlanStore;
import io.headroom.router.control.MemberStatus;
import io.headroom.router.telemetry.TelemetrySink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** The affinity cookie: set once, sticky, minimal remapping on churn, and fall-over from a dead member. */
@Timeout(90)
class CookieAffinityHttpTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private static Router router(String type, List<TinyBackend> statics, String extra) {
        List<String> addresses = statics.stream().map(TinyBackend::address).toList();
        String yaml = """
                router:
                  listen: 127.0.0.1:0
                  pools:
                    api:
                      backends: [%s]
                      balancer: {type: %s, hash-on: cookie:hr}
                      affinity-cookie: {ttl: 1h, path: /, http-only: true, same-site: lax}
                %s
                  routes: [{name: api, path-prefix: /, pool: api}]
                """.formatted(String.join(", ", addresses), type, extra.indent(6).stripTrailing());
        Router r = Router.create(RouterConfig.from(ConfigNode.parse("t.yaml", yaml)), "t", TelemetrySink.DISCARD, Clock.systemUTC());
        r.start();
        return r;
    }

    private HttpResponse<String> get(Router r, String cookie) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + r.port() + "/who")).timeout(Duration.ofSeconds(20));
        if (cookie != null) {
            b.header("Cookie", "other=1; hr=" + cookie);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Issues {@code n} first visits; returns token → member name. */
    private Map<String, String> firstVisits(Router r, int n) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            HttpResponse<String> res = get(r, null);
            assertThat(res.statusCode()).isEqualTo(200);
            String set = res.headers().firstValue("Set-Cookie").orElseThrow();
            assertThat(set).matches("hr=[0-9a-f]{2,32}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax");
            out.put(set.substring(3, set.indexOf(';')), res.body());
        }
        return out;
    }

    private static ControlPlan members(long epoch, List<String> members) {
        long now = System.currentTimeMillis();
        return new ControlPlan("pool:api", ControlPlan.SOURCE_AUTOSCALER, epoch, now, now + 600_000, Map.of(), List.of(), members, "test");
    }

    @Test
    void ringHashRemovingOneOfFiveMembersMovesOnlyItsCookies() throws Exception {
        churn("ring-hash");
    }

    @Test
    void maglevRemovingOneOfFiveMembersMovesAboutAFifthOfTheCookies() throws Exception {
        churn("maglev");
    }

    private void churn(String type) throws Exception {
        List<TinyBackend> bs = new ArrayList<>();
        try {
            for (int i = 1; i <= 5; i++) {
                bs.add(new TinyBackend("b" + i));
            }
            try (Router r = router(type, bs.subList(0, 4), "")) {
                // the fifth member comes from the autoscaler, so it can leave again at run time
                assertThat(r.controlPlans().apply(members(1, List.of(bs.get(4).address())))).isEqualTo(ControlPlanStore.Outcome.APPLIED);
                int n = 200;
                Map<String, String> before = firstVisits(r, n);
                assertThat(new HashSet<>(before.values())).hasSize(5);
                for (Map.Entry<String, String> e : before.entrySet()) {
                    HttpResponse<String> res = get(r, e.getKey());
                    assertThat(res.body()).isEqualTo(e.getValue()); // sticky
                    assertThat(res.headers().firstValue("Set-Cookie")).isEmpty(); // the cookie is set once
                }
                assertThat(r.controlPlans().apply(members(2, List.of()))).isEqualTo(ControlPlanStore.Outcome.APPLIED);
                int moved = 0;
                int onRemoved = 0;
                for (Map.Entry<String, String> e : before.entrySet()) {
                    String now = get(r, e.getKey()).body();
                    assertThat(now).isNotEqualTo("b5");
                    if (e.getValue().equals("b5")) {
                        onRemoved++;
                    }
                    if (!now.equals(e.getValue())) {
                        moved++;
                        if (type.equals("ring-hash")) {
                            assertThat(e.getValue()).isEqualTo("b5"); // on a ring only the removed member's keys move
                        }
                    }
                }
                assertThat(moved).isGreaterThanOrEqualTo(onRemoved);
                assertThat(moved / (double) n).isBetween(0.1, 0.35); // about 1/5
            }
        } finally {
            for (TinyBackend b : bs) {
                b.close();
            }
        }
    }

    @Test
    void aCookieForADeadMemberFallsOverToAnotherAndStaysThereOnceItIsEjected() throws Exception {
        try (TinyBackend b1 = new TinyBackend("b1"); TinyBackend b2 = new TinyBackend("b2"); TinyBackend b3 = new TinyBackend("b3");
             // a ring: removing the ejected member moves only its own keys (Maglev moves a few more, see the churn test)
             Router r = router("ring-hash", List.of(b1, b2, b3), "outlier: {consecutive-failures: 6, base-ejection-time: 60s}")) {
            Map<String, String> visits = firstVisits(r, 60);
            String onB2 = visits.entrySet().stream().filter(e -> e.getValue().equals("b2")).findFirst().orElseThrow().getKey();
            b2.close();
            // connect refused on b2: retried at once on the member of a derived key, so no request fails
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> res = get(r, onB2);
                assertThat(res.statusCode()).isEqualTo(200);
                assertThat(res.body()).isIn("b1", "b3");
                seen.add(res.body());
            }
            assertThat(seen).hasSize(1); // the same fall-over member every time
            // the sixth failure in a row ejects b2 (this request is served too); from then on the table maps the cookie
            HttpResponse<String> sixth = get(r, onB2);
            assertThat(sixth.statusCode()).isEqualTo(200);
            assertThat(sixth.body()).isIn("b1", "b3");
            MemberStatus dead = r.memberStates("api").stream().filter(m -> m.address().equals(b2.address())).findFirst().orElseThrow();
            assertThat(dead.ejected()).isTrue();
            String after = get(r, onB2).body();
            for (int i = 0; i < 5; i++) {
                assertThat(get(r, onB2).body()).isEqualTo(after); // sticky on its new member
            }
            // cookies of live members did not move
            for (Map.Entry<String, String> e : visits.entrySet()) {
                if (!e.getValue().equals("b2")) {
                    assertThat(get(r, e.getKey()).body()).isEqualTo(e.getValue());
                }
            }
        }
    }

    @Test
    void everyCookieOfADeadMemberIsServedByTheSameFallOverMemberEachTime() throws Exception {
        // Three members: a derived key lands on the dead member a third of the time, so some cookies need the fixed walk
        // past the derived keys. No ejection here (the failures never reach the threshold), so each request meets b2 first.
        try (TinyBackend b1 = new TinyBackend("b1"); TinyBackend b2 = new TinyBackend("b2"); TinyBackend b3 = new TinyBackend("b3");
             Router r = router("maglev", List.of(b1, b2, b3), """
                     outlier: {consecutive-failures: 100000}
                     breaker: {enabled: false}
                     retry: {budget-percent: 100, budget-min-per-second: 1000}""")) {
            Map<String, String> visits = firstVisits(r, 150);
            List<String> onB2 = visits.entrySet().stream().filter(e -> e.getValue().equals("b2")).map(Map.Entry::getKey).toList();
            assertThat(onB2).hasSizeGreaterThan(20);
            b2.close();
            for (String token : onB2) {
                HttpResponse<String> first = get(r, token);
                assertThat(first.statusCode()).as("cookie %s", token).isEqualTo(200);
                assertThat(first.body()).isIn("b1", "b3");
                assertThat(get(r, token).body()).as("cookie %s again", token).isEqualTo(first.body());
            }
        }
    }
}
