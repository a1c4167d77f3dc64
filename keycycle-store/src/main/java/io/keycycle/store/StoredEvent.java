package io.keycycle.store;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.keycycle.core.KeycycleEvent;

/**
 * What the store keeps of an engine event: a usage row or a state row, numbered at enqueue with
 * a process-wide sequence (the write order) and a globally unique event id (exactly-once).
 * Also the journal's line format (one JSON object per line).
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "t")
@JsonSubTypes({@JsonSubTypes.Type(value = StoredEvent.Usage.class, name = "usage"),
               @JsonSubTypes.Type(value = StoredEvent.State.class, name = "state"),
               @JsonSubTypes.Type(value = StoredEvent.Fallback.class, name = "fallback")})
sealed interface StoredEvent {

    long seq();

    String eventId();

    /** One row of {@code keycycle_usage}; {@code ts} is the admission instant in epoch ms. */
    record Usage(long seq, String eventId, String provider, String scope, String keyFp, String model, long ts,
                 long requests, long promptTokens, long completionTokens, long chargedTokens, String outcome,
                 int status) implements StoredEvent { }

    /** One upsert of {@code keycycle_key_state}. */
    record State(long seq, String eventId, String provider, String level, String subject, String scope, String keyFp,
                 String model, String state, Long untilMs, String reason, long updatedAt) implements StoredEvent { }

    /** One row of {@code keycycle_fallback}: a call to {@code target} that {@code provider}/{@code model} served for the first candidate. */
    record Fallback(long seq, String eventId, long ts, String target, String fromProvider, String fromModel, String provider,
                    String model) implements StoredEvent { }

    /** Outcome name stored for a lease that expired without a report (the request stays counted). */
    String LEASE_EXPIRED = "LEASE_EXPIRED";

    /**
     * Outcome name stored for a call refused locally (no key had room, the call never left): a usage
     * row without a key, requests or tokens, kept so the charts and the capacity plan see the demand
     * that was turned away. It never reaches the per-key aggregate that hydration replays.
     */
    String REFUSED = "REFUSED";

    /**
     * Outcome name stored for a call that was in flight (admitted, its answer not yet settled) when
     * its process died: recovered at the next start from the process's file of calls in flight
     * ({@link CallsInFlight}), counted as one request and the tokens reserved for it, like an
     * abandoned call. Not an answer: the charts count it as an error.
     */
    String UNFINISHED = "UNFINISHED";

    /** True for the engine events the store keeps (the writer ignores the rest before numbering them). */
    static boolean stored(KeycycleEvent event) {
        return event instanceof KeycycleEvent.Settled || event instanceof KeycycleEvent.LeaseExpired
                || event instanceof KeycycleEvent.StateChanged || event instanceof KeycycleEvent.Rejected
                || event instanceof KeycycleEvent.FellBack;
    }

    /** Fixed-width event id: 16 hex digits of the sequence, then the 8-hex-digit process nonce. */
    static String eventId(long seq, int nonce) {
        // the same text as HexFormat's toHexDigits(seq) + "-" + toHexDigits(nonce), in one array: every event has one
        byte[] b = new byte[25];
        for (int i = 15; i >= 0; i--, seq >>>= 4) b[i] = (byte) Character.forDigit((int) (seq & 0xf), 16);
        b[16] = '-';
        for (int i = 24; i >= 17; i--, nonce >>>= 4) b[i] = (byte) Character.forDigit(nonce & 0xf, 16);
        return new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    /** Column widths of the MySQL family (characters): a longer name is cut to fit, never refused. */
    int NAME = 64;
    int LONG_NAME = 191;

    /**
     * {@code s} cut to {@code max} characters as the MySQL family counts them (code points: an emoji is
     * one, never split). With {@code allow-unknown-models} a gateway client names the model: until
     * 2026-12-04 a name past 191 characters made MariaDB refuse the call's usage row (and its model
     * state), which went to rejected.jsonl and out of every hydration.
     */
    static String fit(String s, int max) {
        if (s == null || s.length() <= max) return s;
        if (s.codePointCount(0, s.length()) <= max) return s;
        return s.substring(0, s.offsetByCodePoints(0, max));
    }

    private static boolean fits(String s, int max) { return s == null || s.length() <= max; }

    /** Maps an engine event to what is stored, or null for events the store ignores. */
    static StoredEvent of(KeycycleEvent event, long seq, int nonce) {
        StoredEvent e = unfitted(event, seq, nonce);
        if (e instanceof Usage u) return fitted(u);
        if (e instanceof State st) {
            return new State(st.seq(), st.eventId(), fit(st.provider(), NAME), st.level(), fit(st.subject(), LONG_NAME),
                    fit(st.scope(), LONG_NAME), fit(st.keyFp(), NAME), fit(st.model(), LONG_NAME), st.state(), st.untilMs(),
                    fit(st.reason(), 512), st.updatedAt());
        }
        if (e instanceof Fallback f) {
            return new Fallback(f.seq(), f.eventId(), f.ts(), fit(f.target(), LONG_NAME), fit(f.fromProvider(), NAME),
                    fit(f.fromModel(), LONG_NAME), fit(f.provider(), NAME), fit(f.model(), LONG_NAME));
        }
        return e;
    }

    /** {@code u} with every name cut to its column's width (itself when all fit, as every real record does). */
    static Usage fitted(Usage u) {
        if (fits(u.provider(), NAME) && fits(u.scope(), LONG_NAME) && fits(u.keyFp(), NAME) && fits(u.model(), LONG_NAME)
                && fits(u.outcome(), 32)) {
            return u; // every real record: no copy on the engine's thread
        }
        return new Usage(u.seq(), u.eventId(), fit(u.provider(), NAME), fit(u.scope(), LONG_NAME), fit(u.keyFp(), NAME),
                fit(u.model(), LONG_NAME), u.ts(), u.requests(), u.promptTokens(), u.completionTokens(), u.chargedTokens(),
                fit(u.outcome(), 32), u.status());
    }

    private static StoredEvent unfitted(KeycycleEvent event, long seq, int nonce) {
        if (event instanceof KeycycleEvent.Settled s) {
            // the engine counts a settled request at its settlement (the latest instant the provider can have
            // counted it), so the record carries that instant and hydration replays it there. A late report
            // that gives tokens back (an abandoned call's estimate was larger than its usage) is the one
            // exception: the engine takes them off where the estimate was charged, before this instant, so the
            // record goes to the admission, which is earlier still (until 2026-12-04 it went to the report's
            // minute, where after a restart it cancelled other calls' tokens in the minute window).
            long ts = s.requests() == 0 && s.chargedTokens() < 0 && s.admittedAt() != null ? s.admittedAt().toEpochMilli()
                    : s.at().toEpochMilli();
            return new Usage(seq, eventId(seq, nonce), s.provider(), s.scope(), s.fingerprint(), s.model(),
                    ts, s.requests(), s.promptTokens(),
                    s.completionTokens(), s.chargedTokens(), s.outcome() == null ? "UNKNOWN" : s.outcome().name(),
                    s.status());
        }
        if (event instanceof KeycycleEvent.LeaseExpired e) {
            return new Usage(seq, eventId(seq, nonce), e.provider(), e.scope(), e.fingerprint(), e.model(),
                    (e.admittedAt() != null ? e.admittedAt() : e.at()).toEpochMilli(), 1, 0, 0, e.chargedTokens(), LEASE_EXPIRED, 0);
        }
        if (event instanceof KeycycleEvent.Rejected r) {
            return new Usage(seq, eventId(seq, nonce), r.provider(), null, "", r.model() == null ? "*" : r.model(),
                    r.at().toEpochMilli(), 0, 0, 0, 0, REFUSED, 0);
        }
        if (event instanceof KeycycleEvent.FellBack f) {
            return new Fallback(seq, eventId(seq, nonce), f.at().toEpochMilli(), f.target(), f.fromProvider(), f.fromModel(),
                    f.provider(), f.model());
        }
        if (event instanceof KeycycleEvent.StateChanged c) {
            return new State(seq, eventId(seq, nonce), c.provider(), c.level().name(), subject(c), c.scope(),
                    c.fingerprint(), c.model() == null ? "*" : c.model(), c.state().name(),
                    c.until() == null ? null : c.until().toEpochMilli(), c.reason(), c.at().toEpochMilli());
        }
        return null;
    }

    /** KEY level: the key; SCOPE level: the scope; MODEL level: the scope, or "*" for the whole provider. */
    static String subject(KeycycleEvent.StateChanged c) {
        return switch (c.level()) {
            case KEY -> c.fingerprint() != null ? c.fingerprint() : "*";
            case SCOPE -> c.scope() != null ? c.scope() : "*";
            case MODEL -> c.scope() != null ? c.scope() : "*";
        };
    }
}
