package io.headroom.cli.admin;

import io.headroom.autoscaler.core.PoolStatus;
import io.headroom.cli.stack.Stack;
import io.headroom.ingest.kafka.BoundedPublisher;
import io.headroom.ingest.model.ControlPlan;
import io.headroom.ingest.model.ScalingEvent;
import io.headroom.predictor.core.PoolForecast;
import io.headroom.router.control.MemberStatus;
import io.headroom.router.control.PoolSnapshot;
import io.headroom.router.l4.EdgeMemberStatus;
import io.headroom.router.l4.EdgeServer;
import io.headroom.router.l4.EdgeStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * Reads the state of every role in a {@link Stack} for the admin API, the dashboard and the gauges, and keeps a
 * bounded per-second history per pool (so a dashboard opened late still has the last minutes to draw).
 */
public final class StackState {
    /** Seconds of history kept per pool. */
    static final int HISTORY = 600;

    /** One second of one pool, for the dashboard's charts. */
    record Sample(long atMillis, double observed, double mean, double lower, double upper, int asked, int target, int ready) {
    }

    private final Stack stack;
    private final Clock clock;
    private final Map<String, Deque<Sample>> history = new java.util.concurrent.ConcurrentHashMap<>();
    private final MultiGauge weights;
    /** Per L4 edge member; rows are replaced on each refresh, so members that left do not linger as series. */
    private MultiGauge edgeMemberActive;
    private MultiGauge edgeMemberUp;
    private MultiGauge edgeMemberConnections;
    private MultiGauge edgeMemberConnectFailures;
    private RouterMeters routerMeters;

    private StackState(Stack stack, Clock clock, MultiGauge weights) {
        this.stack = stack;
        this.clock = clock;
        this.weights = weights;
    }

    /** A state reader whose gauges are registered in {@code registry}. */
    public static StackState bind(Stack stack, Clock clock, MeterRegistry registry) {
        StackState s = new StackState(stack, clock, MultiGauge.builder("headroom.backend.weight")
                .description("Effective weight of each pool member (static, from the predictor's plan, or 1 for autoscaled members)")
                .register(registry));
        s.registerGauges(registry);
        s.routerMeters = RouterMeters.bind(stack, registry);
        return s;
    }

    /** The stack this reads. */
    Stack stack() {
        return stack;
    }

    public Set<String> pools() {
        Set<String> out = new LinkedHashSet<>();
        if (stack.router() != null) {
            out.addAll(stack.router().pools().keySet());
        }
        if (stack.predictor() != null) {
            out.addAll(stack.config().predictor().pools().keySet());
        }
        if (stack.autoscaler() != null) {
            stack.autoscaler().status().forEach(p -> out.add(p.pool()));
        }
        return out;
    }

    Optional<PoolForecast> forecast(String pool) {
        return stack.predictor() == null ? Optional.empty() : stack.predictor().core().latest(pool);
    }

    Optional<PoolStatus> scaling(String pool) {
        if (stack.autoscaler() == null) {
            return Optional.empty();
        }
        return stack.autoscaler().status().stream().filter(p -> p.pool().equals(pool)).findFirst();
    }

    Optional<PoolSnapshot> snapshot(String pool) {
        return stack.router() == null ? Optional.empty() : Optional.ofNullable(stack.router().pools().get(pool));
    }

    Optional<ControlPlan> plan(String pool, String source) {
        return stack.router() == null ? Optional.empty() : stack.router().controlPlans().active(ControlPlan.poolScope(pool), source);
    }

    /** Takes one sample per pool; called once a second. */
    void sample() {
        long now = clock.millis();
        for (String pool : pools()) {
            PoolForecast f = forecast(pool).orElse(null);
            PoolStatus s = scaling(pool).orElse(null);
            Sample x = new Sample(now, f == null ? Double.NaN : f.observed(), f == null ? Double.NaN : f.mean(),
                    f == null ? Double.NaN : f.lower(), f == null ? Double.NaN : f.upper(), f == null ? -1 : f.desired(),
                    s == null ? -1 : s.target(), s == null ? snapshot(pool).map(p -> p.members().size()).orElse(-1) : s.ready());
            Deque<Sample> d = history.computeIfAbsent(pool, k -> new ArrayDeque<>());
            synchronized (d) {
                d.addLast(x);
                while (d.size() > HISTORY) {
                    d.removeFirst();
                }
            }
        }
        refreshWeights();
        refreshEdgeMembers();
        routerMeters.refresh();
    }

