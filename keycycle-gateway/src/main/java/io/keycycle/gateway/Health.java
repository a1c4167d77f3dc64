package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.Keycycle;
import io.keycycle.store.KeycycleStore;
import io.keycycle.store.StoreHealth;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code /healthz}: the process answers. {@code /readyz}: keys are loaded and, when a store is
 * configured, its writer runs and {@link KeycycleStore#ping()} succeeds; otherwise 503 with the
 * reasons. Both are open (no auth) for orchestrators' probes and reveal no key material. With a
 * shared pool, {@code cluster} shows the mode and the instances; a degraded instance stays ready
 * (it admits locally against its share of each limit).
 */
final class Health {

    private final Keycycle keycycle;
    private final KeycycleStore store;

    Health(Keycycle keycycle, KeycycleStore store) {
        this.keycycle = keycycle;
        this.store = store;
    }

    void live(RoutingContext ctx) {
        ctx.response().putHeader("content-type", "application/json").end("{\"status\":\"up\"}");
    }

    /** Runs on a worker: pinging the database blocks. */
    void ready(RoutingContext ctx) {
        ObjectNode o = Jsons.object();
        ArrayNode reasons = o.putArray("reasons");
        int keys = 0;
        for (String p : keycycle.providers()) keys += keycycle.pool(p).size();
        o.put("keys", keys);
        if (keys == 0) reasons.add("no API keys are loaded (set NUM_<PROVIDER> and <PROVIDER>_API_KEY_<i>)");
        if (store != null) {
            StoreHealth h = store.health();
            ObjectNode so = o.putObject("store");
            so.put("url", store.url().redacted());
            so.put("writer_alive", h.writerAlive());
            so.put("journaling", h.journaling());
            so.put("journal_events", h.journalEvents());
            if (!h.writerAlive()) reasons.add("the store's writer is not running (store closed?)");
            boolean ping = store.ping();
            so.put("ping", ping);
            if (!ping) reasons.add("the database " + store.url().redacted() + " does not answer"
                    + (h.lastError() == null ? "" : ": " + h.lastError()));
        }
        keycycle.cluster().ifPresent(c -> o.set("cluster", ClusterJson.of(c)));
        boolean ready = reasons.isEmpty();
        o.put("status", ready ? "ready" : "not ready");
        ctx.response().setStatusCode(ready ? 200 : 503).putHeader("content-type", "application/json").end(Jsons.write(o));
    }
}
