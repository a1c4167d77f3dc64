package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.Keycycle;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreHealth;
import io.vertx.ext.web.RoutingContext;

import java.util.concurrent.TimeUnit;

/**
 * {@code /healthz}: the process answers. {@code /readyz}: keys are loaded and, when a store is
 * configured, its writer runs and the database answered a ping within the last
 * {@link #PING_EVERY_MILLIS} (one ping per interval however often probes ask, so a flood of probes
 * never reaches the database). Both are open (no auth) for orchestrators' probes and say only
 * ready or not, and why in general terms: the database's address, user and last error are shown
 * only to a caller with an admin token.
 * With a shared pool, {@code cluster} shows the mode and how many instances are alive (the Redis
 * location, trouble and each instance's id, heartbeat and calls in flight with an admin token); a
 * degraded instance stays ready (it admits locally against its share of each limit).
 */
final class Health {

    static final long PING_EVERY_MILLIS = 2_000;

    private final Keycycle keycycle;
    private final KeycycleStore store;
    private final ClientAuth auth;
    private final Object pingLock = new Object();
    private volatile long pingedAtNanos;
    private volatile boolean lastPing;
    private volatile boolean pinged;

    Health(Keycycle keycycle, KeycycleStore store, ClientAuth auth) {
        this.keycycle = keycycle;
        this.store = store;
        this.auth = auth;
    }

    void live(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "application/json").end("{\"status\":\"up\"}");
    }

    /** Runs on a worker: pinging the database blocks. */
    void ready(RoutingContext ctx) {
        boolean details = auth.isAdmin(ctx);
        ObjectNode o = Jsons.object();
        ArrayNode reasons = o.putArray("reasons");
        int keys = 0;
        for (String p : keycycle.providers()) keys += keycycle.pool(p).size();
        o.put("keys", keys);
        if (keys == 0) reasons.add("no API keys are loaded (set NUM_<PROVIDER> and <PROVIDER>_API_KEY_<i>)");
        if (store != null) {
            StoreHealth h = store.health();
            ObjectNode so = o.putObject("store");
            if (details) so.put("url", store.url().redacted());
            so.put("writer_alive", h.writerAlive());
            so.put("journaling", h.journaling());
            so.put("journal_events", h.journalEvents());
            so.put("memory_events", h.memoryEvents());
            so.put("full", h.full());
            if (h.full()) reasons.add("the store is full: neither its disk nor its database takes events; new requests get 503");
            if (!h.writerAlive()) reasons.add("the store's writer is not running (store closed?)");
            boolean ping = ping();
            so.put("ping", ping);
            if (!ping) {
                reasons.add(details ? "the database " + store.url().redacted() + " does not answer"
                        + (h.lastError() == null ? "" : ": " + h.lastError())
                        : "the database does not answer (details for an admin token, and in the gateway's log)");
            }
        }
        keycycle.cluster().ifPresent(c -> o.set("cluster", details ? ClusterJson.of(c) : ClusterJson.summary(c)));
        boolean ready = reasons.isEmpty();
        o.put("status", ready ? "ready" : "not ready");
        ctx.response().setStatusCode(ready ? 200 : 503).putHeader("content-type", "application/json")
                .putHeader("cache-control", "no-store").end(Jsons.write(o));
    }

    /** The last ping's answer, pinging again only when it is older than the interval (one caller pings). */
    private boolean ping() {
        long now = System.nanoTime();
        if (pinged && now - pingedAtNanos < TimeUnit.MILLISECONDS.toNanos(PING_EVERY_MILLIS)) return lastPing;
        synchronized (pingLock) {
            if (pinged && System.nanoTime() - pingedAtNanos < TimeUnit.MILLISECONDS.toNanos(PING_EVERY_MILLIS)) return lastPing;
            lastPing = store.ping();
            pingedAtNanos = System.nanoTime();
            pinged = true;
            return lastPing;
        }
    }
}