    private void refreshEdgeMembers() {
        EdgeServer edge = stack.edge();
        if (edge == null || edgeMemberActive == null) {
            return;
        }
        List<MultiGauge.Row<?>> active = new ArrayList<>();
        List<MultiGauge.Row<?>> up = new ArrayList<>();
        List<MultiGauge.Row<?>> opened = new ArrayList<>();
        List<MultiGauge.Row<?>> failures = new ArrayList<>();
        String pool = edge.membership().pool();
        for (EdgeMemberStatus m : edge.memberStates()) {
            Tags t = Tags.of("pool", pool, "member", m.address());
            active.add(MultiGauge.Row.of(t.and("state", edgeState(m)), m.active()));
            up.add(MultiGauge.Row.of(t, m.inPool() && !m.down() ? 1 : 0));
            opened.add(MultiGauge.Row.of(t, m.connections()));
            failures.add(MultiGauge.Row.of(t, m.connectFailures()));
        }
        edgeMemberActive.register(active, true);
        edgeMemberUp.register(up, true);
        edgeMemberConnections.register(opened, true);
        edgeMemberConnectFailures.register(failures, true);
    }

    /** {@code up}, {@code down} (a connect failed within the down time) or {@code draining} (left the pool, connections open). */
    static String edgeState(EdgeMemberStatus m) {
        return !m.inPool() ? "draining" : m.down() ? "down" : "up";
    }

    private void refreshWeights() {
        if (weights == null || stack.router() == null) {
            return;
        }
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        for (PoolSnapshot snap : stack.router().pools().values()) {
            for (PoolSnapshot.Member m : snap.members()) {
                rows.add(MultiGauge.Row.of(Tags.of("pool", snap.pool(), "backend", m.address(),
                        "origin", m.isStatic() ? "static" : "autoscaler"), m.weight()));
            }
        }
        weights.register(rows, true);
    }

    /** Ready when every role asked for is running and the router has read the control plans that existed at start. */
    List<String> notReady() {
        List<String> why = new ArrayList<>();
        if (stack.router() != null && stack.controlSubscriber() != null && !stack.controlSubscriber().caughtUp()) {
            why.add("router: still reading the control plans already on the topic");
        }
        if (stack.predictor() != null && !stack.predictor().consumerAlive()) {
            why.add("predictor: telemetry consumer is not running");
        }
        return why;
    }

