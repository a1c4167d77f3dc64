package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.Keycycle;
import io.keycycle.core.pool.PoolSnapshot;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreHealth;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The dashboard: {@code GET /} serves one self-contained page (inline CSS and JS); the page reads
 * {@code GET /api/state} once and then listens on {@code GET /api/events}, where a snapshot is
 * pushed every second while anyone listens (falling back to polling if the event stream fails).
 */
final class Dashboard {

    private static final String PAGE = load();

    private final Keycycle keycycle;
    private final KeycycleStore store;
    private final RecentEvents events;
    private final Executor workers;
    private final Instant started;
    private final Map<HttpServerResponse, Context> listeners = new ConcurrentHashMap<>();

    Dashboard(Keycycle keycycle, KeycycleStore store, RecentEvents events, Executor workers) {
        this.keycycle = keycycle;
        this.store = store;
        this.events = events;
        this.workers = workers;
        this.started = keycycle.clock().now();
    }

    void page(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "text/html; charset=utf-8")
                .putHeader("cache-control", "no-cache")
                .putHeader("content-security-policy", "default-src 'self'; style-src 'unsafe-inline'; script-src 'unsafe-inline'")
                .end(PAGE);
    }

    /** Runs on a worker (snapshots take short locks). */
    void state(RoutingContext ctx) {
        String json = Jsons.write(state());
        ctx.response().putHeader("content-type", "application/json").putHeader("cache-control", "no-cache").end(json);
    }

    void subscribe(RoutingContext ctx) {
        HttpServerResponse r = ctx.response();
        r.setChunked(true).putHeader("content-type", "text/event-stream; charset=utf-8")
                .putHeader("cache-control", "no-cache").putHeader("x-accel-buffering", "no");
        r.write(": keycycle dashboard\n\n");
        Context context = ctx.vertx().getOrCreateContext();
        listeners.put(r, context);
        r.closeHandler(v -> listeners.remove(r));
        workers.execute(() -> push(Map.of(r, context)));
    }

    /** Called every second: pushes one snapshot to every listener. */
    void tick() {
        if (listeners.isEmpty()) return;
        workers.execute(() -> push(listeners));
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
        for (PoolSnapshot s : keycycle.snapshots()) providers.add(PoolState.provider(s));
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
            so.put("events_written", h.eventsWritten());
            so.put("last_error", h.lastError());
        }
        keycycle.cluster().ifPresent(c -> o.set("cluster", ClusterJson.of(c)));
        o.set("events", events.toJson(100));
        return o;
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
