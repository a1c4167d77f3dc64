package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.KeyState;
import io.keycycle.core.pool.PoolSnapshot;

import java.util.List;

/**
 * The JSON views of pool snapshots: the dashboard's state and the admin key list. Fingerprints
 * only; a key's {@code models} lists the scope(+model) states that are not READY, since Groq,
 * Cerebras and Gemini cool or park a scope per model while the key itself stays usable for others.
 */
final class PoolState {

    private PoolState() { }

    /** {@code GET /admin/keys}: one object per key of every provider. */
    static ArrayNode keys(List<PoolSnapshot> snapshots) {
        ArrayNode a = Jsons.MAPPER.createArrayNode();
        for (PoolSnapshot s : snapshots) {
            for (PoolSnapshot.KeyView k : s.keys()) a.add(key(s, k));
        }
        return a;
    }

    static ObjectNode key(PoolSnapshot s, PoolSnapshot.KeyView k) {
        ObjectNode o = Jsons.object();
        o.put("provider", s.provider());
        o.put("index", k.index());
        o.put("fingerprint", k.fingerprint());
        o.put("scope", k.scope());
        o.put("state", k.state().name());
        Jsons.putInstant(o, "until", k.until());
        o.put("reason", k.reason());
        ArrayNode models = o.putArray("models");
        for (PoolSnapshot.BucketView b : s.buckets()) {
            if (!b.scope().equals(k.scope()) || b.state() == KeyState.READY) continue;
            ObjectNode m = models.addObject();
            m.put("model", b.model());
            m.put("state", b.state().name());
            Jsons.putInstant(m, "until", b.until());
            m.put("reason", b.reason());
        }
        return o;
    }

    /** One provider for the dashboard: keys, scope(+model) usage against limits, model states. */
    static ObjectNode provider(PoolSnapshot s) {
        ObjectNode o = Jsons.object();
        o.put("provider", s.provider());
        Jsons.putInstant(o, "at", s.at());
        ArrayNode keys = o.putArray("keys");
        for (PoolSnapshot.KeyView k : s.keys()) keys.add(key(s, k));
        ArrayNode buckets = o.putArray("buckets");
        for (PoolSnapshot.BucketView b : s.buckets()) {
            ObjectNode bo = buckets.addObject();
            bo.put("scope", b.scope());
            bo.put("model", b.model());
            bo.put("state", b.state().name());
            Jsons.putInstant(bo, "until", b.until());
            bo.put("reason", b.reason());
            ArrayNode usage = bo.putArray("usage");
            for (PoolSnapshot.MetricUsage u : b.usage()) {
                ObjectNode uo = usage.addObject();
                uo.put("metric", u.metric().key());
                uo.put("used", u.used());
                if (u.limit() < 0) uo.putNull("limit");
                else uo.put("limit", u.limit());
            }
        }
        ArrayNode models = o.putArray("models");
        for (PoolSnapshot.ModelView m : s.models()) {
            if (!m.unavailable() && m.backoffUntil() == null) continue;
            ObjectNode mo = models.addObject();
            mo.put("model", m.model());
            mo.put("unavailable", m.unavailable());
            mo.put("reason", m.reason());
            Jsons.putInstant(mo, "backoff_until", m.backoffUntil());
            Jsons.putInstant(mo, "recheck_at", m.recheckAt());
        }
        return o;
    }
}