    /** The whole state as JSON: what the dashboard draws and what {@code GET /api/state} answers. */
    String json(boolean withHistory) {
        Json j = new Json().beginObject();
        j.field("instance", stack.config().instanceId()).field("at", clock.millis()).field("kafka", stack.bootstrapServers());
        j.name("roles").beginObject().field("router", stack.router() != null).field("predictor", stack.predictor() != null)
                .field("autoscaler", stack.autoscaler() != null).field("edge", stack.edge() != null).endObject();
        if (stack.edge() != null) {
            edgeJson(j.name("edge"), stack.edge());
        }
        if (stack.telemetrySink() != null) {
            publisher(j.name("telemetry"), stack.telemetrySink().stats());
        }
        reloadState(j);
        tlsState(j);
        routerMeters.json(j);
        j.name("pools").beginArray();
        for (String pool : pools()) {
            j.beginObject().field("name", pool);
            snapshot(pool).ifPresent(snap -> {
                Map<String, MemberStatus> health = new java.util.HashMap<>();
                for (MemberStatus ms : stack.router().memberStates(pool)) {
                    health.put(ms.address(), ms);
                }
                j.name("members").beginArray();
                for (PoolSnapshot.Member m : snap.members()) {
                    j.beginObject().field("address", m.address()).field("weight", m.weight()).field("static", m.isStatic());
                    MemberStatus ms = health.get(m.address());
                    if (ms != null) {
                        j.field("available", ms.available()).field("healthy", ms.healthy()).field("ejected", ms.ejected())
                                .field("ejections", ms.ejections()).field("consecutive_failures", ms.consecutiveFailures())
                                .field("breaker", ms.breaker()).field("in_flight", ms.outstanding()).field("last_error", ms.lastError());
                    }
                    j.endObject();
                }
                j.endArray();
                stack.router().concurrency(pool).ifPresent(c -> j.name("concurrency_limit").beginObject().field("limit", c.limit())
                        .field("in_flight", c.inFlight()).field("rejected", c.rejected()).field("rtt_ms", c.lastRttMs())
                        .field("long_rtt_ms", c.longRttMs()).endObject());
                j.field("predictor_epoch", snap.predictorEpoch()).field("autoscaler_epoch", snap.autoscalerEpoch());
                plan(pool, ControlPlan.SOURCE_PREDICTOR).ifPresent(p -> j.field("predictor_plan_age_s", (clock.millis() - p.issuedAtMillis()) / 1000.0));
                plan(pool, ControlPlan.SOURCE_AUTOSCALER).ifPresent(p -> j.field("autoscaler_plan_age_s", (clock.millis() - p.issuedAtMillis()) / 1000.0));
            });
            forecast(pool).ifPresent(f -> j.name("forecast").beginObject().field("observed", f.observed()).field("mean", f.mean())
                    .field("lower", f.lower()).field("upper", f.upper()).field("horizon_s", f.horizonSeconds())
                    .field("desired", f.desired()).field("model", f.model()).field("backtest", f.backtest()).endObject());
            scaling(pool).ifPresent(s -> {
                j.name("scaling").beginObject().field("desired", s.desired()).field("target", s.target()).field("current", s.current())
                        .field("ready", s.ready()).field("action_in_flight", s.actionInFlight()).field("dry_run", s.dryRun())
                        .field("kill_switch", s.killSwitch()).field("mode", s.mode().key()).field("reason", s.lastReason());
                j.name("events").beginArray();
                for (ScalingEvent e : s.recentEvents()) {
                    j.beginObject().field("at", e.atMillis()).field("action", e.action().name()).field("instance", e.instance())
                            .field("desired", e.desired()).field("ready", e.ready()).field("reason", e.reason()).endObject();
                }
                j.endArray().endObject();
            });
            if (withHistory) {
                Deque<Sample> d = history.get(pool);
                j.name("history").beginArray();
                if (d != null) {
                    synchronized (d) {
                        for (Sample x : d) {
                            j.beginArray().value(x.atMillis()).value(x.observed()).value(x.mean()).value(x.lower()).value(x.upper())
                                    .value(x.asked()).value(x.target()).value(x.ready()).endArray();
                        }
                    }
                }
                j.endArray();
            }
            j.endObject();
        }
        return j.endArray().endObject().toString();
    }

    private static void edgeJson(Json j, EdgeServer edge) {
        EdgeStats st = edge.stats();
        j.beginObject().field("pool", edge.membership().pool()).field("port", edge.port())
                .field("connections_active", st.active()).field("connections_accepted", st.accepted())
                .field("connections_refused", st.refused()).field("connections_failed", st.failed())
                .field("connect_failures", st.connectFailures()).field("idle_closed", st.idleClosed())
                .field("bytes_up", st.bytesUp()).field("bytes_down", st.bytesDown())
                .field("membership_epoch", edge.membership().lastEpoch());
        j.name("members").beginArray();
        for (EdgeMemberStatus m : edge.memberStates()) {
            j.beginObject().field("address", m.address()).field("state", edgeState(m)).field("in_pool", m.inPool())
                    .field("down", m.down()).field("active", m.active()).field("connections", m.connections())
                    .field("connect_failures", m.connectFailures()).endObject();
        }
        j.endArray().endObject();
    }

