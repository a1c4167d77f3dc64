package io.keycycle;

import io.keycycle.core.ApiKey;
import io.keycycle.core.EngineClock;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.core.client.KeyProbe;
import io.keycycle.core.learn.ProbeSchedule;
import io.keycycle.core.pool.KeyPool;
import io.keycycle.core.pool.PoolSnapshot;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Brings keys back: a key the provider disabled — invalid, suspended, out of credit, its spending
 * limit used up — is asked again on a {@link ProbeSchedule} (1 h doubling to 24 h; credit daily, or
 * at the reset the provider named) with the cheapest call that authenticates it ({@link KeyProbe}),
 * and re-enabled when the provider says it works. Keys an operator disabled are left alone.
 *
 * <p>Every probe is an event: a healthy key comes back as a {@code READY} {@link KeycycleEvent.StateChanged}
 * ("probe: valid … back in service"); a key still failing is re-published as {@code DISABLED} with
 * what the provider said and, as {@code until}, when the next probe runs. The store keeps them and
 * the dashboard shows them.
 *
 * <p>Time is the engine's {@link EngineClock}: a daemon thread parks until the next probe is due
 * (tests drive {@link #runDue()} on a manual clock instead). The HTTP call happens on that thread,
 * never on a caller's.
 */
public final class KeyReprober implements KeycycleListener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeyReprober.class);

    /** One disabled key being watched. */
    private static final class Watched {
        final KeyPool pool;
        final ApiKey key;
        final ProbeSchedule.Cause cause;
        final Instant reset;
        int failures;
        Instant next;
        boolean probing;

        Watched(KeyPool pool, ApiKey key, ProbeSchedule.Cause cause, Instant reset, Instant next) {
            this.pool = pool;
            this.key = key;
            this.cause = cause;
            this.reset = reset;
            this.next = next;
        }
    }

    /** What one probe found, for callers that run probes themselves. */
    public record Probed(String provider, String fingerprint, KeyProbe.Result result, boolean reEnabled, Instant next) { }

    private final Map<String, KeyPool> pools;
    private final EngineClock clock;
    private final ProbeSchedule schedule;
    private final Consumer<KeycycleEvent> publish;
    private final Map<String, KeyProbe> probes = new LinkedHashMap<>();
    private final Map<String, Watched> watched = new LinkedHashMap<>();   // by provider|fingerprint
    private volatile Thread thread;
    private volatile boolean closed;

    KeyReprober(Map<String, KeyPool> pools, EngineClock clock, ProbeSchedule schedule, Consumer<KeycycleEvent> publish) {
        this.pools = pools;
        this.clock = clock;
        this.schedule = schedule;
        this.publish = publish;
    }

    /** Starts watching the keys that are disabled now (restored from the store) and the background thread. */
    void start() {
        Instant now = clock.now();
        for (KeyPool p : pools.values()) {
            PoolSnapshot s = p.snapshot();
            for (PoolSnapshot.KeyView k : s.keys()) {
                if (k.state() == KeyState.DISABLED) watch(p, p.key(k.fingerprint()), k.reason(), null, now);
            }
        }
        Thread t = new Thread(this::loop, "keycycle-key-probes");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Watches keys the pools disable from now on; forgets those re-enabled. */
    @Override
    public void onEvent(KeycycleEvent event) {
        if (!(event instanceof KeycycleEvent.StateChanged s) || s.level() != KeycycleEvent.Level.KEY || s.fingerprint() == null) return;
        KeyPool pool = pools.get(s.provider());
        if (pool == null) return;
        if (s.state() == KeyState.DISABLED) {
            ApiKey key;
            try {
                key = pool.key(s.fingerprint());
            } catch (RuntimeException unknown) {
                return;
            }
            watch(pool, key, s.reason(), s.until(), s.at());
        } else if (s.state() == KeyState.READY) {
            synchronized (this) {
                watched.remove(id(s.provider(), s.fingerprint()));
            }
        }
    }

    private void watch(KeyPool pool, ApiKey key, String reason, Instant reset, Instant since) {
        String why = reason == null ? "" : reason;
        if (why.startsWith(io.keycycle.core.pool.HoldReasons.OPERATOR) || pool.spec().baseUrl() == null) return;
        // "payment: …" from the pool; "probe at …: no-credit …" from a probe of an earlier process (restored)
        boolean credit = why.startsWith(io.keycycle.core.pool.HoldReasons.of(io.keycycle.core.OutcomeKind.PAYMENT)) || why.startsWith("probe at ") && (why.contains(": no-credit") || why.contains(": key-limit"));
        ProbeSchedule.Cause cause = credit ? ProbeSchedule.Cause.CREDIT : ProbeSchedule.Cause.KEY;
        synchronized (this) {
            String id = id(pool.provider(), key.fingerprint());
            if (watched.containsKey(id)) return;   // already watched: our own re-publication, or a repeat
            watched.put(id, new Watched(pool, key, cause, reset, schedule.next(cause, 0, since, reset)));
        }
        Thread t = thread;
        if (t != null) clock.wake(t);
    }

    /** When the next probe is due, or null when no key is watched. */
    public synchronized Instant nextProbe() {
        Instant next = null;
        for (Watched w : watched.values()) if (!w.probing && (next == null || w.next.isBefore(next))) next = w.next;
        return next;
    }

    /** The keys watched now (provider/fingerprint → next probe). */
    public synchronized Map<String, Instant> watched() {
        Map<String, Instant> out = new LinkedHashMap<>();
        watched.forEach((id, w) -> out.put(id.replace('|', '/'), w.next));
        return out;
    }

    /** Probes every watched key whose probe is due now; returns what each probe found. */
    public List<Probed> runDue() throws InterruptedException {
        Instant now = clock.now();
        List<Watched> due = new ArrayList<>();
        synchronized (this) {
            for (Watched w : watched.values()) {
                if (!w.probing && !w.next.isAfter(now)) {
                    w.probing = true;   // no other thread probes it meanwhile
                    due.add(w);
                }
            }
        }
        List<Probed> out = new ArrayList<>();
        for (Watched w : due) out.add(probe(w));
        return out;
    }

    private Probed probe(Watched w) throws InterruptedException {
        String provider = w.pool.provider();
        KeyProbe probe;
        synchronized (this) {
            probe = probes.computeIfAbsent(provider, p -> KeyProbe.create(p, w.pool.spec().baseUrl()));
        }
        KeyProbe.Result r;
        try {
            r = probe.probe(w.key.secret(), clock.now());
        } finally {
            synchronized (this) {
                w.probing = false;
            }
        }
        Instant now = clock.now();
        String said = r.health().key() + (r.status() > 0 ? " (HTTP " + r.status() + ")" : "") + ": " + r.detail();
        if (r.health().usable()) {
            synchronized (this) {
                watched.remove(id(provider, w.key.fingerprint()));
            }
            boolean enabled = w.pool.enable(w.key.fingerprint(), "probe at " + now + ": " + said + " — back in service");
            log.info("key {} of {} is back in service (probe: {})", w.key.fingerprint(), provider, said);
            return new Probed(provider, w.key.fingerprint(), r, enabled, null);
        }
        Instant next;
        synchronized (this) {
            w.failures++;
            next = schedule.next(w.cause, w.failures, now, w.reset);
            w.next = next;
        }
        publish.accept(new KeycycleEvent.StateChanged(now, provider, KeycycleEvent.Level.KEY, w.key.scope(), w.key.fingerprint(),
                "*", KeyState.DISABLED, next, "probe at " + now + ": " + said + "; still disabled, next probe at " + next));
        return new Probed(provider, w.key.fingerprint(), r, false, next);
    }

    private void loop() {
        while (!closed) {
            try {
                Instant next = nextProbe();
                long deadline = next == null ? clock.millis() + 3_600_000L : next.toEpochMilli();
                if (deadline > clock.millis()) clock.parkUntil(deadline);
                if (closed) return;
                runDue();
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                log.warn("key probes failed: {}", e.toString());
            }
        }
    }

    private static String id(String provider, String fingerprint) { return provider + "|" + fingerprint; }

    @Override
    public void close() {
        closed = true;
        Thread t = thread;
        if (t != null) {
            clock.wake(t);
            t.interrupt();
        }
    }
}
