package io.keycycle.spring;

import io.keycycle.Keycycle;
import io.keycycle.core.KeyState;
import io.keycycle.core.KeycycleEvent;
import io.keycycle.core.KeycycleListener;
import io.keycycle.store.KeycycleStore;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Keycycle's meters in the application's {@link MeterRegistry} (Spring Boot binds every
 * {@link MeterBinder} bean to it): the same names as the gateway's {@code /metrics}. Tags carry
 * provider, model, outcome and state, never a key.
 * <ul>
 *   <li>{@code keycycle.admissions{provider,model}}, {@code keycycle.rejections{provider,model}}</li>
 *   <li>{@code keycycle.outcomes{provider,model,outcome}}, {@code keycycle.tokens{provider,model,kind}}</li>
 *   <li>{@code keycycle.waits{provider,model,served}} (timer), {@code keycycle.lease.expirations{provider}}</li>
 *   <li>{@code keycycle.state.changes{provider,state}}, gauge {@code keycycle.keys{provider,state}}</li>
 *   <li>gauges {@code keycycle.store.queue.depth}, {@code keycycle.store.journal.events}, {@code keycycle.store.journal.bytes}</li>
 * </ul>
 */
public final class KeycycleMetrics implements MeterBinder {

    private final Keycycle keycycle;
    private final List<MeterRegistry> registries = new CopyOnWriteArrayList<>();

    public KeycycleMetrics(Keycycle keycycle) {
        this.keycycle = keycycle;
        KeycycleListener listener = this::onEvent; // not a KeycycleListener bean itself: the engine bean collects those
        keycycle.addListener(listener);
    }

    @Override
    public void bindTo(MeterRegistry registry) {
        registries.add(registry);
        for (String provider : keycycle.providers()) {
            for (KeyState state : KeyState.values()) {
                Gauge.builder("keycycle.keys", keycycle, k -> KeyCounts.of(k.pool(provider).snapshot()).get(state))
                        .tags("provider", provider, "state", state.name().toLowerCase(Locale.ROOT))
                        .description("keys by state").register(registry);
            }
        }
        keycycle.persistence().filter(KeycycleStore.class::isInstance).map(KeycycleStore.class::cast).ifPresent(store -> {
            Gauge.builder("keycycle.store.queue.depth", store, s -> s.health().queueDepth())
                    .description("events waiting in the store's in-memory queue").register(registry);
            Gauge.builder("keycycle.store.journal.events", store, s -> s.health().journalEvents())
                    .description("events waiting in the store's outage journal").register(registry);
            Gauge.builder("keycycle.store.journal.bytes", store, s -> s.health().journalBytes())
                    .description("bytes of journal not yet committed").register(registry);
        });
    }

    private void onEvent(KeycycleEvent event) {
        for (MeterRegistry registry : registries) record(registry, event);
    }

    private static void record(MeterRegistry r, KeycycleEvent event) {
        if (event instanceof KeycycleEvent.Admitted a) {
            counter(r, "keycycle.admissions", "provider", a.provider(), "model", a.model()).increment();
        } else if (event instanceof KeycycleEvent.Settled s) {
            counter(r, "keycycle.outcomes", "provider", s.provider(), "model", s.model(), "outcome", s.outcome().name()).increment();
            if (s.promptTokens() > 0) counter(r, "keycycle.tokens", "provider", s.provider(), "model", s.model(), "kind", "prompt").increment(s.promptTokens());
            if (s.completionTokens() > 0) counter(r, "keycycle.tokens", "provider", s.provider(), "model", s.model(), "kind", "completion").increment(s.completionTokens());
        } else if (event instanceof KeycycleEvent.Rejected j) {
            counter(r, "keycycle.rejections", "provider", j.provider(), "model", j.model()).increment();
        } else if (event instanceof KeycycleEvent.StateChanged c) {
            counter(r, "keycycle.state.changes", "provider", c.provider(), "state", c.state().name()).increment();
        } else if (event instanceof KeycycleEvent.Waited w) {
            Timer.builder("keycycle.waits").tags("provider", w.provider(), "model", w.model(), "served", Boolean.toString(w.served()))
                    .register(r).record(Duration.ofMillis(w.waitedMillis()));
        } else if (event instanceof KeycycleEvent.LeaseExpired l) {
            counter(r, "keycycle.lease.expirations", "provider", l.provider()).increment();
        }
    }

    private static Counter counter(MeterRegistry r, String name, String... tags) {
        return Counter.builder(name).tags(tags).register(r);
    }
}