    /** {@code "config"}: hot reload counts and the last attempt (its file:line error when rejected). */
    private void reloadState(Json j) {
        io.headroom.cli.stack.ConfigReloader r = stack.reloader();
        if (r == null) {
            return;
        }
        j.name("config").beginObject().field("file", r.file().toString()).field("reloads_applied", r.applied())
                .field("reloads_rejected", r.rejected()).field("version", r.etag())
                .field("api_changes", r.mode().name().toLowerCase(java.util.Locale.ROOT))
                .field("api_changes_applied", r.changesApplied()).field("api_changes_rejected", r.changesRejected());
        // config-changes: memory: the changes in service that the file lacks (a reload of the file drops them)
        List<String> diverged = r.diverged();
        j.field("diverged", !diverged.isEmpty()).name("diverged_changes").beginArray();
        diverged.forEach(j::value);
        j.endArray();
        io.headroom.cli.stack.ConfigReloader.Outcome o = r.last();
        if (o != null) {
            j.name("last_reload").beginObject().field("at", o.atMillis()).field("trigger", o.trigger()).field("applied", o.applied())
                    .field("error", o.error()).name("needs_restart").beginArray();
            o.needsRestart().forEach(j::value);
            j.endArray().endObject();
        }
        j.endObject();
    }

    /** {@code "tls"}: the listener's certificate in service, its reloads and why the files on disk are refused, if they are. */
    private void tlsState(Json j) {
        io.headroom.router.tls.CertificateReloader.Status t = tlsStatus(stack);
        if (t == null) {
            return;
        }
        j.name("tls").beginObject().field("certificate", t.certificate().toString()).field("key", t.key().toString())
                .field("subject", t.subject()).field("serial", t.serial()).field("not_after", t.notAfter().toEpochMilli())
                .field("expires_in_s", (t.notAfter().toEpochMilli() - clock.millis()) / 1000).field("sha256", t.sha256())
                .field("loaded_at", t.loadedAtMillis()).field("reloads", t.reloads()).field("failures", t.failures())
                .field("last_error", t.lastError()).field("last_error_at", t.lastErrorAtMillis());
        if (t.crl() != null) {
            j.name("client_crl").beginObject().field("file", t.crl().toString()).field("crls", t.crls())
                    .field("next_update", t.crlNextUpdate() == null ? Double.NaN : t.crlNextUpdate().toEpochMilli())
                    .field("next_update_in_s", t.crlNextUpdate() == null ? Double.NaN : (t.crlNextUpdate().toEpochMilli() - clock.millis()) / 1000)
                    .field("refused_revoked", t.revokedRefusals()).field("refused_undetermined", t.undeterminedRefusals()).endObject();
        }
        j.endObject();
    }

    private static io.headroom.router.tls.CertificateReloader.Status tlsStatus(Stack stack) {
        var router = stack.router();
        var c = router == null ? null : router.certificates();
        return c == null ? null : c.status();
    }

    private static void publisher(Json j, BoundedPublisher.Stats s) {
        j.beginObject().field("offered", s.offered()).field("dropped", s.dropped()).field("acked", s.acked()).field("failed", s.failed())
                .field("buffered", s.buffered()).field("last_error", s.lastError()).endObject();
    }

