package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The dashboard's feed: the last {@code capacity} settlements, state changes and rejections, as
 * small immutable lines (fingerprints only). Adding is O(1) under a short lock, as a listener must be.
 */
final class RecentEvents implements KeycycleListener {

    /** One feed line. {@code outcome} is the outcome kind, the new state, or REJECTED. */
    record Line(long seq, String at, String kind, String provider, String model, String fingerprint, String outcome,
                String detail) { }

    private final int capacity;
    private final ArrayDeque<Line> lines;
    private long seq;

    RecentEvents(int capacity) {
        this.capacity = capacity;
        this.lines = new ArrayDeque<>(capacity);
    }

    @Override
    public void onEvent(KeycycleEvent event) {
        Line l;
        if (event instanceof KeycycleEvent.Settled s) {
            l = line(s.at().toString(), "settled", s.provider(), s.model(), s.fingerprint(), s.outcome().name(),
                    (s.status() > 0 ? "HTTP " + s.status() + ", " : "") + (s.promptTokens() + s.completionTokens()) + " tokens");
        } else if (event instanceof KeycycleEvent.StateChanged c) {
            l = line(c.at().toString(), "state", c.provider(), c.model(), c.fingerprint(), c.state().name(),
                    (c.until() != null ? "until " + c.until() + ": " : "") + (c.reason() == null ? "" : c.reason()));
        } else if (event instanceof KeycycleEvent.LimitLearned ll) {
            String table = ll.tableValue() < 0 ? "unlimited" : Long.toString(ll.tableValue());
            l = line(ll.at().toString(), "learned", ll.provider(), ll.model(), null, "LIMIT",
                    ll.value() < 0 ? ll.metric().key() + " back to the table's " + table + " (scope " + ll.scope() + ")"
                            : ll.metric().key() + " " + table + " → " + ll.value() + ", learned from " + ll.source()
                            + " (scope " + ll.scope() + ")");
        } else if (event instanceof KeycycleEvent.Rejected r) {
            l = line(r.at().toString(), "rejected", r.provider(), r.model(), null, "REJECTED",
                    (r.retryAt() != null ? "retry at " + r.retryAt() + ": " : "") + r.why());
        } else {
            return;
        }
        synchronized (this) {
            if (lines.size() == capacity) lines.removeFirst();
            lines.addLast(new Line(++seq, l.at(), l.kind(), l.provider(), l.model(), l.fingerprint(), l.outcome(), l.detail()));
        }
    }

    private static Line line(String at, String kind, String provider, String model, String fp, String outcome, String detail) {
        return new Line(0, at, kind, provider, model, fp, outcome, detail);
    }

    /** Newest first. */
    synchronized List<Line> newestFirst() {
        List<Line> out = new ArrayList<>(lines);
        java.util.Collections.reverse(out);
        return out;
    }

    ArrayNode toJson(int max) {
        ArrayNode a = Jsons.MAPPER.createArrayNode();
        int n = 0;
        for (Line l : newestFirst()) {
            if (n++ >= max) break;
            ObjectNode o = a.addObject();
            o.put("seq", l.seq());
            o.put("at", l.at());
            o.put("kind", l.kind());
            o.put("provider", l.provider());
            o.put("model", l.model());
            o.put("key", l.fingerprint());
            o.put("outcome", l.outcome());
            o.put("detail", l.detail());
        }
        return a;
    }
}
