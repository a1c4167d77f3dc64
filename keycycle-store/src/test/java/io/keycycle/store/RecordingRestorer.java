package io.keycycle.store;

import io.keycycle.core.EngineRestorer;
import io.keycycle.core.KeycycleEvent;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** A real {@link EngineRestorer} that remembers every call, in order. */
final class RecordingRestorer implements EngineRestorer {

    record UsageCall(String provider, String fingerprint, String model, Instant admittedAt, long requests, long tokens) { }

    final List<UsageCall> usage = new ArrayList<>();
    final List<KeycycleEvent.StateChanged> states = new ArrayList<>();

    @Override
    public void restoreUsage(String provider, String fingerprint, String model, Instant admittedAt, long requests, long chargedTokens) {
        usage.add(new UsageCall(provider, fingerprint, model, admittedAt, requests, chargedTokens));
    }

    @Override
    public void restoreState(KeycycleEvent.StateChanged state) { states.add(state); }

    long requests() { return usage.stream().mapToLong(UsageCall::requests).sum(); }

    long tokens() { return usage.stream().mapToLong(UsageCall::tokens).sum(); }
}
