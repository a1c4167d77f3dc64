package io.keycycle.gateway;

import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.store.KeycycleStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.web.RoutingContext;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Engine events and gateway requests as Micrometer meters, scraped as Prometheus text at
 * {@code /metrics}. Tags carry provider, model, outcome, state and scope, never a key (scopes
 * default to {@code key-<fingerprint>}).
 *
 * <ul>
 *   <li>{@code keycycle_admissions_total{provider,model}}, {@code keycycle_rejections_total{provider,model}}</li>
 *   <li>{@code keycycle_outcomes_total{provider,model,outcome}}, {@code keycycle_tokens_total{provider,model,kind}}</li>
 *   <li>{@code keycycle_waits_seconds{provider,model,served}} (timer), {@code keycycle_lease_expirations_total{provider}}</li>
 *   <li>{@code keycycle_state_changes_total{provider,state}}, gauge {@code keycycle_keys{provider,scope,state}}</li>
 *   <li>gauge {@code keycycle_holds_seconds{provider,scope,model,state,cause,metric}}: each hold in force (a scope(+model)
 *       cooling or parked, a key disabled), valued at the seconds until it ends (-1: until an operator enables the key);
 *       {@code cause} from a fixed set ({@link io.keycycle.core.pool.HoldReasons#cause}), {@code metric} the limit it is about or empty</li>
 *   <li>{@code keycycle_store_queue_depth}, {@code keycycle_store_journal_events}, {@code keycycle_store_journal_bytes},
 *       {@code keycycle_store_memory_events}, {@code keycycle_store_full}, {@code keycycle_store_events_lost_total}, {@code keycycle_store_calls_unrecorded_total},
 *       {@code keycycle_store_events_spilled_total}; SQLite only: {@code keycycle_store_wal_checkpoints_seconds} (count
 *       and time of WAL checkpoints), {@code keycycle_store_wal_checkpoint_failures_total}, {@code keycycle_store_wal_frames}</li>
 *   <li>{@code keycycle_gateway_requests_seconds{method,route,status}} (timer; method from a fixed set or
 *       {@code other}, route the matched route or {@code other}: client input never makes a new series; status
 *       499 when the connection closed before the response began)</li>
 *   <li>{@code keycycle_gateway_connections_refused_total} (connections over {@code gateway.max-connections})</li>
 *   <li>{@code keycycle_gateway_overloaded_total{limit}}: requests answered 503 at a load limit
 *       ({@code streams}, {@code in-flight}, {@code upstream-connections}, {@code dashboard}, {@code store}: the store is
 *       {@linkplain KeycycleStore#full() full})</li>
 *   <li>gauges {@code keycycle_quota_exhaustion_seconds{provider,scope,model,metric}} (only daily limits that run
 *       out before their reset at the recent rate) and {@code keycycle_quota_remaining_ratio{provider,scope,model,metric}}</li>
 *   <li>with a shared pool: {@code keycycle_cluster_mode{mode}} (1 for the mode in force, else 0), {@code keycycle_cluster_instances}, {@code keycycle_cluster_silent_instances}, {@code keycycle_cluster_warning} (1 while {@code ClusterStatus.warning()} says something)</li>
 * </ul>
 */
final class GatewayMetrics implements KeycycleListener {

    private final PrometheusMeterRegistry prometheus;
    private final MeterRegistry registry;
    private final MultiGauge keys;
    private final MultiGauge holds;
    private final MultiGauge exhaustion;
    private final MultiGauge remaining;
    /** Model names as labels: a client-chosen name (allow-unknown-models) cannot add series without bound. */
    private final ModelLabels labels;

    GatewayMetrics(MeterRegistry given, KeycycleStore store, ModelLabels labels) {
        this.labels = labels;
        if (given instanceof PrometheusMeterRegistry p) {
            prometheus = p;
            registry = p;
        } else {
            prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            if (given == null) {
                registry = prometheus;
            } else {
                CompositeMeterRegistry c = new CompositeMeterRegistry();
                c.add(prometheus);
                c.add(given);
                registry = c;
            }
        }
        keys = MultiGauge.builder("keycycle.keys").description("keys by state, per provider and scope").register(registry);
        holds = MultiGauge.builder("keycycle.holds").baseUnit("seconds")
                .description("holds in force: seconds until each ends (-1: until an operator enables the key), with their cause")
                .register(registry);
        exhaustion = MultiGauge.builder("keycycle.quota.exhaustion").baseUnit("seconds")
                .description("seconds until a daily limit runs out at the recent rate; only limits that run out before their reset")
                .register(registry);
        remaining = MultiGauge.builder("keycycle.quota.remaining.ratio")
                .description("fraction of a daily limit left now").register(registry);
        if (store != null) {
            Gauge.builder("keycycle.store.queue.depth", store, s -> s.health().queueDepth())
                    .description("events waiting in the store's in-memory queue").register(registry);
            Gauge.builder("keycycle.store.journal.events", store, s -> s.health().journalEvents())
                    .description("events waiting in the store's outage journal").register(registry);
            Gauge.builder("keycycle.store.journal.bytes", store, s -> s.health().journalBytes())
                    .description("bytes of journal not yet committed").register(registry);
            Gauge.builder("keycycle.store.memory.events", store, s -> s.health().memoryEvents())
                    .description("events held in memory only: neither the write-ahead log nor the journal could be written").register(registry);
            Gauge.builder("keycycle.store.full", store, s -> s.full() ? 1 : 0)
                    .description("1 while the store is full and new requests are answered 503").register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("keycycle.store.events.lost", store, s -> s.health().eventsLost())
                    .description("events dropped because the store's memory bound was reached").register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("keycycle.store.calls.unrecorded", store, s -> s.health().callsUnrecorded())
                    .description("calls admitted without a slot in the store's file of calls in flight (a kill -9 while they are in flight forgets them)")
                    .register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("keycycle.store.events.spilled", store, s -> s.health().eventsSpilled())
                    .description("events written through the journal because the queue was full or the database failed (none lost)").register(registry);
            if (store.walCheckpoints() != null) {
                io.micrometer.core.instrument.FunctionTimer.builder("keycycle.store.wal.checkpoints", store,
                                s -> s.walCheckpoints().checkpoints(), s -> s.walCheckpoints().time().toNanos(), TimeUnit.NANOSECONDS)
                        .description("SQLite WAL checkpoints run off the writer's thread (and the writer's restarts of a long log)").register(registry);
                io.micrometer.core.instrument.FunctionCounter.builder("keycycle.store.wal.checkpoint.failures", store, s -> s.walCheckpoints().failures())
                        .description("WAL checkpoints that failed (retried after the next commit)").register(registry);
                Gauge.builder("keycycle.store.wal.frames", store, s -> s.walCheckpoints().logFrames())
                        .description("pages (4 KiB) in SQLite's write-ahead log at the last checkpoint; rising means checkpoints cannot finish").register(registry);
            }
        }
    }

    MeterRegistry registry() { return registry; }

    /** Gauges of the shared pool: the mode in force (shared/degraded) and the live instances. */
    void cluster(io.keycycle.core.ClusterStatus c) {
        for (String mode : List.of("shared", "degraded")) {
            Gauge.builder("keycycle.cluster.mode", c, s -> mode.equals(s.mode()) ? 1 : 0).tags("mode", mode)
                    .description("1 for the mode this instance admits in").register(registry);
        }
        Gauge.builder("keycycle.cluster.instances", c, io.keycycle.core.ClusterStatus::liveInstances)
                .description("live instances sharing the pool").register(registry);
        Gauge.builder("keycycle.cluster.silent.instances", c, io.keycycle.core.ClusterStatus::silentInstances)
                .description("live instances silent past the heartbeat allowance, whose shares are set aside").register(registry);
        Gauge.builder("keycycle.cluster.warning", c, s -> s.warning() == null ? 0 : 1)
                .description("1 while the instance reports a condition to fix (another live process under its instance id)").register(registry);
    }

    /** A request turned away with 503 because the gateway was at a load limit ({@code what}: which one). */
    void overloaded(String what) {
        counter("keycycle.gateway.overloaded", "limit", what).increment();
    }

    @Override
    public void onEvent(KeycycleEvent event) {
        if (event instanceof KeycycleEvent.Admitted a) {
            ModelMeters m = model(a.provider(), a.model());
            Counter c = m.admissions;
            if (c == null) c = m.admissions = counter("keycycle.admissions", "provider", a.provider(), "model", m.label);
            c.increment();
        } else if (event instanceof KeycycleEvent.Settled s) {
            ModelMeters m = model(s.provider(), s.model());
            int o = s.outcome().ordinal();
            Counter c = m.outcomes.get(o);
            if (c == null) {
                c = counter("keycycle.outcomes", "provider", s.provider(), "model", m.label, "outcome", s.outcome().name());
                m.outcomes.set(o, c);
            }
            c.increment();
            if (s.promptTokens() > 0) {
                c = m.prompt;
                if (c == null) c = m.prompt = counter("keycycle.tokens", "provider", s.provider(), "model", m.label, "kind", "prompt");
                c.increment(s.promptTokens());
            }
            if (s.completionTokens() > 0) {
                c = m.completion;
                if (c == null) c = m.completion = counter("keycycle.tokens", "provider", s.provider(), "model", m.label, "kind", "completion");
                c.increment(s.completionTokens());
            }
        } else if (event instanceof KeycycleEvent.Rejected r) {
            counter("keycycle.rejections", "provider", r.provider(), "model", labels.of(r.provider(), r.model())).increment();
        } else if (event instanceof KeycycleEvent.StateChanged c) {
            counter("keycycle.state.changes", "provider", c.provider(), "state", c.state().name()).increment();
        } else if (event instanceof KeycycleEvent.Waited w) {
            ((Timer) meters.computeIfAbsent(new MeterKey("keycycle.waits", w.provider(), labels.of(w.provider(), w.model()),
                            Boolean.toString(w.served())),
                    k -> Timer.builder(k.name).tags("provider", k.a, "model", k.b, "served", k.c).register(registry)))
                    .record(w.waitedMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } else if (event instanceof KeycycleEvent.LeaseExpired l) {
            counter("keycycle.lease.expirations", "provider", l.provider()).increment();
        }
    }

    /**
     * The meters of every call's events (admission, outcome, tokens) of one provider and model, each
     * made on first use: an event finds its counter with two map reads and no key object. A race
     * between two event loops making the same counter is harmless (the registry returns the one
     * already registered).
     */
    private static final class ModelMeters {
        final String label;
        volatile Counter admissions;
        volatile Counter prompt;
        volatile Counter completion;
        final java.util.concurrent.atomic.AtomicReferenceArray<Counter> outcomes =
                new java.util.concurrent.atomic.AtomicReferenceArray<>(io.keycycle.core.OutcomeKind.values().length);

        ModelMeters(String label) { this.label = label; }
    }

    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.ConcurrentHashMap<String, ModelMeters>> byModel =
            new java.util.concurrent.ConcurrentHashMap<>();

    private ModelMeters model(String provider, String model) {
        var models = byModel.get(provider);
        if (models == null) models = byModel.computeIfAbsent(provider, p -> new java.util.concurrent.ConcurrentHashMap<>());
        ModelMeters m = models.get(model);
        if (m != null) return m;
        String label = labels.of(provider, model);   // a name beyond the bound shares the meters of its label
        return models.computeIfAbsent(label, ModelMeters::new);
    }

    /**
     * Which meter: its name and up to three tag values (the tag names are fixed per meter name).
     * Meters are built once per key and kept: no builder, tag list or registry lookup per event.
     */
    private record MeterKey(String name, String a, String b, String c) { }

    private final java.util.concurrent.ConcurrentHashMap<MeterKey, io.micrometer.core.instrument.Meter> meters =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** The counter {@code name} with tag pairs {@code tags} (one to three pairs), built on first use. */
    private Counter counter(String name, String... tags) {
        MeterKey key = new MeterKey(name, tags[1], tags.length > 3 ? tags[3] : null, tags.length > 5 ? tags[5] : null);
        io.micrometer.core.instrument.Meter m = meters.get(key);
        if (m == null) m = meters.computeIfAbsent(key, k -> Counter.builder(name).tags(tags).register(registry));
        return (Counter) m;
    }

    /** Recomputes the keys-by-state and holds gauges from fresh snapshots (before each scrape). */
    void refresh(List<PoolSnapshot> snapshots) { refresh(snapshots, java.time.Instant.now()); }

    void refresh(List<PoolSnapshot> snapshots, java.time.Instant now) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        Map<Tags, Double> held = new LinkedHashMap<>();
        for (PoolSnapshot s : snapshots) {
            Map<String, EnumMap<KeyState, Integer>> byScope = new LinkedHashMap<>();
            for (PoolSnapshot.KeyView k : s.keys()) {
                EnumMap<KeyState, Integer> m = byScope.computeIfAbsent(k.scope(), x -> zeros());
                m.merge(s.status(k).state(), 1, Integer::sum);
                if (k.state() != KeyState.READY) hold(held, s.provider(), k.scope(), "*", k.state(), k.until(), k.reason(), now);
            }
            byScope.forEach((scope, counts) -> counts.forEach((state, n) ->
                    rows.add(MultiGauge.Row.of(Tags.of("provider", s.provider(), "scope", scope, "state", state.name()), n))));
            for (PoolSnapshot.BucketView b : s.buckets()) {
                if (b.state() == KeyState.COOLING || b.state() == KeyState.PARKED) {
                    hold(held, s.provider(), b.scope(), labels.of(s.provider(), b.model()), b.state(), b.until(), b.reason(), now);
                }
            }
        }
        keys.register(rows, true);
        List<MultiGauge.Row<?>> holdRows = new ArrayList<>();
        held.forEach((tags, seconds) -> holdRows.add(MultiGauge.Row.of(tags, seconds)));
        holds.register(holdRows, true);
    }

    /** One hold's row; of two with the same tags (keys of one scope disabled alike) the longer stays. */
    private static void hold(Map<Tags, Double> held, String provider, String scope, String model, KeyState state,
                             java.time.Instant until, String reason, java.time.Instant now) {
        Tags tags = Tags.of("provider", provider, "scope", scope, "model", model, "state", state.name(),
                "cause", io.keycycle.core.pool.HoldReasons.cause(reason), "metric", io.keycycle.core.pool.HoldReasons.metric(reason));
        double seconds = until == null ? -1 : Math.max(0, java.time.Duration.between(now, until).toMillis() / 1000.0);
        held.merge(tags, seconds, (a, b) -> a < 0 || b < 0 ? -1 : Math.max(a, b));
    }


    /** Recomputes the forecast gauges (before each scrape). */
    void refreshForecasts(List<io.keycycle.core.forecast.QuotaForecast> forecasts, java.time.Instant now) {
        List<MultiGauge.Row<?>> ex = new ArrayList<>();
        List<MultiGauge.Row<?>> left = new ArrayList<>();
        for (io.keycycle.core.forecast.QuotaForecast f : forecasts) {
            Tags tags = Tags.of("provider", f.provider(), "scope", f.scope(), "model", f.model(), "metric", f.metric().key());
            left.add(MultiGauge.Row.of(tags, f.fractionLeft()));
            if (f.runsOutBeforeReset()) ex.add(MultiGauge.Row.of(tags, f.secondsUntilExhausted(now)));
        }
        exhaustion.register(ex, true);
        remaining.register(left, true);
    }

    private static EnumMap<KeyState, Integer> zeros() {
        EnumMap<KeyState, Integer> m = new EnumMap<>(KeyState.class);
        for (KeyState s : KeyState.values()) m.put(s, 0);
        return m;
    }

    String scrape() { return prometheus.scrape(); }

    private static final java.util.Set<String> METHODS = java.util.Set.of("GET", "POST", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS");

    /**
     * The method as a label, from a fixed set: a client can send any token as a method, and every
     * distinct label value is a new time series kept forever.
     */
    static String methodLabel(String method) { return METHODS.contains(method) ? method : "other"; }

    /** First handler of every route: times the request once its response has ended. */
    /** The status recorded for a request whose connection closed before its response began (nginx's "client closed request"). */
    static final int CLIENT_CLOSED = 499;

    void timeRequest(RoutingContext ctx) {
        long start = System.nanoTime();
        ctx.addEndHandler(v -> {
            String route = ctx.get(GatewayRoutes.ROUTE_TAG);
            // a connection closed before any answer went out: not the 200 a response starts with
            int status = ctx.response().headWritten() ? ctx.response().getStatusCode() : CLIENT_CLOSED;
            requestTimer(ctx.request().method().name(), route == null ? "other" : route, status)
                    .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        });
        ctx.next();
    }

    private Timer requestTimer(String method, String route, int status) {
        MeterKey key = new MeterKey("keycycle.gateway.requests", methodLabel(method), route,
                statusText(status));
        io.micrometer.core.instrument.Meter t = meters.get(key);
        if (t == null) {
            t = meters.computeIfAbsent(key, k -> Timer.builder(k.name)
                    .tags("method", k.a, "route", k.b, "status", k.c).register(registry));
        }
        return (Timer) t;
    }

    private static final String[] STATUS = new String[600];

    static {
        for (int i = 0; i < STATUS.length; i++) STATUS[i] = Integer.toString(i);
    }

    private static String statusText(int status) {
        return status >= 0 && status < STATUS.length ? STATUS[status] : Integer.toString(status);
    }
}