    private void registerGauges(MeterRegistry r) {
        // read through the stack: hot reload may be enabled after the admin server binds
        FunctionCounter.builder("headroom.config.reloads", stack, s -> s.reloader() == null ? 0 : s.reloader().applied())
                .description("Configuration reloads put in service").tag("result", "applied").register(r);
        FunctionCounter.builder("headroom.config.reloads", stack, s -> s.reloader() == null ? 0 : s.reloader().rejected())
                .description("Configuration reloads rejected (the previous configuration kept serving)").tag("result", "rejected").register(r);
        FunctionCounter.builder("headroom.config.api.changes", stack, s -> s.reloader() == null ? 0 : s.reloader().changesApplied())
                .description("Configuration changes made through the admin API and put in service").tag("result", "applied").register(r);
        FunctionCounter.builder("headroom.config.api.changes", stack, s -> s.reloader() == null ? 0 : s.reloader().changesRejected())
                .description("Configuration changes through the admin API refused or rejected (nothing changed)").tag("result", "rejected")
                .register(r);
        Gauge.builder("headroom.config.last.reload.success", stack,
                        s -> s.reloader() == null || s.reloader().last() == null ? Double.NaN : s.reloader().last().applied() ? 1 : 0)
                .description("1 when the last configuration reload was applied, 0 when it was rejected").register(r);
        if (stack.router() != null && stack.router().config().tls() != null) {
            FunctionCounter.builder("headroom.tls.reloads", stack, s -> tlsStatus(s) == null ? 0 : tlsStatus(s).reloads())
                    .description("Listener certificates put in service after start (rotated files)").tag("result", "applied").register(r);
            FunctionCounter.builder("headroom.tls.reloads", stack, s -> tlsStatus(s) == null ? 0 : tlsStatus(s).failures())
                    .description("Certificate or key files refused (the certificate in service stayed)").tag("result", "refused").register(r);
            Gauge.builder("headroom.tls.files.in.service", stack, s -> tlsStatus(s) == null ? Double.NaN : tlsStatus(s).lastError() == null ? 1 : 0)
                    .description("1 when the certificate files on disk are the ones in service, 0 while they are refused").register(r);
            Gauge.builder("headroom.tls.certificate.expiry", stack,
                            s -> tlsStatus(s) == null ? Double.NaN : (tlsStatus(s).notAfter().toEpochMilli() - clock.millis()) / 1000.0)
                    .description("Seconds until the certificate in service expires").baseUnit("seconds").register(r);
            if (stack.router().config().tls().client() != null && stack.router().config().tls().client().crl() != null) {
                FunctionCounter.builder("headroom.tls.client.refused", stack, s -> tlsStatus(s) == null ? 0 : tlsStatus(s).revokedRefusals())
                        .description("Client handshakes refused because client-crl revokes the certificate").tag("reason", "revoked").register(r);
                FunctionCounter.builder("headroom.tls.client.refused", stack, s -> tlsStatus(s) == null ? 0 : tlsStatus(s).undeterminedRefusals())
                        .description("Client handshakes refused because no usable CRL of the issuer is in service (none, or stale with "
                                + "client-crl-expired: refuse)").tag("reason", "no_crl").register(r);
                Gauge.builder("headroom.tls.client.crl.next.update", stack, s -> tlsStatus(s) == null || tlsStatus(s).crlNextUpdate() == null
                                ? Double.NaN : (tlsStatus(s).crlNextUpdate().toEpochMilli() - clock.millis()) / 1000.0)
                        .description("Seconds until the client CRL in service passes its nextUpdate (negative: stale)").baseUnit("seconds")
                        .register(r);
            }
        }
        if (stack.telemetrySink() != null) {
            publisherMeters(r, "headroom.telemetry.publisher", () -> stack.telemetrySink().stats());
        }
        if (stack.router() != null && stack.router().accessLog() != null) {
            FunctionCounter.builder("headroom.access.log.written", stack.router(), r0 -> r0.accessLog() == null ? 0 : r0.accessLog().written()).register(r);
            FunctionCounter.builder("headroom.access.log.dropped", stack.router(), r0 -> r0.accessLog() == null ? 0 : r0.accessLog().dropped())
                    .description("Access log lines dropped because the writer's bounded queue was full").register(r);
        }
        if (stack.controlSubscriber() != null) {
            FunctionCounter.builder("headroom.control.plans.applied", stack.controlSubscriber(), c -> c.appliedCount())
                    .description("Control plans the router applied").register(r);
            FunctionCounter.builder("headroom.control.plans.ignored", stack.controlSubscriber(), c -> c.ignoredCount())
                    .description("Control plans ignored (stale epoch, expired, unknown pool)").register(r);
        }
        if (stack.predictor() != null) {
            FunctionCounter.builder("headroom.predictor.ticks", stack.predictor(), p -> p.tickCount()).register(r);
            FunctionCounter.builder("headroom.predictor.tick.failures", stack.predictor(), p -> p.tickFailureCount()).register(r);
            FunctionCounter.builder("headroom.predictor.retrains", stack.predictor(), p -> p.core().stats().retrains()).register(r);
            publisherMeters(r, "headroom.predictor.intents.publisher", () -> stack.predictor().intentStats());
        }
        if (stack.autoscaler() != null) {
            publisherMeters(r, "headroom.autoscaler.events.publisher", () -> stack.autoscaler().eventStats());
            Gauge.builder("headroom.autoscaler.kill.switch", stack.autoscaler(), a -> a.killSwitch() ? 1 : 0).register(r);
            for (String pool : pools()) {
                Gauge.builder("headroom.autoscaler.reactive.fallback", this,
                                s -> scaling(pool).map(p -> p.mode() == io.headroom.autoscaler.core.Mode.REACTIVE ? 1.0 : 0.0).orElse(Double.NaN))
                        .description("1 while the predictor is silent and the pool is sized on observed load").tag("pool", pool).register(r);
            }
        }
        if (stack.edge() != null) {
            edgeMeters(r, stack.edge());
        }
        // The null check first: no OpenTelemetry class is loaded when export is off.
        if (stack.spanSink() != null && stack.spanSink() instanceof io.headroom.cli.otel.OtlpSpanSink otlp) {
            FunctionCounter.builder("headroom.tracing.spans.exported", otlp, io.headroom.cli.otel.OtlpSpanSink::exported)
                    .description("Request spans the OTLP collector acknowledged").register(r);
            FunctionCounter.builder("headroom.tracing.spans.dropped", otlp, io.headroom.cli.otel.OtlpSpanSink::dropped)
                    .description("Request spans dropped because the export queue was full").register(r);
            FunctionCounter.builder("headroom.tracing.spans.failed", otlp, io.headroom.cli.otel.OtlpSpanSink::failed)
                    .description("Request spans lost because the collector refused them or did not answer in time").register(r);
        }
        for (String pool : pools()) {
            if (stack.router() != null) {
                gauge(r, "headroom.pool.members", pool, "kind", "effective", s -> snapshot(pool).map(p -> p.members().size()).orElse(0));
                for (String source : List.of(ControlPlan.SOURCE_PREDICTOR, ControlPlan.SOURCE_AUTOSCALER)) {
                    Gauge.builder("headroom.control.plan.epoch", this, s -> plan(pool, source).map(p -> (double) p.epoch()).orElse(Double.NaN))
                            .tag("pool", pool).tag("source", source).description("Epoch of the plan in effect; NaN when static config rules")
                            .register(r);
                    Gauge.builder("headroom.control.plan.age", this,
                                    s -> plan(pool, source).map(p -> (clock.millis() - p.issuedAtMillis()) / 1000.0).orElse(Double.NaN))
                            .baseUnit("seconds").tag("pool", pool).tag("source", source).register(r);
                }
            }
            if (stack.predictor() != null) {
                forecastGauge(r, pool, "observed", PoolForecast::observed);
                forecastGauge(r, pool, "mean", PoolForecast::mean);
                forecastGauge(r, pool, "lower", PoolForecast::lower);
                forecastGauge(r, pool, "upper", PoolForecast::upper);
                Gauge.builder("headroom.forecast.desired.instances", this, s -> forecast(pool).map(f -> (double) f.desired()).orElse(Double.NaN))
                        .tag("pool", pool).register(r);
            }
            if (stack.autoscaler() != null) {
                gauge(r, "headroom.autoscaler.instances", pool, "state", "desired", s -> scaling(pool).map(PoolStatus::desired).orElse(-1));
                gauge(r, "headroom.autoscaler.instances", pool, "state", "target", s -> scaling(pool).map(PoolStatus::target).orElse(-1));
                gauge(r, "headroom.autoscaler.instances", pool, "state", "current", s -> scaling(pool).map(PoolStatus::current).orElse(-1));
                gauge(r, "headroom.autoscaler.instances", pool, "state", "ready", s -> scaling(pool).map(PoolStatus::ready).orElse(-1));
            }
        }
    }

