package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.Keycycle;
import io.keycycle.core.forecast.QuotaForecast;
import io.keycycle.core.forecast.RateSource;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.FallbackCount;
import io.keycycle.store.OutcomeMinute;
import io.keycycle.store.StateChange;
import io.keycycle.store.StorageInfo;
import io.keycycle.store.StoreHealth;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The dashboard: {@code GET /} serves one page (inline CSS and JS, plus uPlot from the jar at
 * {@code /assets/}); the page reads {@code GET /api/state} once and then listens on
 * {@code GET /api/events}, where a snapshot is pushed every second while anyone listens (falling
 * back to polling if the event stream fails). The state carries the quota forecasts and the
 * database size; {@code GET /api/history?range=15m|1h|24h} gives the charts' per-minute data and the
 * key-state timeline (the store's aggregates, the current minute from memory), {@code GET /api/plan}
 * the capacity plan of the last 24 hours.
 *
 * <p>Snapshots are built on the gateway's bounded worker pool. The one-second ticks merge: while
 * a tick's push waits or runs, the next tick adds nothing (a slow snapshot never piles up pushes).
 * A new listener whose first snapshot finds the pool's queue full is answered 503 with
 * {@code Retry-After}, counted in {@code keycycle_gateway_overloaded_total{limit="dashboard"}}.
 */
final class Dashboard {

    private static final String PAGE = load();
    /** The uPlot files served at {@code /assets/}: name to classpath resource (the WebJar). */
    private static final Map<String, String> ASSETS = Map.of(
            "uPlot.iife.min.js", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.iife.min.js",
            "uPlot.min.css", "META-INF/resources/webjars/uplot/1.6.30/dist/uPlot.min.css");
    private static final long STORAGE_REFRESH_MS = 30_000;

    private final Keycycle keycycle;
    private final KeycycleStore store;
    private final RecentEvents events;
    private final Executor workers;
    private final GatewayMetrics metrics;
    /** A tick's push is queued and has not started yet: the next tick adds nothing. */
    private final AtomicBoolean tickPending = new AtomicBoolean();
    private final Instant started;
    private final Map<HttpServerResponse, Context> listeners = new ConcurrentHashMap<>();
    private final LiveHistory live;
    private final int forecastMinutes;
    private final Map<String, byte[]> assets = new ConcurrentHashMap<>();
    private volatile StorageInfo storage;
    private volatile long storageAt;

    Dashboard(Keycycle keycycle, KeycycleStore store, RecentEvents events, Executor workers, LiveHistory live, int forecastMinutes,
              GatewayMetrics metrics) {
        this.metrics = metrics;
        this.keycycle = keycycle;
        this.store = store;
        this.events = events;
        this.workers = workers;
        this.live = live;
        this.forecastMinutes = forecastMinutes;
        this.started = keycycle.clock().now();
    }

    void page(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "text/html; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("content-security-policy", "default-src 'self'; style-src 'self' 'unsafe-inline'; script-src 'self' 'unsafe-inline'")
                .end(PAGE);
    }

    /** {@code GET /assets/<name>}: the chart library from its WebJar. */
    void asset(RoutingContext ctx) {
        String name = ctx.pathParam("name");
        String resource = ASSETS.get(name);
        if (resource == null) {
            ApiError.notFound("no asset " + name).send(ctx.response());
            return;
        }
        byte[] body = assets.computeIfAbsent(name, n -> read(resource));
        ctx.response().putHeader("content-type", name.endsWith(".css") ? "text/css; charset=utf-8" : "text/javascript; charset=utf-8")
                .putHeader("cache-control", "public, max-age=86400")
                .end(io.vertx.core.buffer.Buffer.buffer(body));
    }

    /** {@code GET /api/history?range=15m|1h|24h}: per-minute calls and tokens by outcome, and the key-state timeline. Worker. */
    void history(RoutingContext ctx) {
        String range = ctx.queryParams().get("range");
        Duration span;
        if (range != null && range.equals("15m")) span = Duration.ofMinutes(15);
        else if (range == null || range.equals("1h")) span = Duration.ofHours(1);
        else if (range.equals("24h")) span = Duration.ofHours(24);
        else {
            ApiError.invalidRequest("range must be 15m, 1h or 24h, was '" + range + "'").send(ctx.response());
            return;
        }
        ctx.response().putHeader("content-type", "application/json").putHeader("cache-control", "no-cache")
                .end(Jsons.write(history(span)));
    }

    ObjectNode history(Duration span) {
        Instant now = keycycle.clock().now();
        Instant currentMinute = Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L);
        Instant to = currentMinute.plusSeconds(60);
        Instant from = to.minus(span);
        List<OutcomeMinute> rows = new ArrayList<>();
        List<StateChange> changes = null;
        String storeError = null;
        if (store != null) {
            try {
                rows.addAll(store.outcomesPerMinute(from, currentMinute));
                changes = store.stateHistory(from.minus(Duration.ofDays(1)), to);
                rows.addAll(live.outcomes(currentMinute, to));
            } catch (RuntimeException e) {   // the database is down: what the gateway remembers
                storeError = e.getMessage();
                rows.clear();
                changes = null;
            }
        }
        if (changes == null) {
            rows.addAll(live.outcomes(from, to));
            changes = live.states(from.minus(Duration.ofDays(1)), to);
        }
        // a key disabled before the day looked back is still disabled: the pools say so
        changes = Timeline.withStanding(changes, keycycle.snapshots(), from.minus(Duration.ofDays(1)));
        ObjectNode o = OperatorView.historyJson(rows, from, to);
        Jsons.putInstant(o, "at", now);
        o.put("source", store != null && storeError == null ? "store" : "memory");
        if (storeError != null) o.put("store_error", storeError);
        o.set("timeline", OperatorView.timelineJson(Timeline.intervals(changes, from, now)));
        return o;
    }

    /** {@code GET /api/plan}: the capacity plan of the last 24 hours. Worker. */
    void plan(RoutingContext ctx) {
        Instant now = keycycle.clock().now();
        Instant to = Instant.ofEpochMilli(Math.floorDiv(now.toEpochMilli(), 60_000L) * 60_000L + 60_000L);
        Instant from = to.minus(Duration.ofDays(1));
        List<OutcomeMinute> rows = new ArrayList<>();
        List<FallbackCount> fallbacks = null;
        if (store != null) {
            try {
                Instant currentMinute = to.minusSeconds(60);
                rows.addAll(store.outcomesPerMinute(from, currentMinute));
                fallbacks = store.fallbacks(from, to);
                rows.addAll(live.outcomes(currentMinute, to));
            } catch (RuntimeException e) {   // the database is down: plan from what the gateway remembers
                rows.clear();
                fallbacks = null;
            }
        }
        if (fallbacks == null) {
            rows.addAll(live.outcomes(from, to));
            fallbacks = live.fallbacks(from, to);
        }
        ObjectNode o = Jsons.object();
        Jsons.putInstant(o, "from", from);
        Jsons.putInstant(o, "to", now);
        o.set("providers", OperatorView.plansJson(OperatorView.plans(keycycle.snapshots(), rows), fallbacks));
        ctx.response().putHeader("content-type", "application/json").putHeader("cache-control", "no-cache").end(Jsons.write(o));
    }

    /** Forecasts at the rate of the last minutes: from memory once the gateway has run that long, else from the store. */
    List<QuotaForecast> forecasts(List<PoolSnapshot> snapshots, Instant now) {
        RateSource rates = live;
        if (store != null && now.isBefore(started.plus(Duration.ofMinutes(forecastMinutes + 1L)))) {
            try {
                rates = OperatorView.storeRates(store, snapshots, now, forecastMinutes);
            } catch (RuntimeException e) {
                rates = live;   // the database is down: the minutes the gateway has seen
            }
        }
        return OperatorView.forecasts(keycycle, snapshots, rates, forecastMinutes, now);
    }

    private StorageInfo storage(long nowMillis) {
        StorageInfo s = storage;
        if (s == null || nowMillis - storageAt > STORAGE_REFRESH_MS) {
            try {
                s = store.storage();
                storage = s;
                storageAt = nowMillis;
            } catch (RuntimeException e) {
                return s;   // the health line says what is wrong with the database
            }
        }
        return s;
    }

    /** Runs on a worker (snapshots take short locks). */
    void state(RoutingContext ctx) {
        String json = Jsons.write(state());
        ctx.response().putHeader("content-type", "application/json").putHeader("cache-control", "no-cache").end(json);
    }

    void subscribe(RoutingContext ctx) {
        HttpServerResponse r = ctx.response();
        Context context = ctx.vertx().getOrCreateContext();
        try {
            // the push writes on this event loop, so after this handler has sent the head below
            workers.execute(() -> push(Map.of(r, context)));
        } catch (RejectedExecutionException full) {
            metrics.overloaded("dashboard");
            ApiError.overloaded("dashboard snapshots waiting to be built").send(r);
            return;
        }
        r.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache").putHeader("x-accel-buffering", "no");
        r.write(": keycycle dashboard\n\n");
        listeners.put(r, context);
        r.closeHandler(v -> listeners.remove(r));
    }

    /** Called every second: pushes one snapshot to every listener, unless the last tick's push has not started yet. */
    void tick() {
        if (listeners.isEmpty() || !tickPending.compareAndSet(false, true)) return;
        try {
            workers.execute(() -> {
                tickPending.set(false);
                push(listeners);
            });
        } catch (RejectedExecutionException full) {
            tickPending.set(false); // the queue is full of first snapshots: the next tick tries again
        }
    }

    private void push(Map<HttpServerResponse, Context> to) {
        String wire = "event: state\ndata: " + Jsons.write(state()) + "\n\n";
        to.forEach((r, c) -> c.runOnContext(v -> {
            if (r.closed() || r.ended()) listeners.remove(r);
            else r.write(wire);
        }));
    }

    /** Ends every event stream (on close). */
    void closeAll() {
        listeners.forEach((r, c) -> c.runOnContext(v -> { if (!r.ended() && !r.closed()) r.end(); }));
        listeners.clear();
    }

    ObjectNode state() {
        ObjectNode o = Jsons.object();
        Instant now = keycycle.clock().now();
        o.put("at", now.toString());
        o.put("started", started.toString());
        ArrayNode providers = o.putArray("providers");
        List<PoolSnapshot> snapshots = keycycle.snapshots();
        for (PoolSnapshot s : snapshots) providers.add(PoolState.provider(s));
        o.set("learned_limits", PoolState.learned(keycycle));
        o.put("forecast_minutes", forecastMinutes);
        o.set("forecasts", OperatorView.forecastsJson(forecasts(snapshots, now), now));
        ObjectNode tiers = o.putObject("tiers");
        keycycle.tiers().forEach((name, t) -> {
            ArrayNode a = tiers.putArray(name);
            t.models().forEach(m -> a.add(m.toString()));
        });
        if (store != null) {
            StoreHealth h = store.health();
            ObjectNode so = o.putObject("store");
            so.put("url", store.url().redacted());
            so.put("healthy", h.healthy());
            so.put("queue_depth", h.queueDepth());
            so.put("journal_events", h.journalEvents());
            so.put("memory_events", h.memoryEvents());
            so.put("full", h.full());
            so.put("events_written", h.eventsWritten());
            so.put("last_error", h.lastError());
            StorageInfo info = storage(now.toEpochMilli());
            if (info != null) so.set("storage", OperatorView.storageJson(info));
        }
        keycycle.cluster().ifPresent(c -> o.set("cluster", ClusterJson.of(c)));
        o.set("events", events.toJson(100));
        return o;
    }

    private static byte[] read(String resource) {
        try (InputStream in = Dashboard.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) throw new IllegalStateException(resource + " missing from the classpath (the uPlot WebJar)");
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String load() {
        try (InputStream in = Dashboard.class.getResourceAsStream("dashboard.html")) {
            if (in == null) throw new IllegalStateException("dashboard.html missing from the gateway jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
