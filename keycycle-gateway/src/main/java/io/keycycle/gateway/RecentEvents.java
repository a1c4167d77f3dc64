package io.keycycle.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The dashboard's feed: the last {@code capacity} settlements, state changes, learned limits and
 * rejections (fingerprints only). Adding is O(1) under a short lock, as a listener must be: the
 * event itself is kept (engine events are immutable) and its line is only built when the feed is
 * read, so a request pays no string building for a dashboard nobody may be watching.
 */
final class RecentEvents implements KeycycleListener {

    /** One feed line. {@code outcome} is the outcome kind, the new state, or REJECTED. */
    record Line(long seq, String at, String kind, String provider, String model, String fingerprint, String outcome,
                String detail) { }

    private record Entry(long seq, KeycycleEvent event) { }

    private final int capacity;
    private final ArrayDeque<Entry> entries;
    private long seq;

    RecentEvents(int capacity) {
        this.capacity = capacity;
        this.entries = new ArrayDeque<>(capacity);
    }

    @Override
    public void onEvent(KeycycleEvent event) {
        if (!(event instanceof KeycycleEvent.Settled || event instanceof KeycycleEvent.StateChanged
                || event instanceof KeycycleEvent.LimitLearned || event instanceof KeycycleEvent.Rejected)) {
            return;
        }
        synchronized (this) {
            if (entries.size() == capacity) entries.removeFirst();
            entries.addLast(new Entry(++seq, event));
        }
    }

    /** The line shown for {@code event}, numbered {@code seq}. */
    static Line line(long seq, KeycycleEvent event) {
        if (event instanceof KeycycleEvent.Settled s) {
            return new Line(seq, s.at().toString(), "settled", s.provider(), s.model(), s.fingerprint(), s.outcome().name(),
                    (s.status() > 0 ? "HTTP " + s.status() + ", " : "") + (s.promptTokens() + s.completionTokens()) + " tokens");
        }
        if (event instanceof KeycycleEvent.StateChanged c) {
            return new Line(seq, c.at().toString(), "state", c.provider(), c.model(), c.fingerprint(), c.state().name(),
                    (c.until() != null ? "until " + c.until() + ": " : "") + (c.reason() == null ? "" : c.reason()));
        }
        if (event instanceof KeycycleEvent.LimitLearned ll) {
            String table = ll.tableValue() < 0 ? "unlimited" : Long.toString(ll.tableValue());
            return new Line(seq, ll.at().toString(), "learned", ll.provider(), ll.model(), null, "LIMIT",
                    ll.value() < 0 ? ll.metric().key() + " back to the table's " + table + " (scope " + ll.scope() + ")"
                            : ll.metric().key() + " " + table + " → " + ll.value() + ", learned from " + ll.source()
                            + " (scope " + ll.scope() + ")");
        }
        KeycycleEvent.Rejected r = (KeycycleEvent.Rejected) event;
        return new Line(seq, r.at().toString(), "rejected", r.provider(), r.model(), null, "REJECTED",
                (r.retryAt() != null ? "retry at " + r.retryAt() + ": " : "") + r.why());
    }

    ArrayNode toJson(int max) {
        ArrayNode a = Jsons.MAPPER.createArrayNode();
        List<Entry> copy;
        synchronized (this) {
            copy = new ArrayList<>(entries);
        }
        for (int i = copy.size() - 1, n = 0; i >= 0 && n < max; i--, n++) {
            Line l = line(copy.get(i).seq(), copy.get(i).event());
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