    private void edgeMeters(MeterRegistry r, EdgeServer edge) {
        String pool = edge.membership().pool();
        Gauge.builder("headroom.edge.connections.active", edge, e -> e.stats().active())
                .description("Client connections open through the L4 edge").tag("pool", pool).register(r);
        edgeCounter(r, edge, "headroom.edge.connections.accepted", "Client connections accepted under max-connections", EdgeStats::accepted);
        edgeCounter(r, edge, "headroom.edge.connections.refused", "Client connections closed at once: max-connections were open", EdgeStats::refused);
        edgeCounter(r, edge, "headroom.edge.connections.failed", "Client connections closed because no member could be connected to", EdgeStats::failed);
        edgeCounter(r, edge, "headroom.edge.connect.failures", "Connects to members that failed (retried on another member)", EdgeStats::connectFailures);
        edgeCounter(r, edge, "headroom.edge.connections.idle.closed", "Connections closed by the idle timeout", EdgeStats::idleClosed);
        FunctionCounter.builder("headroom.edge.bytes", edge, e -> e.stats().bytesUp()).baseUnit("bytes").tag("pool", pool)
                .tag("direction", "up").description("Bytes relayed: up = client to member, down = member to client").register(r);
        FunctionCounter.builder("headroom.edge.bytes", edge, e -> e.stats().bytesDown()).baseUnit("bytes").tag("pool", pool)
                .tag("direction", "down").description("Bytes relayed: up = client to member, down = member to client").register(r);
        Gauge.builder("headroom.edge.membership.epoch", edge, e -> e.membership().lastEpoch())
                .description("Epoch of the last membership plan applied (-1: none yet, static members)").tag("pool", pool).register(r);
        edgeMemberActive = MultiGauge.builder("headroom.edge.member.connections.active")
                .description("Connections open through each member; state up, down or draining").register(r);
        edgeMemberUp = MultiGauge.builder("headroom.edge.member.up")
                .description("1 when the member is in the pool and not marked down after a failed connect").register(r);
        edgeMemberConnections = MultiGauge.builder("headroom.edge.member.connections.opened")
                .description("Connections established to the member since it joined (resets when it leaves and rejoins)").register(r);
        edgeMemberConnectFailures = MultiGauge.builder("headroom.edge.member.connect.failures")
                .description("Failed connects to the member since it joined (resets when it leaves and rejoins)").register(r);
        refreshEdgeMembers();
    }

    private static void edgeCounter(MeterRegistry r, EdgeServer edge, String name, String description, ToDoubleFunction<EdgeStats> f) {
        FunctionCounter.builder(name, edge, e -> f.applyAsDouble(e.stats())).description(description)
                .tag("pool", edge.membership().pool()).register(r);
    }

    private void forecastGauge(MeterRegistry r, String pool, String kind, ToDoubleFunction<PoolForecast> f) {
        Gauge.builder("headroom.forecast.requests.per.second", this, s -> forecast(pool).map(f::applyAsDouble).orElse(Double.NaN))
                .tag("pool", pool).tag("kind", kind).description("Observed rate and forecast at the lead time, with its interval")
                .register(r);
    }

    private void gauge(MeterRegistry r, String name, String pool, String tag, String value, ToDoubleFunction<StackState> f) {
        Gauge.builder(name, this, f).tag("pool", pool).tag(tag, value).register(r);
    }

    private static void publisherMeters(MeterRegistry r, String prefix, java.util.function.Supplier<BoundedPublisher.Stats> stats) {
        FunctionCounter.builder(prefix + ".offered", stats, s -> s.get().offered()).register(r);
        FunctionCounter.builder(prefix + ".dropped", stats, s -> s.get().dropped())
                .description("Records dropped because the bounded buffer was full (Kafka slow or away)").register(r);
        FunctionCounter.builder(prefix + ".acked", stats, s -> s.get().acked()).register(r);
        FunctionCounter.builder(prefix + ".failed", stats, s -> s.get().failed()).register(r);
        Gauge.builder(prefix + ".buffered", stats, s -> s.get().buffered()).register(r);
    }
}
